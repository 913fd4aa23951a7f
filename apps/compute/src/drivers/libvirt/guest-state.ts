// What the driver reads of a guest: its power state in Nova's terms, the tail of its console log,
// and the wait for its next lifecycle event.
import { open } from 'node:fs/promises';
import { DomainEventType, DomainState, type DomainLifecycleEvent, type ReconnectingLibvirt } from '@kumo/libvirt';
import { GUEST_POWER, type GuestPowerState } from '../compute-driver';

/** libvirt's domain states as Nova's power states (nova/virt/libvirt/driver.py LIBVIRT_POWER_STATE). */
export function powerStateOf(state: DomainState): GuestPowerState {
  switch (state) {
    case DomainState.RUNNING:
    case DomainState.BLOCKED:
      return GUEST_POWER.RUNNING;
    case DomainState.PAUSED:
      return GUEST_POWER.PAUSED;
    case DomainState.SHUTDOWN:
    case DomainState.SHUTOFF:
      return GUEST_POWER.SHUTDOWN;
    case DomainState.CRASHED:
      return GUEST_POWER.CRASHED;
    case DomainState.PMSUSPENDED:
      return GUEST_POWER.SUSPENDED;
    default:
      return GUEST_POWER.NOSTATE;
  }
}

/** Nova's libvirt driver reads at most the last 100 KiB of a console log. */
export const MAX_CONSOLE_BYTES = 100 * 1024;

export async function readTail(file: string, max: number): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - max);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    return buf.toString('utf8');
  } finally {
    await fh.close();
  }
}

export interface LifecycleWait {
  promise: Promise<void>;
  cancel(): void;
}

/**
 * Resolves on the next lifecycle event of `types` for the domain (subscribe before acting); also
 * polls the state once a second in case an event was missed across a reconnect.
 */
export function waitForLifecycle(
  lv: ReconnectingLibvirt,
  stateOf: (instanceId: string) => Promise<DomainState | null>,
  instanceId: string,
  types: DomainEventType[],
  timeoutMs: number,
): LifecycleWait {
  let done = false;
  let cancel!: () => void;
  const promise = new Promise<void>((resolve, reject) => {
    const wanted = new Set<number>(types);
    const onEvent = (e: DomainLifecycleEvent) => {
      if (e.domain.uuid === instanceId && wanted.has(e.event)) finish();
    };
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      lv.off('lifecycle', onEvent);
      if (err) reject(err);
      else resolve();
    };
    const runningWanted = types.includes(DomainEventType.STARTED) || types.includes(DomainEventType.RESUMED);
    const poll = setInterval(() => {
      void stateOf(instanceId)
        .then((state) => {
          if (state !== null && (runningWanted ? state === DomainState.RUNNING : state === DomainState.SHUTOFF)) finish();
        })
        .catch(() => undefined);
    }, 1000);
    const timer = setTimeout(() => finish(new Error(`libvirt sent no ${types.map((t) => DomainEventType[t]).join('/')} event within ${timeoutMs} ms`)), timeoutMs);
    cancel = () => finish(new Error('cancelled'));
    lv.on('lifecycle', onEvent);
  });
  promise.catch(() => undefined);
  return { promise, cancel: () => cancel() };
}
