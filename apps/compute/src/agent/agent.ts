// The compute agent process, assembled: the driver (connected, its virt type decided), recovery
// of what a restart left, then the computeAgent server on `{ server: <host> }`, the host report
// and the power-state sync on their intervals.
import { createReadStream } from 'node:fs';
import type { Logger } from '@kumo/common';
import type { Messaging, Subscription } from '@kumo/messaging';
import type { ImageClient } from '@kumo/sdk';
import type { ComputeDriver } from '../drivers/compute-driver';
import { computeAgent } from '../rpc/agent.contract';
import { computeConductor } from '../rpc/conductor.contract';
import type { AgentSettings } from './agent.config';
import { ComputeManager, type SnapshotStore } from './compute.manager';
import { ConductorLink } from './conductor-link';
import { PowerSync } from './power-sync';
import { ResourceTracker } from './resource-tracker';

export const AGENT_VERSION = '0.1.0';

/** Snapshots into the image service: the queued image the API created gets the qcow2 file. */
export function imageSnapshotStore(images: ImageClient): SnapshotStore {
  return {
    upload: (imageId, path) => images.upload(imageId, () => createReadStream(path)),
    discard: (imageId) => images.delete(imageId),
  };
}

/** One pass of the image cache manager (the periodic task); logs, never throws. */
export async function imageCachePass(driver: ComputeDriver, s: AgentSettings, logger: Logger): Promise<void> {
  try {
    const r = await driver.manageImageCache!({ removeUnused: s.remove_unused_base_images, minAgeSeconds: s.remove_unused_original_minimum_age_seconds });
    if (r.removed.length) logger.info({ removed: r.removed, inUse: r.inUse.length, kept: r.kept }, `image cache: removed ${r.removed.length} unused base image(s)`);
    else logger.debug({ inUse: r.inUse, kept: r.kept }, 'image cache: nothing to remove');
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'image cache pass failed');
  }
}

export interface RunningAgent {
  manager: ComputeManager;
  tracker: ResourceTracker;
  powerSync: PowerSync;
  stop(): Promise<void>;
}

export async function startAgent(o: { settings: AgentSettings; bus: Messaging; driver: ComputeDriver; snapshots: SnapshotStore; logger: Logger }): Promise<RunningAgent> {
  const { settings: s, bus, driver, logger } = o;
  // every message to the conductor says which host it comes from (the conductor refuses another host's instances)
  const conductorRpc = bus.rpc(computeConductor, { callerHost: s.host });
  const link = new ConductorLink(conductorRpc, logger);
  const manager = new ComputeManager(driver, link, o.snapshots, logger, { host: s.host });
  const tracker = new ResourceTracker(driver, conductorRpc, logger, {
    host: s.host,
    hostIp: s.host_ip,
    availabilityZone: s.availability_zone,
    agentVersion: AGENT_VERSION,
    reservedHostMemoryMb: s.reserved_host_memory_mb,
    reservedHostDiskMb: s.reserved_host_disk_mb,
    reservedHostCpus: s.reserved_host_cpus,
  });
  const powerSync = new PowerSync(driver, link, manager.locks, logger, { resumeGuestsOnBoot: s.resume_guests_state_on_host_boot });
  await driver.init();
  await tracker.tick();
  await powerSync.recover().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'recovery at start failed'));
  const unwatch = powerSync.watch();
  const server: Subscription = await bus.serve(computeAgent, manager.handlers(), { server: s.host });
  logger.info({ host: s.host, driver: driver.name }, 'compute agent serving');
  const timers = [
    setInterval(() => void tracker.tick(), s.report_interval_seconds * 1000),
    setInterval(() => void powerSync.tick(), s.power_sync_interval_seconds * 1000),
  ];
  if (driver.manageImageCache && s.image_cache_manager_interval_seconds > 0) {
    timers.push(setInterval(() => void imageCachePass(driver, s, logger), s.image_cache_manager_interval_seconds * 1000));
  }
  return {
    manager,
    tracker,
    powerSync,
    async stop() {
      for (const t of timers) clearInterval(t);
      unwatch();
      await server.close();
      await driver.close();
    },
  };
}
