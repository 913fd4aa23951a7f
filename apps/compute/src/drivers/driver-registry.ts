// The compute drivers a deployment may select (compute_agent.driver). An unknown name stops the
// agent at start with the list of choices.
import type { Logger } from '@kumo/common';
import type { ComputeDriver } from './compute-driver';
import { LocalExecutor } from './command-executor';
import type { ImageFetcher } from './libvirt/image-cache';
import { LibvirtDriver, type LibvirtDriverOptions } from './libvirt/libvirt.driver';

export interface DriverDeps {
  libvirt: LibvirtDriverOptions;
  fetchImage: ImageFetcher;
  logger: Logger;
}

const DRIVERS = {
  libvirt: (d: DriverDeps): ComputeDriver => new LibvirtDriver(d.libvirt, new LocalExecutor(d.logger), d.fetchImage, d.logger),
} satisfies Record<string, (d: DriverDeps) => ComputeDriver>;

export type DriverName = keyof typeof DRIVERS;
export const DRIVER_NAMES = Object.keys(DRIVERS) as DriverName[];

export function createComputeDriver(name: string, deps: DriverDeps): ComputeDriver {
  const make = (DRIVERS as Record<string, (d: DriverDeps) => ComputeDriver>)[name];
  if (!make) throw new Error(`compute_agent.driver: unknown driver ${JSON.stringify(name)} (choices: ${DRIVER_NAMES.join(', ')})`);
  return make(deps);
}
