import type { Provider } from '@nestjs/common';
import type { Logger } from '@kumo/common';
import type { Messaging } from '@kumo/messaging';
import type { DataSource } from 'typeorm';
import { AggregatesController } from './api/aggregates/aggregates.controller';
import { AvailabilityZonesController } from './api/availability-zones/availability-zones.controller';
import { HypervisorsController } from './api/hypervisors/hypervisors.controller';
import { InstanceActionsController } from './api/instance-actions/instance-actions.controller';
import { ComputeLinks } from './views/links';
import { ServerActionsController } from './api/server-actions/server-actions.controller';
import { ServerMetadataController } from './api/server-metadata/server-metadata.controller';
import { ServersController } from './api/servers/servers.controller';
import { ServicesController } from './api/services/services.controller';
import { SimpleTenantUsageController } from './api/simple-tenant-usage/simple-tenant-usage.controller';
import { ImageService } from './clients/images';
import { ComputeNodeRepository } from './db/repositories/compute-node.repository';
import { COMPUTE_DATA_SOURCE } from './db/repositories/flavor.repository';
import { InstanceActionRepository } from './db/repositories/instance-action.repository';
import { InstanceRepository } from './db/repositories/instance.repository';
import { HostsService } from './services/hosts.service';
import { ServerActionsService } from './services/server-actions.service';
import { ServerNotifier } from './services/server-notifier';
import { COMPUTE_BUS, COMPUTE_LOGGER, ServersService } from './services/servers.service';

/** What the servers part of the API needs beyond the base module's options. */
export interface ServersModuleOptions {
  /** The message bus: casts to the scheduler and agents, notifications. */
  bus: Messaging;
  /** The image service as the user sees it. */
  images: ImageService;
  logger: Logger;
}

/** Servers, their actions and metadata, instance actions, hypervisors, services, zones, usage. */
export function serverProviders(opts: ServersModuleOptions): Provider[] {
  const repo = <T>(cls: new (ds: DataSource) => T): Provider => ({ provide: cls, useFactory: (ds: DataSource) => new cls(ds), inject: [COMPUTE_DATA_SOURCE] });
  return [
    { provide: COMPUTE_BUS, useValue: opts.bus },
    { provide: COMPUTE_LOGGER, useValue: opts.logger },
    { provide: ImageService, useValue: opts.images },
    repo(InstanceRepository),
    repo(InstanceActionRepository),
    repo(ComputeNodeRepository),
    { provide: ServerNotifier, useFactory: (i: InstanceRepository, links: ComputeLinks) => new ServerNotifier(opts.bus, i, links, opts.logger), inject: [InstanceRepository, ComputeLinks] },
    ServersService,
    ServerActionsService,
    HostsService,
  ];
}

export const SERVER_CONTROLLERS = [ServersController, ServerActionsController, ServerMetadataController, InstanceActionsController, HypervisorsController, ServicesController, AvailabilityZonesController, SimpleTenantUsageController, AggregatesController];
