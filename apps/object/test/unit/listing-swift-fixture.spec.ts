import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderListing } from '../../src/proxy/listing-format';
import { SwiftError } from '../../src/proxy/swift-errors';
import { ListingDb, listingQueryOf } from '../../src/storage/listing-db';

/**
 * Kumo's listing algorithm and renderer against the answers Debian's Swift 2.30.1 gave for the same
 * names (recorded by tools/conformance/swift-listings.mjs record): every GET of the fixture,
 * byte for byte after the fixture's named normalisations, and the content negotiation.
 */
interface Answer {
  what: string;
  method: string;
  path: string;
  accept?: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}
const fixture = JSON.parse(readFileSync(join(__dirname, '../compat/fixtures/swift-listings.json'), 'utf8')) as {
  normalised: string[];
  container: string;
  objects: string[];
  containers: string[];
  answers: Answer[];
};

/** The fixture's normalisations (tools/conformance/swift-listings.mjs NORMALISE), applied to Kumo's side. */
function normalise(body: string): string {
  return body
    .replace(/("last_modified": ")[^"]*(")|(<last_modified>)[^<]*(<\/last_modified>)/g, (_m, a?: string, b?: string, c?: string, d?: string) => (a ? `${a}<time>${b}` : `${c}<time>${d}`))
    .replace(/^(<\?xml[^\n]*\n<account name=")[^"]*(")/, '$1AUTH_test$2');
}

describe('listings compared with Swift 2.30.1 (recorded fixture)', () => {
  let dir: string;
  let container: ListingDb;
  let account: ListingDb;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kumo-listing-fixture-'));
    container = new ListingDb(join(dir, 'c.db'), 'container');
    account = new ListingDb(join(dir, 'a.db'), 'account');
    container.initialize('1796304247.08606');
    account.initialize('1796304247.08606');
    // as the tool stores them: each object's body is its name
    for (const name of fixture.objects) {
      const etag = createHash('md5').update(name).digest('hex');
      container.putRow({ name, timestamp: '1796304247.12345', size: Buffer.byteLength(name), etag, contentType: name.endsWith('.txt') ? 'text/plain' : 'application/octet-stream', deleted: false });
    }
    for (const name of fixture.containers) account.putRow({ name, timestamp: '1796304247.12345', size: 0, count: 0, deleted: false });
  });
  afterAll(() => {
    container.close();
    account.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('normalises only what the fixture names (last_modified, the account name in XML)', () => {
    expect(fixture.normalised).toHaveLength(2);
    expect(normalise('[{"last_modified": "2026-12-03T13:16:45.123450"}]')).toBe('[{"last_modified": "<time>"}]');
  });

  const request = (a: Answer) => {
    const [path, qs = ''] = a.path.split('?');
    const req = { url: `/v1/AUTH_test${a.path}`, headers: a.accept ? { accept: a.accept } : {} } as IncomingMessage;
    return { kind: path === '' ? ('account' as const) : ('container' as const), query: new URLSearchParams(qs), req };
  };

  /** What renderListing writes for the fixture's request: status, the compared headers, the body. */
  function render(a: Answer) {
    const { kind, query, req } = request(a);
    const rows = (kind === 'account' ? account : container).list(listingQueryOf(query));
    const out = { status: 0, headers: {} as Record<string, string>, body: '' };
    const res = {
      writeHead(status: number, headers: Record<string, string | number>) {
        out.status = status;
        for (const h of ['content-type', 'vary', 'accept-ranges']) if (headers[h] !== undefined) out.headers[h] = String(headers[h]);
      },
      end(body?: string) {
        out.body = normalise(body ?? '');
      },
    };
    renderListing(req, res as unknown as ServerResponse, kind, kind === 'account' ? 'AUTH_test' : fixture.container, rows, {}, query);
    return out;
  }

  it.each(fixture.answers.filter((a) => a.method === 'GET' && a.status < 300).map((a) => [a.what, a] as const))('%s', (_what, a) => {
    const headers = Object.fromEntries(Object.entries(a.headers).filter(([h]) => ['content-type', 'vary', 'accept-ranges'].includes(h)));
    expect(render(a)).toEqual({ status: a.status, headers, body: a.body });
  });

  it.each(fixture.answers.filter((a) => a.status >= 400).map((a) => [a.what, a] as const))('%s', (_what, a) => {
    let err: unknown;
    try {
      render(a);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SwiftError);
    expect((err as SwiftError).status).toBe(a.status);
  });
});
