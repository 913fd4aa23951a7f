import { DynamicModule, Module } from '@nestjs/common';
import { HealthController } from '@kumo/common';
import { AuthController } from './api/auth/auth.controller';
import { EventsController } from './api/events/events.controller';
import { AuthService } from './services/auth.service';
import { EventHub } from './services/event-hub';
import { SessionStore } from './services/session.store';
import { DASHBOARD_OPTIONS, DashboardOptions } from './tokens';

export interface DashboardModuleDeps {
  auth: AuthService;
  hub: EventHub;
  options: DashboardOptions;
}

/** The dashboard's Nest routes: the session (auth/), the event stream (events), /healthcheck. */
@Module({})
export class DashboardModule {
  static forRoot(deps: DashboardModuleDeps): DynamicModule {
    return {
      module: DashboardModule,
      controllers: [HealthController, AuthController, EventsController],
      providers: [
        { provide: AuthService, useValue: deps.auth },
        { provide: SessionStore, useValue: deps.auth.sessions },
        { provide: EventHub, useValue: deps.hub },
        { provide: DASHBOARD_OPTIONS, useValue: deps.options },
      ],
    };
  }
}
