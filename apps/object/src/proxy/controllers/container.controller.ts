import { backendRequest, devicePath } from '../../common/backend';
import { nowTimestamp } from '../../common/timestamp';
import type { BackendClient } from '../backend-client';
import { listingHeaders, renderListing } from '../listing-format';
import { bestStatus } from '../quorum';
import { listingQuery, ProxyRequest } from '../request';
import { containerAcls, LIMITS, metaHeaders } from '../request-checks';
import { plain, statHeaders } from '../responses';
import { SwiftError } from '../swift-errors';
import type { ProxyController } from './controller';

/** `/v1/<account>/<container>`: its listing of objects, creation, metadata and ACLs, deletion (Swift's ContainerController). */
export class ContainerController implements ProxyController {
  constructor(private readonly backends: BackendClient) {}

  async GET(r: ProxyRequest): Promise<void> {
    const got = await this.backends.readFirst(this.backends.rings.containerRing, [r.account, r.container!], 'GET', listingQuery(r.query, LIMITS.container_listing_limit));
    if (got.status >= 300) throw new SwiftError(got.status === 404 ? 404 : 503);
    const headers = statHeaders(got, 'container');
    if (r.req.method === 'HEAD') return plain(r.res, 204, '', { ...headers, ...listingHeaders(r.req, r.query) });
    return renderListing(r.req, r.res, 'container', r.container!, JSON.parse(got.body.toString()), headers, r.query);
  }

  HEAD(r: ProxyRequest): Promise<void> {
    return this.GET(r);
  }

  async PUT(r: ProxyRequest): Promise<void> {
    this.forgetInfo(r);
    const names = [r.account, r.container!];
    const ring = this.backends.rings.containerRing;
    const acl = containerAcls(r.req);
    await this.backends.ensureAccount(r.account);
    const ts = nowTimestamp();
    const { part, nodes } = ring.getNodes(r.account, r.container);
    const accounts = this.backends.rings.accountRing.getNodes(r.account);
    const base = { 'x-timestamp': ts, ...metaHeaders(r.req, 'container'), ...acl };
    const responses = await Promise.all(
      nodes.map((dev, i) => {
        const acct = accounts.nodes[i % accounts.nodes.length];
        return backendRequest(dev, dev.port, 'PUT', devicePath(dev, part, ...names), {
          ...base,
          'x-account-host': `${acct.ip}:${acct.port}`,
          'x-account-device': acct.device,
          'x-account-partition': String(accounts.part),
        });
      }),
    );
    const status = bestStatus(responses.map((x) => x.status), ring.replicas);
    if (status < 300) {
      // the container's figures (a container PUT again keeps its objects), the largest of the replicas'
      const figure = (h: string) => Math.max(0, ...responses.filter((x) => x.status < 300).map((x) => Number(x.headers[h] ?? 0) || 0));
      const counts = { 'x-object-count': figure('x-container-object-count'), 'x-bytes-used': figure('x-container-bytes-used') };
      await this.backends.fanout(this.backends.rings.accountRing, [r.account, r.container!], 'PUT', { 'x-timestamp': ts, ...counts }, [r.account]);
    }
    return plain(r.res, status, '');
  }

  async POST(r: ProxyRequest): Promise<void> {
    this.forgetInfo(r);
    const ring = this.backends.rings.containerRing;
    const acl = containerAcls(r.req);
    const out = await this.backends.fanout(ring, [r.account, r.container!], 'POST', { 'x-timestamp': nowTimestamp(), ...metaHeaders(r.req, 'container'), ...acl });
    return plain(r.res, bestStatus(out.statuses, ring.replicas), '');
  }

  async DELETE(r: ProxyRequest): Promise<void> {
    this.forgetInfo(r);
    const ring = this.backends.rings.containerRing;
    const ts = nowTimestamp();
    const out = await this.backends.fanout(ring, [r.account, r.container!], 'DELETE', { 'x-timestamp': ts });
    const status = bestStatus(out.statuses, ring.replicas);
    if (status === 204) await this.backends.fanout(this.backends.rings.accountRing, [r.account, r.container!], 'DELETE', { 'x-timestamp': ts }, [r.account]);
    if (status === 409) throw new SwiftError(409);
    if (status === 404) throw new SwiftError(404);
    return plain(r.res, status, '');
  }

  /** A change: the cached info is dropped before and after, so nothing read while it is under way outlives it. */
  private forgetInfo(r: ProxyRequest): void {
    this.backends.forgetContainer(r.account, r.container!);
    r.res.once('finish', () => this.backends.forgetContainer(r.account, r.container!));
  }
}
