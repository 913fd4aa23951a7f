import { nowTimestamp } from '../../common/timestamp';
import type { BackendClient } from '../backend-client';
import { listingHeaders, renderListing } from '../listing-format';
import { bestStatus } from '../quorum';
import { listingQuery, ProxyRequest } from '../request';
import { LIMITS, metaHeaders } from '../request-checks';
import { plain, statHeaders } from '../responses';
import { SwiftError } from '../swift-errors';
import type { ProxyController } from './controller';

/** `/v1/<account>`: its listing of containers, its figures and metadata (Swift's AccountController). */
export class AccountController implements ProxyController {
  constructor(private readonly backends: BackendClient) {}

  async GET(r: ProxyRequest): Promise<void> {
    const names = [r.account];
    const ring = this.backends.rings.accountRing;
    let got = await this.backends.readFirst(ring, names, 'GET', listingQuery(r.query, LIMITS.account_listing_limit));
    if (got.status === 404) {
      // accounts exist implicitly (Swift's account_autocreate): an empty one
      await this.backends.ensureAccount(r.account);
      got = await this.backends.readFirst(ring, names, 'GET', listingQuery(r.query, LIMITS.account_listing_limit));
    }
    if (got.status >= 300) throw new SwiftError(got.status === 404 ? 404 : 503);
    const headers = statHeaders(got, 'account');
    if (r.req.method === 'HEAD') return plain(r.res, 204, '', { ...headers, ...listingHeaders(r.req, r.query) });
    return renderListing(r.req, r.res, 'account', r.account, JSON.parse(got.body.toString()), headers, r.query);
  }

  HEAD(r: ProxyRequest): Promise<void> {
    return this.GET(r);
  }

  async POST(r: ProxyRequest): Promise<void> {
    await this.backends.ensureAccount(r.account);
    const ring = this.backends.rings.accountRing;
    const out = await this.backends.fanout(ring, [r.account], 'POST', { 'x-timestamp': nowTimestamp(), ...metaHeaders(r.req, 'account') });
    return plain(r.res, bestStatus(out.statuses, ring.replicas), '');
  }
}
