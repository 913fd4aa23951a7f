import type { Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { RemoteConsolesController } from './api/remote-consoles/remote-consoles.controller';
import type { ConsoleSettings } from './console/console.config';
import { ConsoleAuthTokenRepository } from './db/repositories/console-auth-token.repository';
import { COMPUTE_DATA_SOURCE } from './db/repositories/flavor.repository';
import { CONSOLE_SETTINGS, RemoteConsolesService } from './services/remote-consoles.service';

/** The serial console's part of the API: tokens and the URL (the proxy is main.console.ts). */
export function consoleProviders(settings: ConsoleSettings): Provider[] {
  return [
    { provide: CONSOLE_SETTINGS, useValue: settings },
    {
      provide: ConsoleAuthTokenRepository,
      useFactory: (ds: DataSource) => new ConsoleAuthTokenRepository(ds),
      inject: [COMPUTE_DATA_SOURCE],
    },
    RemoteConsolesService,
  ];
}

export const CONSOLE_CONTROLLERS = [RemoteConsolesController];
