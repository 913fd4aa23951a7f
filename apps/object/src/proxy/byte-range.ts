import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';

/** One range of a Range header: [first, last] as given, either side may be absent (`a-`, `-n`). */
export type RangeSpec = [number | null, number | null];

/**
 * A `Range: bytes=…` header parsed as Swift's swob.Range does (comma-separated `a-b`, `a-`, `-n`;
 * spaces ignored), or null when it is not a valid byte range, which Swift then ignores (the whole
 * object is served).
 */
export function parseRange(header: string | undefined): RangeSpec[] | null {
  if (!header) return null;
  const value = header.replace(/ /g, '');
  if (!value.toLowerCase().startsWith('bytes=')) return null;
  const out: RangeSpec[] = [];
  for (const spec of value.slice(6).split(',')) {
    const m = /^(\d*)-(\d*)$/.exec(spec);
    if (!m || (m[1] === '' && m[2] === '')) return null;
    const first = m[1] === '' ? null : Number(m[1]);
    const last = m[2] === '' ? null : Number(m[2]);
    if (first !== null && last !== null && last < first) return null;
    out.push([first, last]);
  }
  return out;
}

/**
 * The satisfiable ranges of `specs` over `length` bytes as [start, end] (inclusive), in the order
 * asked (swob's ranges_for_length); empty when none is satisfiable (a 416).
 */
export function rangesForLength(specs: RangeSpec[], length: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [first, last] of specs) {
    if (first === null) {
      // a suffix: the last `last` bytes
      if (last === 0 || length === 0) continue;
      out.push([Math.max(0, length - last!), length - 1]);
    } else if (first < length) {
      out.push([first, last === null ? length - 1 : Math.min(last, length - 1)]);
    }
  }
  // RFC 7233 6.1's egregious requests, as swob defines them: none is served (a 416)
  if (out.length > MAX_RANGES) return [];
  let overlaps = 0;
  for (let i = 0; i < out.length; i++) {
    for (let j = i + 1; j < out.length; j++) {
      // swob compares half-open ranges [start, end + 1)
      const [s1, e1] = [out[i][0], out[i][1] + 1];
      const [s2, e2] = [out[j][0], out[j][1] + 1];
      if ((s1 < s2 && s2 < e1) || (s1 < e2 && e2 < e1) || (s2 < s1 && s1 < e2) || (s2 < e1 && e1 < e2)) {
        if (++overlaps > MAX_RANGE_OVERLAPS) return [];
      }
    }
  }
  const ascending = out.every((r, i) => i === 0 || out[i - 1][0] < r[0] || (out[i - 1][0] === r[0] && out[i - 1][1] <= r[1]));
  if (!ascending && out.length >= MAX_NONASCENDING_RANGES) return [];
  return out;
}

const MAX_RANGES = 50;
const MAX_RANGE_OVERLAPS = 2;
const MAX_NONASCENDING_RANGES = 8;

/**
 * A multipart/byteranges body (several ranges in one 206), as Swift writes it: for each range
 * `--boundary`, its Content-Type and Content-Range, the bytes; then `--boundary--`.
 */
export class Byteranges {
  readonly boundary = randomBytes(16).toString('hex');

  constructor(
    private readonly ranges: Array<[number, number]>,
    private readonly size: number,
    private readonly contentType: string,
  ) {}

  get contentTypeHeader(): string {
    return `multipart/byteranges;boundary=${this.boundary}`;
  }

  /** The head of part i (before its bytes). */
  partHead(i: number): string {
    const [first, last] = this.ranges[i];
    return `--${this.boundary}\r\nContent-Type: ${this.contentType}\r\nContent-Range: bytes ${first}-${last}/${this.size}\r\n\r\n`;
  }

  /** What follows each part's bytes, and what ends the body. */
  readonly partTail = '\r\n';

  get end(): string {
    return `--${this.boundary}--`;
  }

  /** The whole body's length. */
  length(): number {
    let n = Buffer.byteLength(this.end);
    this.ranges.forEach(([first, last], i) => (n += Buffer.byteLength(this.partHead(i)) + (last - first + 1) + this.partTail.length));
    return n;
  }
}

/**
 * Answers several ranges as one multipart/byteranges 206; `writeRange` writes the bytes of one range
 * to `res` and says whether it could (if not, the body is cut short: never a wrong whole body).
 */
export async function sendByteranges(
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string | number>,
  ranges: Array<[number, number]>,
  size: number,
  writeRange: (first: number, last: number) => Promise<boolean>,
): Promise<void> {
  const body = new Byteranges(ranges, size, String(headers['content-type'] ?? 'application/octet-stream'));
  res.writeHead(206, { ...headers, 'content-type': body.contentTypeHeader, 'content-length': body.length() });
  if (req.method === 'HEAD') return void res.end();
  for (let i = 0; i < ranges.length; i++) {
    res.write(body.partHead(i));
    if (!(await writeRange(ranges[i][0], ranges[i][1]))) return void res.destroy();
    res.write(body.partTail);
  }
  res.end(body.end);
}

/** Writes a backend response's body to `res` without ending it; false when it breaks off or is not `length` bytes. */
export function pipePart(back: IncomingMessage, res: Writable, length: number): Promise<boolean> {
  return new Promise((resolve) => {
    let got = 0;
    back.on('data', (c: Buffer) => {
      got += c.length;
      if (!res.write(c)) {
        back.pause();
        res.once('drain', () => back.resume());
      }
    });
    back.on('end', () => resolve(back.complete && got === length));
    back.on('error', () => resolve(false));
    back.on('aborted', () => resolve(false));
  });
}
