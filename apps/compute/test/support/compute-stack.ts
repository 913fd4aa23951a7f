import { execFileSync } from 'node:child_process';
import type { Handlers } from '@kumo/messaging';
import { InMemoryBroker, Messaging, MessagingClient } from '@kumo/messaging';
import { createLogger } from '@kumo/common';
import { computeAgent, computeConductor, HostReport } from '../../src/rpc';
import { RunningScheduler, startScheduler } from '../../src/scheduler/scheduler-process';
import type { ComputeConfig } from '../../src/config';
import { startComputeApp, TestComputeApp } from './app';
import { MemoryImages } from './images';

/** A host's report as an agent sends it. */
export function hostReport(host: string, fields: Partial<HostReport> = {}): HostReport {
  return {
    host,
    hypervisorHostname: `${host}.lab`,
    hostIp: '192.0.2.10',
    availabilityZone: null,
    hypervisorType: 'QEMU',
    hypervisorVersion: 7002000,
    virtType: 'qemu',
    virtTypeReason: 'test host',
    cpuInfo: '{"arch": "x86_64"}',
    vcpus: 8,
    memoryMb: 16384,
    localGb: 200,
    vcpusUsed: 0,
    memoryMbUsed: 0,
    localGbUsed: 0,
    freeDiskGb: 200,
    runningVms: 0,
    instances: [],
    agentVersion: 'test',
    reportedAt: new Date().toISOString(),
    ...fields,
  };
}

/**
 * A fake agent on the bus (the test double of the agent's *caller* side: CONVENTIONS.md drivers
 * rule 7): it reports its host and answers builds, power actions, deletes and snapshots through
 * the conductor as the real agent does, without a hypervisor. `hold` keeps builds from finishing.
 */
export class FakeAgent {
  readonly builds: string[] = [];
  /** The admin password each build was given (the config drive's admin_pass), by instance. */
  readonly adminPasses = new Map<string, string | null>();
  readonly casts: Array<{ method: string; instanceId: string }> = [];
  hold = false;
  private readonly bus: Messaging;

  constructor(
    bus: InMemoryBroker | Messaging,
    readonly host: string,
  ) {
    this.bus = bus instanceof InMemoryBroker ? bus.client({ rpcTimeoutMs: 5_000 }) : bus;
  }

  private conductor() {
    return this.bus.rpc(computeConductor, { callerHost: this.host });
  }

  async start(report: Partial<HostReport> = {}): Promise<void> {
    const c = () => this.conductor();
    const update = (ctx: Parameters<Handlers<typeof computeAgent>['terminateInstance']>[0], instanceId: string, change: Record<string, unknown>, expect: Array<string | null>, notify?: { action: string; phase: 'start' | 'end' | 'error' }) =>
      c().call({ requestId: ctx.requestId }, 'instanceUpdate', { instanceId, change, expectTaskState: expect as never, ...(notify ? { notify } : {}) });
    const powerTo: Record<string, { vm: string; power: number }> = {
      start: { vm: 'active', power: 1 },
      stop: { vm: 'stopped', power: 4 },
      reboot_soft: { vm: 'active', power: 1 },
      reboot_hard: { vm: 'active', power: 1 },
      pause: { vm: 'paused', power: 3 },
      unpause: { vm: 'active', power: 1 },
      suspend: { vm: 'suspended', power: 4 },
      resume: { vm: 'active', power: 1 },
    };
    await this.bus.serve(
      computeAgent,
      {
        buildAndRunInstance: async (ctx, { instance }) => {
          this.builds.push(instance.instanceId);
          this.adminPasses.set(instance.instanceId, instance.adminPass);
          await update(ctx, instance.instanceId, { taskState: 'spawning', host: this.host }, ['scheduling', null], { action: 'create', phase: 'start' });
          await c().cast({ requestId: ctx.requestId }, 'actionEvent', { instanceId: instance.instanceId, requestId: ctx.requestId, event: 'compute__do_build_and_run_instance', phase: 'start', at: new Date().toISOString() });
          if (this.hold) return;
          await update(ctx, instance.instanceId, { vmState: 'active', taskState: null, powerState: 1 }, ['spawning'], { action: 'create', phase: 'end' });
          await c().cast({ requestId: ctx.requestId }, 'actionEvent', { instanceId: instance.instanceId, requestId: ctx.requestId, event: 'compute__do_build_and_run_instance', phase: 'finish', result: 'Success', at: new Date().toISOString() });
        },
        terminateInstance: async (ctx, { instanceId }) => {
          this.casts.push({ method: 'terminateInstance', instanceId });
          await update(ctx, instanceId, { vmState: 'deleted', taskState: null, powerState: 0 }, ['deleting'], { action: 'delete', phase: 'end' });
        },
        powerAction: async (ctx, { instanceId, action }) => {
          this.casts.push({ method: `powerAction:${action}`, instanceId });
          await update(ctx, instanceId, { vmState: powerTo[action].vm, taskState: null, powerState: powerTo[action].power }, [null, 'powering-on', 'powering-off', 'rebooting', 'rebooting_hard', 'pausing', 'unpausing', 'suspending', 'resuming']);
        },
        getConsoleOutput: (_ctx, { instanceId, length }) => {
          const lines = ['boot', 'KUMO-GUEST-READY', `uuid ${instanceId}`];
          return { output: `${(length ? lines.slice(-length) : lines).join('\n')}\n` };
        },
        snapshotInstance: async (ctx, { instanceId, imageId }) => {
          this.casts.push({ method: `snapshotInstance:${imageId}`, instanceId });
          await update(ctx, instanceId, { taskState: null }, ['image_snapshot']);
        },
        getSerialConsole: () => ({ libvirtUri: 'test:///default', domainName: 'x', device: null }),
      },
      { server: this.host },
    );
    await this.report(report);
  }

  async report(fields: Partial<HostReport> = {}): Promise<void> {
    await this.conductor().cast(undefined, 'reportHost', hostReport(this.host, fields));
  }
}

/** A server's JSON as the API shows it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire JSON, asserted field by field
export type ServerBody = Record<string, any>;

export interface ComputeStack {
  t: TestComputeApp;
  broker: InMemoryBroker;
  /** A bus client of the stack's broker (in memory, or RabbitMQ with `rabbit`). */
  client(): Messaging;
  images: MemoryImages;
  scheduler: RunningScheduler;
  agent(host: string, report?: Partial<HostReport>): Promise<FakeAgent>;
  /** Polls GET /servers/{id} as `who` until `done` says so (or 5 s). */
  waitFor(who: string, id: string, done: (server: ServerBody | undefined) => boolean): Promise<ServerBody>;
  close(): Promise<void>;
}

/**
 * The compute API, a scheduler process and fake agents on one bus: in memory, or (`rabbit`) the
 * real RabbitMQ of KUMO_TEST_AMQP_URL (default the loopback broker) under a unique exchange prefix.
 */
export async function startComputeStack(overrides: Partial<ComputeConfig['compute']> = {}, opts: { rabbit?: boolean } = {}): Promise<ComputeStack> {
  const broker = new InMemoryBroker();
  const prefix = `kumo-test-${process.pid}-${Date.now().toString(36)}`;
  const clients: Messaging[] = [];
  const client = (): Messaging => {
    const c = opts.rabbit ? new MessagingClient({ url: process.env.KUMO_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', exchangePrefix: prefix, rpcTimeoutMs: 5_000 }) : broker.client({ rpcTimeoutMs: 5_000 });
    clients.push(c);
    return c;
  };
  const images = new MemoryImages();
  const t = await startComputeApp(overrides, { bus: client(), images });
  const scheduler = await startScheduler({ config: t.config, dataSource: t.db.dataSource, bus: client(), logger: createLogger('scheduler-test', process.env.KUMO_TEST_LOG ?? 'silent'), host: 'sched-1' });
  return {
    t,
    broker,
    client,
    images,
    scheduler,
    async agent(host, report) {
      const a = new FakeAgent(client(), host);
      await a.start(report);
      // the report is a cast: wait until the conductor has applied it
      for (let i = 0; i < 100; i++) {
        const rows = (await t.db.dataSource.query('SELECT 1 FROM compute_service WHERE host = ?', [host])) as unknown[];
        if (rows.length) return a;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`${host}'s report never reached the conductor`);
    },
    async waitFor(who, id, done) {
      let last: ServerBody | undefined;
      for (let i = 0; i < 250; i++) {
        const r = await t.json(who, 'GET', `/v2.1/servers/${id}`);
        last = (r.body?.server ?? r.body) as ServerBody | undefined;
        if (r.status === 200 && done(last)) return last ?? {};
        if (r.status === 404 && done(undefined)) return {};
        await new Promise((res) => setTimeout(res, 20));
      }
      throw new Error(`server ${id} never got there; last: ${JSON.stringify(last)}`);
    },
    async close() {
      await scheduler.stop();
      await t.close();
      for (const c of clients) await c.close();
      if (opts.rabbit) removeBrokerObjects(prefix);
    },
  };
}

/** Deletes the queues and exchanges a test declared under `prefix` on the loopback RabbitMQ (rabbitmqctl, as root). */
function removeBrokerObjects(prefix: string): void {
  const ctl = (...args: string[]) => execFileSync('rabbitmqctl', ['-q', ...args], { encoding: 'utf8', timeout: 30_000 });
  for (const q of ctl('list_queues', 'name').split('\n').filter((n) => n.startsWith(`${prefix}.`))) ctl('delete_queue', q);
  for (const x of ctl('list_exchanges', 'name').split('\n').filter((n) => n.startsWith(`${prefix}.`))) ctl('eval', `rabbit_exchange:delete(rabbit_misc:r(<<"/">>, exchange, <<"${x}">>), false, <<"kumo-test">>).`);
}
