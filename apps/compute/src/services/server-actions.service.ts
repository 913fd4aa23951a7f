import { Inject, Injectable } from '@nestjs/common';
import { Logger, NotFound, RequestContext, ServiceUnavailable } from '@kumo/common';
import type { AuthContext } from '@kumo/auth';
import type { Messaging } from '@kumo/messaging';
import { ImageService, ImageServiceError } from '../clients/images';
import type { InstanceActionEntity, InstanceActionEventEntity } from '../db/entities/instance-action.entity';
import type { InstanceEntity } from '../db/entities/instance.entity';
import { InstanceActionRepository } from '../db/repositories/instance-action.repository';
import { InstanceRepository } from '../db/repositories/instance.repository';
import { computeAgent } from '../rpc';
import { ComputePolicy, isAdmin } from './compute-policy';
import { QuotasService } from './quotas.service';
import { InstanceNotReady, MetadataLimitExceeded } from './server-errors';
import { ACTION_RULES, ActionName, ActionRule, checkActionAllowed, InstanceInvalidState } from './server-states';
import { COMPUTE_BUS, COMPUTE_LOGGER, requestContext, ServersService } from './servers.service';

/** Server actions (POST /servers/{id}/action), metadata and os-instance-actions. */
@Injectable()
export class ServerActionsService {
  constructor(
    private readonly servers: ServersService,
    private readonly instances: InstanceRepository,
    private readonly actions: InstanceActionRepository,
    private readonly quotas: QuotasService,
    private readonly images: ImageService,
    private readonly policy: ComputePolicy,
    @Inject(COMPUTE_BUS) private readonly bus: Messaging,
    @Inject(COMPUTE_LOGGER) private readonly log: Logger,
  ) {}

  /**
   * Checks the states, moves task_state by compare-and-set from the state checked (a concurrent
   * action loses with Nova's 409), records the action and notifies its start.
   */
  private async begin(auth: AuthContext, id: string, rule: ActionRule, policy: string): Promise<{ inst: InstanceEntity; ctx: RequestContext }> {
    const inst = await this.servers.find(auth, id, 'show');
    this.policy.enforce(policy, auth, { project_id: inst.projectId });
    checkActionAllowed(rule, inst.uuid, inst.vmState, inst.taskState);
    if (!inst.host) throw new InstanceInvalidState(rule.api, inst.uuid, 'vm_state', inst.vmState);
    if (!(await this.instances.transition(inst.uuid, [inst.taskState], { taskState: rule.to }))) {
      const now = await this.instances.find(inst.uuid);
      throw new InstanceInvalidState(rule.api, inst.uuid, 'task_state', now?.taskState ?? null);
    }
    const ctx = requestContext();
    await this.actions.start({ instanceUuid: inst.uuid, requestId: ctx.requestId, action: rule.action, userId: auth.userId, projectId: auth.projectId ?? null });
    const moved = { ...inst, taskState: rule.to };
    await this.servers.notifier.notify(ctx, moved, rule.notify, 'start');
    return { inst: moved, ctx };
  }

  /** os-start, os-stop, reboot, pause/unpause, suspend/resume: a power action cast to the host. */
  async power(auth: AuthContext, id: string, name: Exclude<ActionName, 'createImage'>): Promise<void> {
    const rule = ACTION_RULES[name];
    const policy = `os_compute_api:${name.startsWith('reboot') ? 'servers:reboot' : name === 'os-start' ? 'servers:start' : name === 'os-stop' ? 'servers:stop' : `os-${name.replace(/^un/, '').replace('resume', 'suspend')}-server:${name}`}`;
    const { inst, ctx } = await this.begin(auth, id, rule, policy);
    try {
      await this.bus.rpc(computeAgent).cast(ctx, 'powerAction', { instanceId: inst.uuid, action: rule.power }, { server: inst.host! });
    } catch (err) {
      await this.instances.transition(inst.uuid, [rule.to], { taskState: null });
      throw new ServiceUnavailable(`The compute host ${inst.host} could not be reached: ${(err as Error).message}`);
    }
  }

  /** createImage: a queued image in the image service (the user's token, so the user's project owns it), then the snapshot cast. */
  async createImage(auth: AuthContext, id: string, name: string, metadata: Record<string, string>): Promise<string> {
    const rule = ACTION_RULES.createImage;
    const { inst, ctx } = await this.begin(auth, id, rule, 'os_compute_api:servers:create_image');
    const base = inst.requestSpec.image;
    let image: { id: string };
    try {
      image = await this.images.createQueued(auth, {
        name,
        diskFormat: 'qcow2',
        containerFormat: 'bare',
        minDisk: Math.max(inst.rootGb, base.minDisk),
        minRam: base.minRam,
        properties: { ...base.properties, ...metadata, image_type: 'snapshot', instance_uuid: inst.uuid, base_image_ref: inst.imageRef, owner_user_name: auth.userName, user_id: auth.userId },
      });
    } catch (err) {
      await this.instances.transition(inst.uuid, [rule.to], { taskState: null });
      if (err instanceof ImageServiceError) throw new ServiceUnavailable(err.message);
      throw err;
    }
    await this.bus.rpc(computeAgent).cast(ctx, 'snapshotInstance', { instanceId: inst.uuid, imageId: image.id }, { server: inst.host! });
    return image.id;
  }

  /** os-getConsoleOutput: the tail of the guest's serial console log, asked of its host. */
  async consoleOutput(auth: AuthContext, id: string, length?: number): Promise<string> {
    const inst = await this.servers.find(auth, id, 'show');
    this.policy.enforce('os_compute_api:os-console-output', auth, { project_id: inst.projectId });
    if (!inst.host || inst.vmState === 'building') throw new InstanceNotReady(inst.uuid);
    const { output } = await this.bus.rpc(computeAgent).call(requestContext(), 'getConsoleOutput', { instanceId: inst.uuid, length }, { server: inst.host, timeoutMs: 30_000 });
    return output;
  }

  /** os-resetState (admin): vm_state active or error, task_state cleared. */
  async resetState(auth: AuthContext, id: string, state: 'active' | 'error'): Promise<void> {
    this.policy.enforce('os_compute_api:os-admin-actions:reset_state', auth);
    const inst = await this.servers.find(auth, id, 'show');
    const ctx = requestContext();
    await this.actions.start({ instanceUuid: inst.uuid, requestId: ctx.requestId, action: 'resetState', userId: auth.userId, projectId: auth.projectId ?? null });
    await this.instances.transition(inst.uuid, undefined, { vmState: state, taskState: null });
    this.log.info({ instanceId: inst.uuid, state }, 'state reset by an admin');
  }

  // --- metadata -------------------------------------------------------------------------------

  async metadata(auth: AuthContext, id: string): Promise<Record<string, string>> {
    const inst = await this.servers.find(auth, id, 'show');
    this.policy.enforce('os_compute_api:server-metadata:index', auth, { project_id: inst.projectId });
    return (await this.instances.metadataOf([inst.id])).get(inst.id) ?? {};
  }

  async metadataItem(auth: AuthContext, id: string, key: string): Promise<string> {
    const md = await this.metadata(auth, id);
    if (!Object.prototype.hasOwnProperty.call(md, key)) throw new NotFound('Metadata item was not found');
    return md[key];
  }

  /** PUT /metadata replaces all; POST /metadata and PUT /metadata/{key} merge. */
  async setMetadata(auth: AuthContext, id: string, items: Record<string, string>, replace: boolean): Promise<Record<string, string>> {
    const inst = await this.servers.find(auth, id, 'show');
    this.policy.enforce(`os_compute_api:server-metadata:${replace ? 'update_all' : 'update'}`, auth, { project_id: inst.projectId });
    if (inst.taskState === 'deleting') throw new InstanceInvalidState('update metadata', inst.uuid, 'task_state', inst.taskState);
    const limit = (await this.quotas.effectiveLimits(inst.projectId)).metadata_items;
    if (!(await this.instances.setMetadata(inst.id, items, replace, limit))) throw new MetadataLimitExceeded(limit);
    return (await this.instances.metadataOf([inst.id])).get(inst.id) ?? {};
  }

  async deleteMetadata(auth: AuthContext, id: string, key: string): Promise<void> {
    const inst = await this.servers.find(auth, id, 'show');
    this.policy.enforce('os_compute_api:server-metadata:delete', auth, { project_id: inst.projectId });
    if (!(await this.instances.deleteMetadata(inst.id, key))) throw new NotFound('Metadata item was not found');
  }

  // --- os-instance-actions --------------------------------------------------------------------

  async listActions(auth: AuthContext, id: string): Promise<InstanceActionEntity[]> {
    const inst = await this.servers.find(auth, id, 'show');
    this.policy.enforce('os_compute_api:os-instance-actions:list', auth, { project_id: inst.projectId });
    return this.actions.list(inst.uuid);
  }

  /** An action with its events; events' tracebacks only for admins (Nova's os-instance-actions:events:details). */
  async getAction(auth: AuthContext, id: string, requestId: string): Promise<{ action: InstanceActionEntity; events: InstanceActionEventEntity[]; showTraceback: boolean }> {
    const inst = await this.servers.find(auth, id, 'show');
    this.policy.enforce('os_compute_api:os-instance-actions:show', auth, { project_id: inst.projectId });
    const r = await this.actions.get(inst.uuid, requestId);
    if (!r) throw new NotFound(`Action ${requestId} on instance ${inst.uuid} could not be found.`);
    return { ...r, showTraceback: isAdmin(auth) };
  }
}
