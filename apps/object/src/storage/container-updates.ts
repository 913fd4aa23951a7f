import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@kumo/common';

/** An object row change that a container server must hear about. */
export interface ContainerUpdate {
  op: 'PUT' | 'DELETE';
  account: string;
  container: string;
  object: string;
  /** the container server `ip:port`, its device and partition (from the proxy's X-Container-* headers) */
  host: string;
  device: string;
  partition: string;
  timestamp: string;
  size: number;
  contentType?: string;
  etag?: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/** A request to the container server of `u`; true when it answered 2xx within the timeout. */
function toContainerServer(u: ContainerUpdate, method: string, path: string, headers: Record<string, string | number>, timeoutMs: number, body?: Buffer): Promise<boolean> {
  const [host, port] = u.host.split(':');
  return new Promise((resolve) => {
    const req = request({ host, port: Number(port), method, path: `/${encodeURIComponent(u.device)}/${u.partition}/${path}`, agent, timeout: timeoutMs, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve((res.statusCode ?? 500) >= 200 && (res.statusCode ?? 500) < 300));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end(body);
  });
}

/** Sends one update to its container server; true when it answered 2xx within the timeout. */
export function sendContainerUpdate(u: ContainerUpdate, timeoutMs = 2_000): Promise<boolean> {
  const path = [u.account, u.container, ...u.object.split('/')].map(encodeURIComponent).join('/');
  return toContainerServer(u, u.op, path, { 'x-timestamp': u.timestamp, 'x-size': String(u.size), 'x-content-type': u.contentType ?? '', 'x-etag': u.etag ?? '' }, timeoutMs);
}

/** One object's row in a batch of updates (ContainerUpdateSender → the container server). */
export interface ObjectRowUpdate {
  op: 'PUT' | 'DELETE';
  object: string;
  timestamp: string;
  size: number;
  contentType?: string;
  etag?: string;
}

/** The header that marks a container POST as a batch of object row updates (a JSON array of ObjectRowUpdate). */
export const OBJECT_UPDATES_HEADER = 'x-backend-object-updates';

/** Sends several updates of one container replica in one request; true when it answered 2xx in time. */
export function sendContainerUpdates(updates: ContainerUpdate[], timeoutMs = 2_000): Promise<boolean> {
  const u = updates[0];
  const rows: ObjectRowUpdate[] = updates.map((x) => ({ op: x.op, object: x.object, timestamp: x.timestamp, size: x.size, contentType: x.contentType, etag: x.etag }));
  const body = Buffer.from(JSON.stringify(rows));
  const path = `${encodeURIComponent(u.account)}/${encodeURIComponent(u.container)}`;
  return toContainerServer(u, 'POST', path, { [OBJECT_UPDATES_HEADER]: 'json', 'content-type': 'application/json', 'content-length': body.length }, timeoutMs, body);
}

/** The most updates one batch carries. */
const MAX_BATCH = 256;

/**
 * Container updates, batched per container replica when they pile up: the first update to a replica
 * goes at once; those that arrive while it is in flight wait for it and then go together in one
 * request (one HTTP exchange and one SQLite transaction instead of one each). With no concurrency
 * nothing waits; under load a node sent ~5 updates per request and the container server committed
 * them at once. Each caller learns whether its own update was taken.
 */
export class ContainerUpdateSender {
  private readonly queues = new Map<string, { inFlight: boolean; waiting: Array<{ update: ContainerUpdate; resolve: (ok: boolean) => void }> }>();

  send(update: ContainerUpdate, timeoutMs = 2_000): Promise<boolean> {
    const key = `${update.host}/${update.device}/${update.partition}/${update.account}/${update.container}`;
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = { inFlight: false, waiting: [] }));
    const queue = q;
    return new Promise((resolve) => {
      queue.waiting.push({ update, resolve });
      if (!queue.inFlight) this.flush(key, queue, timeoutMs);
    });
  }

  private flush(key: string, q: { inFlight: boolean; waiting: Array<{ update: ContainerUpdate; resolve: (ok: boolean) => void }> }, timeoutMs: number): void {
    const batch = q.waiting.splice(0, MAX_BATCH);
    if (batch.length === 0) {
      this.queues.delete(key);
      return;
    }
    q.inFlight = true;
    const sent = batch.length === 1 ? sendContainerUpdate(batch[0].update, timeoutMs) : sendContainerUpdates(batch.map((b) => b.update), timeoutMs);
    void sent.then((ok) => {
      for (const b of batch) b.resolve(ok);
      q.inFlight = false;
      this.flush(key, q, timeoutMs);
    });
  }
}

/**
 * Swift's async pendings: a container update that failed is written to
 * `<devices>/<dev>/async_pending/<timestamp>-<random>.json` (fsynced) and retried by the updater until the
 * container server takes it, so listings catch up with objects written while a container server was down.
 */
export class AsyncPendings {
  constructor(
    private readonly devicesRoot: string,
    private readonly logger: Logger,
  ) {}

  private readonly sender = new ContainerUpdateSender();

  private dir(device: string): string {
    return join(this.devicesRoot, device, 'async_pending');
  }

  async save(device: string, update: ContainerUpdate): Promise<void> {
    const dir = this.dir(device);
    await fs.mkdir(dir, { recursive: true });
    const path = join(dir, `${update.timestamp}-${randomBytes(6).toString('hex')}.json`);
    await fs.writeFile(`${path}.tmp`, JSON.stringify(update), { flush: true });
    await fs.rename(`${path}.tmp`, path);
  }

  /** Tells the container server now; keeps an async pending when it cannot be reached. */
  async update(device: string, update: ContainerUpdate): Promise<void> {
    if (await this.sender.send(update)) return;
    this.logger.warn({ host: update.host, container: update.container, object: update.object }, 'container update failed; saved as an async pending');
    await this.save(device, update);
  }

  /** One updater pass over a device: retries every pending update, oldest first. */
  async runOnce(device: string): Promise<{ sent: number; failed: number }> {
    const dir = this.dir(device);
    const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
    let sent = 0;
    let failed = 0;
    for (const name of names) {
      const path = join(dir, name);
      let update: ContainerUpdate;
      try {
        update = JSON.parse(await fs.readFile(path, 'utf8')) as ContainerUpdate;
      } catch {
        await fs.rm(path, { force: true });
        continue;
      }
      if (await sendContainerUpdate(update)) {
        await fs.rm(path, { force: true });
        sent++;
      } else {
        failed++;
      }
    }
    return { sent, failed };
  }
}
