import type { IncomingMessage, ServerResponse } from 'node:http';

type Row = { name: string; timestamp: string; size: number; contentType?: string; etag?: string; count?: number } | { subdir: string };

function isoTime(ts: string): string {
  return new Date(Number(ts) * 1000).toISOString().replace('Z', '000').slice(0, 26);
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The listing format: `format=` wins, then Accept (json, xml), else plain text. */
export function listingFormat(req: IncomingMessage, query: URLSearchParams): 'json' | 'xml' | 'plain' {
  const f = query.get('format')?.toLowerCase();
  if (f === 'json' || f === 'xml' || f === 'plain') return f;
  const accept = String(req.headers.accept ?? '');
  if (accept.includes('application/json')) return 'json';
  if (accept.includes('application/xml') || accept.includes('text/xml')) return 'xml';
  return 'plain';
}

/** Renders an account or container listing the way Swift does. */
export function renderListing(
  req: IncomingMessage,
  res: ServerResponse,
  kind: 'account' | 'container',
  name: string,
  rows: Row[],
  headers: Record<string, string>,
  query: URLSearchParams,
): void {
  const format = listingFormat(req, query);
  let body: string;
  let type: string;
  if (format === 'json') {
    type = 'application/json; charset=utf-8';
    body = JSON.stringify(
      rows.map((r) => {
        if ('subdir' in r) return { subdir: r.subdir };
        if (kind === 'account') return { name: r.name, count: r.count ?? 0, bytes: r.size, last_modified: isoTime(r.timestamp) };
        return { name: r.name, hash: r.etag ?? '', bytes: r.size, content_type: r.contentType ?? '', last_modified: isoTime(r.timestamp) };
      }),
    );
  } else if (format === 'xml') {
    type = 'application/xml; charset=utf-8';
    const items = rows.map((r) => {
      if ('subdir' in r) return `<subdir name="${escapeXml(r.subdir)}"><name>${escapeXml(r.subdir)}</name></subdir>`;
      if (kind === 'account') return `<container><name>${escapeXml(r.name)}</name><count>${r.count ?? 0}</count><bytes>${r.size}</bytes><last_modified>${isoTime(r.timestamp)}</last_modified></container>`;
      return `<object><name>${escapeXml(r.name)}</name><hash>${r.etag ?? ''}</hash><bytes>${r.size}</bytes><content_type>${escapeXml(r.contentType ?? '')}</content_type><last_modified>${isoTime(r.timestamp)}</last_modified></object>`;
    });
    body = `<?xml version="1.0" encoding="UTF-8"?>\n<${kind} name="${escapeXml(name)}">${items.join('')}</${kind}>`;
  } else {
    type = 'text/plain; charset=utf-8';
    body = rows.map((r) => ('subdir' in r ? r.subdir : r.name)).join('\n') + (rows.length ? '\n' : '');
  }
  const status = format === 'plain' && rows.length === 0 ? 204 : 200;
  res.writeHead(status, { ...headers, 'content-type': type, 'content-length': status === 204 ? 0 : Buffer.byteLength(body) });
  res.end(status === 204 ? undefined : body);
}
