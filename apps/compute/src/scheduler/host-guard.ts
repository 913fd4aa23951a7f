// The conductor's check of who speaks: an agent acts for one host (the `callerHost` its client puts
// in every message's context), so it may report only that host and change, read or add events to
// only the instances placed on it. Anything else is refused with a typed error and logged with the
// request id. Wraps the Conductor's handlers (scheduler-process.ts), so the conductor itself keeps
// its hot path.
import type { Logger } from '@kumo/common';
import type { Handlers, RpcContext } from '@kumo/messaging';
import type { InstanceRepository } from '../db/repositories/instance.repository';
import type { computeConductor } from '../rpc/conductor.contract';
import { CallerHostMissing, InstanceNotOnHost } from '../rpc/host-identity';

type ConductorHandlers = Handlers<typeof computeConductor>;

export interface HostGuardOptions {
  /** How long an instance's host is remembered (it is set once, at placement). */
  cacheTtlMs?: number;
  cacheSize?: number;
  now?: () => number;
}

export class HostGuard {
  /** instance → host it was found on (only non-null hosts), with when it was read */
  private readonly hosts = new Map<string, { host: string; at: number }>();
  private readonly ttl: number;
  private readonly size: number;
  private readonly now: () => number;

  constructor(
    private readonly instances: InstanceRepository,
    private readonly log: Logger,
    opts: HostGuardOptions = {},
  ) {
    this.ttl = opts.cacheTtlMs ?? 30_000;
    this.size = opts.cacheSize ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** The handlers, each refusing a caller that is not the host concerned. */
  wrap(h: ConductorHandlers): ConductorHandlers {
    return {
      reportHost: (ctx, report) => {
        const caller = this.caller(ctx, 'reportHost');
        if (report.host !== caller) this.refuse(ctx, 'reportHost', `the agent of ${caller} may not report for host ${report.host}`, { reportedHost: report.host });
        return h.reportHost(ctx, report);
      },
      instanceUpdate: async (ctx, args) => {
        const caller = this.caller(ctx, 'instanceUpdate');
        if (args.change.host !== undefined && args.change.host !== caller) {
          this.refuse(ctx, 'instanceUpdate', `the agent of ${caller} may not move instance ${args.instanceId} to host ${String(args.change.host)}`, { instanceId: args.instanceId });
        }
        await this.onCallerHost(ctx, 'instanceUpdate', args.instanceId, caller);
        return h.instanceUpdate(ctx, args);
      },
      instanceState: async (ctx, args) => {
        await this.onCallerHost(ctx, 'instanceState', args.instanceId, this.caller(ctx, 'instanceState'));
        return h.instanceState(ctx, args);
      },
      actionEvent: async (ctx, e) => {
        await this.onCallerHost(ctx, 'actionEvent', e.instanceId, this.caller(ctx, 'actionEvent'));
        return h.actionEvent(ctx, e);
      },
    };
  }

  private caller(ctx: RpcContext, method: string): string {
    if (!ctx.callerHost) this.refuse(ctx, method, `computeConductor.${method} without the caller's host: only a compute agent's client may call the conductor`, {}, CallerHostMissing);
    return ctx.callerHost!;
  }

  /** Passes when the instance is on `caller`'s host; an unknown instance passes (the handler answers `found: null`). */
  private async onCallerHost(ctx: RpcContext, method: string, instanceId: string, caller: string): Promise<void> {
    const cached = this.hosts.get(instanceId);
    if (cached && cached.host === caller && this.now() - cached.at < this.ttl) return;
    const row = await this.instances.placementOf(instanceId);
    if (!row) return;
    if (row.host === caller) {
      if (this.hosts.size >= this.size) this.hosts.delete(this.hosts.keys().next().value as string);
      this.hosts.set(instanceId, { host: caller, at: this.now() });
      return;
    }
    this.refuse(ctx, method, `instance ${instanceId} is not on host ${caller} (it is on ${row.host ?? 'no host'}): its agent may not change it`, { instanceId, instanceHost: row.host }, InstanceNotOnHost);
  }

  private refuse(ctx: RpcContext, method: string, message: string, fields: Record<string, unknown>, cls: typeof InstanceNotOnHost = InstanceNotOnHost): never {
    this.log.warn({ requestId: ctx.requestId, callerHost: ctx.callerHost ?? null, method, ...fields }, `conductor refused: ${message}`);
    throw new cls(message, { callerHost: ctx.callerHost ?? null, ...fields });
  }
}
