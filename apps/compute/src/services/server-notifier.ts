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

  /**
   * @param metadata the server's metadata when the caller has it (a create, a placement): not read again
   */
  async notify(ctx: RequestContext | undefined, instance: InstanceEntity, action: string, phase: 'start' | 'end' | 'error', metadata?: Record<string, string>): Promise<void> {
    if (!this.bus) return;
    try {
      // the view shows a fault only on ERROR and DELETED: no fault is read for the others
      const withFault = instance.vmState === 'error' || instance.vmState === 'deleted' || instance.deleted;
      const [md, faults] = await Promise.all([
        metadata ? new Map([[instance.id, metadata]]) : this.instances.metadataOf([instance.id]),
        withFault ? this.instances.latestFaults([instance.uuid]) : undefined,
      ]);
      const view = serverView(this.links, { instance, metadata: md.get(instance.id) ?? {}, fault: faults?.get(instance.uuid), admin: true });
      await this.bus.notify(ctx, `compute.instance.${action}.${phase}`, { server: view });
    } catch (err) {
      this.log?.warn({ err: (err as Error).message, instanceId: instance.uuid, action, phase }, 'notification not sent');
    }
  }
}
