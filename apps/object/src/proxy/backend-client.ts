import type { Ring } from '../ring/ring';
import type { RingDevice } from '../ring/ring-types';
import { BackendResponse, backendRequest, devicePath } from '../common/backend';
import { nowTimestamp } from '../common/timestamp';
import { bestStatus } from './quorum';

/** How long the proxy trusts what it learnt of a container (Swift's recheck_container_existence is 60 s). */
const CONTAINER_INFO_TTL_MS = 5_000;

export interface ProxyRings {
  accountRing: Ring;
  containerRing: Ring;
  objectRing: Ring;
}

/** A row of a container listing as the container servers give it. */
export interface ListingRow {
  name: string;
  size: number;
  etag?: string;
  contentType?: string;
  timestamp: string;
}

/**
 * The proxy's requests to the storage nodes that are not an object's body (Swift's proxy controllers'
 * base: GETorHEAD_base, make_requests, get_container_info): reads from the first replica that answers,
 * fan-outs to every replica, the container info cache, and the container updates an object write carries.
 */
export class BackendClient {
  private readonly containerCache = new Map<string, { info: BackendResponse; at: number }>();

  constructor(readonly rings: ProxyRings) {}

  /**
   * A container's HEAD (existence, ACLs, versioning), cached for CONTAINER_INFO_TTL_MS as Swift's proxy
   * caches container info: object requests need it on every PUT and DELETE. Changes made through this
   * proxy drop the entry at once (forgetContainer); other proxies see them within the TTL.
   */
  async containerInfo(account: string, container: string): Promise<BackendResponse> {
    const key = `${account}/${container}`;
    const hit = this.containerCache.get(key);
    if (hit && Date.now() - hit.at < CONTAINER_INFO_TTL_MS) return hit.info;
    const info = await this.readFirst(this.rings.containerRing, [account, container], 'HEAD');
    // only definite answers are kept (a 503 is asked again next time)
    if (info.status < 300 || info.status === 404) {
      if (this.containerCache.size > 10_000) this.containerCache.clear();
      this.containerCache.set(key, { info, at: Date.now() });
    }
    return info;
  }

  forgetContainer(account: string, container: string): void {
    this.containerCache.delete(`${account}/${container}`);
  }

  /** One page of a container listing as rows (JSON from the container servers). */
  async listContainer(account: string, container: string, query: string): Promise<ListingRow[] | null> {
    const got = await this.readFirst(this.rings.containerRing, [account, container], 'GET', query);
    if (got.status !== 200) return null;
    return JSON.parse(got.body.toString()) as ListingRow[];
  }

  /** Sends a request to every replica of `hashOn` (default: the names themselves) at path `names`. */
  async fanout(
    ring: Ring,
    names: string[],
    method: string,
    headers: Record<string, string | number>,
    hashOn: string[] = names,
  ): Promise<{ statuses: number[]; responses: BackendResponse[] }> {
    const { part, nodes } = ring.getNodes(hashOn[0], hashOn[1], hashOn[2]);
    const responses = await Promise.all(nodes.map((dev) => backendRequest(dev, dev.port, method, devicePath(dev, part, ...names), headers)));
    return { statuses: responses.map((r) => r.status), responses };
  }

  /** GET/HEAD from the first replica that answers 2xx (a 404 from one replica is not final). */
  async readFirst(ring: Ring, names: string[], method: string, query = ''): Promise<BackendResponse> {
    const { part, nodes } = ring.getNodes(names[0], names[1], names[2]);
    let last = { status: 404, headers: {}, body: Buffer.alloc(0) } as BackendResponse;
    let sawNotFound = false;
    for (const dev of nodes) {
      const r = await backendRequest(dev, dev.port, method, devicePath(dev, part, ...names) + query, {});
      if (r.status >= 200 && r.status < 300) return r;
      if (r.status === 404) sawNotFound = true;
      last = r;
    }
    return sawNotFound ? { ...last, status: 404 } : last;
  }

  /** Accounts exist implicitly (Swift's account_autocreate): creates one no replica knows. */
  async ensureAccount(account: string): Promise<void> {
    const out = await this.fanout(this.rings.accountRing, [account], 'HEAD', {});
    if (out.statuses.some((s) => s === 204)) return;
    await this.fanout(this.rings.accountRing, [account], 'PUT', { 'x-timestamp': nowTimestamp() });
  }

  /** Object replica i tells container replica i about the change (Swift's pairing). */
  containerUpdateHeaders(account: string, container: string): Array<Record<string, string>> {
    const { part, nodes } = this.rings.containerRing.getNodes(account, container);
    return nodes.map((n) => ({ 'x-container-host': `${n.ip}:${n.port}`, 'x-container-device': n.device, 'x-container-partition': String(part) }));
  }

  /**
   * An object DELETE or POST on every replica; a primary that does not answer is replaced by a handoff
   * (a tombstone there reaches the primary through the replicator).
   */
  async fanoutWithContainer(names: string[], method: string, headers: Record<string, string>): Promise<number[]> {
    const ring = this.rings.objectRing;
    const { part, nodes } = ring.getNodes(names[0], names[1], names[2]);
    const updates = this.containerUpdateHeaders(names[0], names[1]);
    const send = (dev: RingDevice, i: number) => backendRequest(dev, dev.port, method, devicePath(dev, part, ...names), { ...headers, ...(updates[i] ?? {}) });
    const statuses = (await Promise.all(nodes.map(send))).map((x) => x.status);
    const handoffs = ring.getMoreNodes(part);
    for (let i = 0; i < statuses.length; i++) {
      while (statuses[i] === 503 || statuses[i] === 507) {
        const next = handoffs.next();
        if (next.done) break;
        statuses[i] = (await send(next.value, i)).status;
      }
    }
    return statuses;
  }

  /** Deletes one object on all its replicas; returns the client-facing status. */
  async deleteObject(names: string[]): Promise<number> {
    return bestStatus(await this.fanoutWithContainer(names, 'DELETE', { 'x-timestamp': nowTimestamp() }), this.rings.objectRing.replicas);
  }
}
