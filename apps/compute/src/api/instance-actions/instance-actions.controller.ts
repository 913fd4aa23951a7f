import { Controller, Get, Param } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import type { InstanceActionEntity, InstanceActionEventEntity } from '../../db/entities/instance-action.entity';
import { ServerActionsService } from '../../services/server-actions.service';
import { isoMicros } from '../../views/server.view';

/** Nova's instance action at 2.1 (views of os-instance-actions). */
export function instanceActionView(a: InstanceActionEntity): Record<string, unknown> {
  return { action: a.action, instance_uuid: a.instanceUuid, message: a.message, project_id: a.projectId, request_id: a.requestId, start_time: isoMicros(a.startTime), user_id: a.userId };
}

export function instanceActionEventView(e: InstanceActionEventEntity, showTraceback: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { event: e.event, start_time: isoMicros(e.startTime), finish_time: isoMicros(e.finishTime), result: e.result };
  if (showTraceback) out.traceback = e.traceback;
  return out;
}

/** `/v2.1/servers/{id}/os-instance-actions[/{request_id}]`: what was done to a server, step by step. */
@Controller('v2.1/servers/:id/os-instance-actions')
export class InstanceActionsController {
  constructor(private readonly actions: ServerActionsService) {}

  @Get()
  async list(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return { instanceActions: (await this.actions.listActions(auth, id)).map(instanceActionView) };
  }

  @Get(':requestId')
  async show(@Auth() auth: AuthContext, @Param('id') id: string, @Param('requestId') requestId: string): Promise<unknown> {
    const { action, events, showTraceback } = await this.actions.getAction(auth, id, requestId);
    return { instanceAction: { ...instanceActionView(action), events: events.map((e) => instanceActionEventView(e, showTraceback)) } };
  }
}
