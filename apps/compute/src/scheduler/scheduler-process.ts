import type { Logger } from '@kumo/common';
import type { Messaging, Subscription } from '@kumo/messaging';
import type { DataSource } from 'typeorm';
import { ComputeLinks } from '../views/links';
import type { ComputeConfig } from '../config';
import { ComputeNodeRepository } from '../db/repositories/compute-node.repository';
import { InstanceActionRepository } from '../db/repositories/instance-action.repository';
import { InstanceRepository } from '../db/repositories/instance.repository';
import { computeAgent, computeConductor, computeScheduler } from '../rpc';
import { ServerNotifier } from '../services/server-notifier';
import { Conductor } from './conductor';
import { HostGuard } from './host-guard';
import { BuildLiveness } from './liveness';
import { Scheduler } from './scheduler';

export interface RunningScheduler {
  scheduler: Scheduler;
  conductor: Conductor;
  liveness: BuildLiveness;
  stop(): Promise<void>;
}

/**
 * The scheduler process's work, started on a data source and a bus (main.scheduler.ts; the
 * integration tests start it on an in-memory bus): computeScheduler and computeConductor served,
 * the liveness sweep and the process's own heartbeat (nova-scheduler, nova-conductor) on timers.
 */
export async function startScheduler(o: { config: ComputeConfig; dataSource: DataSource; bus: Messaging; logger: Logger; host: string; now?: () => Date }): Promise<RunningScheduler> {
  const cfg = o.config.compute.scheduler;
  const instances = new InstanceRepository(o.dataSource);
  const nodes = new ComputeNodeRepository(o.dataSource);
  const actions = new InstanceActionRepository(o.dataSource);
  const notifier = new ServerNotifier(o.bus, instances, new ComputeLinks(o.config.compute.public_url), o.logger);
  const scheduler = new Scheduler({ instances, nodes, actions, notifier, agent: o.bus.rpc(computeAgent), config: cfg, log: o.logger, now: o.now });
  const conductor = new Conductor({ instances, nodes, actions, notifier, log: o.logger, now: o.now });
  const liveness = new BuildLiveness({ instances, nodes, actions, notifier, config: cfg, log: o.logger, now: o.now });
  const subs: Subscription[] = [];
  // the prefetch bounds the batches: what is delivered while a batch is placed or written joins the next one
  subs.push(await o.bus.serve(computeScheduler, { scheduleInstances: (ctx, { instanceIds, adminPass }) => scheduler.scheduleInstances(ctx, instanceIds, adminPass) }, { server: o.host, prefetch: 128 }));
  // every agent speaks for its own host only (host-guard.ts)
  subs.push(await o.bus.serve(computeConductor, new HostGuard(instances, o.logger).wrap(conductor.handlers()), { server: o.host, prefetch: 256 }));
  const beat = async () => {
    const now = o.now?.() ?? new Date();
    for (const [binary, topic] of [['nova-scheduler', 'scheduler'], ['nova-conductor', 'conductor']]) await nodes.heartbeat(o.host, binary, topic, now);
  };
  await beat();
  let sweeping = false;
  const timers = [
    setInterval(() => void beat().catch((err: Error) => o.logger.warn({ err: err.message }, 'heartbeat failed')), cfg.heartbeat_interval * 1000),
    setInterval(() => {
      if (sweeping) return;
      sweeping = true;
      void liveness
        .sweep()
        .catch((err: Error) => o.logger.error({ err: err.message }, 'liveness sweep failed'))
        .finally(() => (sweeping = false));
    }, cfg.liveness_interval * 1000),
  ];
  for (const t of timers) t.unref();
  return {
    scheduler,
    conductor,
    liveness,
    async stop() {
      for (const t of timers) clearInterval(t);
      for (const s of subs) await s.close();
    },
  };
}
