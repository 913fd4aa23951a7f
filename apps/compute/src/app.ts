import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { createHttpApp, Logger } from '@kumo/common';
import type { TokenValidator } from '@kumo/auth';
import { installMicroversions } from './api/microversion';
import type { ProjectDirectory } from './clients/identity-projects';
import { ComputeModule } from './compute.module';
import type { ComputeConfig } from './config';
import type { ServersModuleOptions } from './servers.providers';

/**
 * The compute service's HTTP app: Kumo's edge in the 'nova' fault style (`{"itemNotFound": {code,
 * message}}`), `x-compute-request-id` beside `x-openstack-request-id` (novaclient reads it), `/v2.1/` routed as `/v2.1` (the
 * version documents' self links end in a slash), and microversion negotiation on every request under /v2.1 (api/microversion.ts).
 */
export async function createComputeApp(opts: { config: ComputeConfig; dataSource: DataSource; validator: TokenValidator; projects: ProjectDirectory; logger: Logger } & Omit<ServersModuleOptions, 'logger'>): Promise<NestFastifyApplication> {
  const app = await createHttpApp(ComputeModule.register(opts), { service: 'compute', faultStyle: 'nova', logger: opts.logger, requestIdAliases: ['x-compute-request-id'], ignoreTrailingSlash: true });
  installMicroversions(app.getHttpAdapter().getInstance() as unknown as FastifyInstance);
  return app;
}
