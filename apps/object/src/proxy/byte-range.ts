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
  return out;
}
