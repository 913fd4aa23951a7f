import type { Logger, RequestContext } from '@kumo/common';
import type { Messaging } from '@kumo/messaging';
import type { InstanceEntity } from '../db/entities/instance.entity';
import type { InstanceRepository } from '../db/repositories/instance.repository';
import { ComputeLinks, serverView } from '../views/server.view';

/**
 * `compute.instance.<action>.start|end|error` on the bus with the server's (admin) view, for the
 * dashboard's live updates. A notification that cannot be sent is logged, never fails the work.
 */
export class ServerNotifier {
  constructor(
    private readonly bus: Messaging | undefined,
    private readonly instances: InstanceRepository,
    private readonly links: ComputeLinks,
    private readonly log?: Logger,
  ) {}

  async notify(ctx: RequestContext | undefined, instance: InstanceEntity, action: string, phase: 'start' | 'end' | 'error'): Promise<void> {
    if (!this.bus) return;
    try {
      const [metadata, faults] = await Promise.all([this.instances.metadataOf([instance.id]), this.instances.latestFaults([instance.uuid])]);
      const view = serverView(this.links, { instance, metadata: metadata.get(instance.id) ?? {}, fault: faults.get(instance.uuid), admin: true });
      await this.bus.notify(ctx, `compute.instance.${action}.${phase}`, { server: view });
    } catch (err) {
      this.log?.warn({ err: (err as Error).message, instanceId: instance.uuid, action, phase }, 'notification not sent');
    }
  }
}
