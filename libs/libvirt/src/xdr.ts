// XDR (RFC 4506) as libvirt's rpcgen-generated code uses it: big-endian 4-byte units, strings and
// variable opaques prefixed by their length and padded to 4 bytes, arrays prefixed by their count,
// optional data ("pointers") as a bool followed by the value. char and short are sent as 4-byte
// integers (rpcgen's xdr_char/xdr_short). Every read checks the bounds the protocol declares, so a
// malformed or hostile message fails with an XdrError instead of allocating without limit.

export class XdrError extends Error {
  override readonly name = 'XdrError';
}

const pad = (n: number): number => (4 - (n % 4)) % 4;
const INT_MIN = -0x80000000;
const INT_MAX = 0x7fffffff;
const UINT_MAX = 0xffffffff;
const HYPER_MIN = -(1n << 63n);
const HYPER_MAX = (1n << 63n) - 1n;
const UHYPER_MAX = (1n << 64n) - 1n;

/** Appends XDR items to a growing buffer; `finish()` returns the bytes written. */
export class XdrWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.pos;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int(v: number): this {
    if (!Number.isInteger(v) || v < INT_MIN || v > INT_MAX) throw new XdrError(`int out of range: ${v}`);
    this.reserve(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  uint(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > UINT_MAX) throw new XdrError(`unsigned int out of range: ${v}`);
    this.reserve(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  hyper(v: bigint): this {
    if (typeof v !== 'bigint' || v < HYPER_MIN || v > HYPER_MAX)
      throw new XdrError(`hyper out of range: ${v}`);
    this.reserve(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
    return this;
  }

  uhyper(v: bigint): this {
    if (typeof v !== 'bigint' || v < 0n || v > UHYPER_MAX)
      throw new XdrError(`unsigned hyper out of range: ${v}`);
    this.reserve(8);
    this.buf.writeBigUInt64BE(v, this.pos);
    this.pos += 8;
    return this;
  }

  bool(v: boolean): this {
    return this.int(v ? 1 : 0);
  }

  double(v: number): this {
    this.reserve(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }

  float(v: number): this {
    this.reserve(4);
    this.buf.writeFloatBE(v, this.pos);
    this.pos += 4;
    return this;
  }

  /** Raw bytes followed by zero padding to a multiple of 4. */
  private bytes(b: Uint8Array): this {
    const p = pad(b.length);
    this.reserve(b.length + p);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    this.buf.fill(0, this.pos, this.pos + p);
    this.pos += p;
    return this;
  }

  fixedOpaque(b: Uint8Array, size: number): this {
    if (!(b instanceof Uint8Array) || b.length !== size) {
      throw new XdrError(`fixed opaque needs exactly ${size} bytes, got ${b?.length}`);
    }
    return this.bytes(b);
  }

  opaque(b: Uint8Array, max: number): this {
    if (!(b instanceof Uint8Array)) throw new XdrError('opaque needs bytes');
    if (b.length > max) throw new XdrError(`opaque of ${b.length} bytes exceeds its maximum ${max}`);
    this.uint(b.length);
    return this.bytes(b);
  }

  string(s: string, max: number): this {
    if (typeof s !== 'string') throw new XdrError(`string expected, got ${typeof s}`);
    const b = Buffer.from(s, 'utf8');
    if (b.length > max) throw new XdrError(`string of ${b.length} bytes exceeds its maximum ${max}`);
    this.uint(b.length);
    return this.bytes(b);
  }

  array<T>(items: readonly T[], max: number, each: (w: XdrWriter, item: T) => void): this {
    if (!Array.isArray(items)) throw new XdrError('array expected');
    if (items.length > max) throw new XdrError(`array of ${items.length} items exceeds its maximum ${max}`);
    this.uint(items.length);
    for (const item of items) each(this, item);
    return this;
  }

  fixedArray<T>(items: readonly T[], size: number, each: (w: XdrWriter, item: T) => void): this {
    if (!Array.isArray(items) || items.length !== size) {
      throw new XdrError(`fixed array needs exactly ${size} items, got ${items?.length}`);
    }
    for (const item of items) each(this, item);
    return this;
  }

  optional<T>(v: T | null | undefined, each: (w: XdrWriter, item: T) => void): this {
    if (v === null || v === undefined) return this.bool(false);
    this.bool(true);
    each(this, v);
    return this;
  }

  /** Bytes as they are (stream payloads; no length, no padding). */
  raw(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Reads XDR items from a buffer; every read checks that the bytes are there. */
export class XdrReader {
  private pos: number;

  constructor(
    private readonly buf: Buffer,
    offset = 0,
  ) {
    this.pos = offset;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new XdrError(`truncated: ${n} bytes needed at offset ${this.pos}, ${this.remaining} left`);
    }
  }

  int(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  hyper(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  uhyper(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  bool(): boolean {
    const v = this.int();
    if (v !== 0 && v !== 1) throw new XdrError(`bool must be 0 or 1, got ${v}`);
    return v === 1;
  }

  double(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  float(): number {
    this.need(4);
    const v = this.buf.readFloatBE(this.pos);
    this.pos += 4;
    return v;
  }

  private bytes(n: number): Buffer {
    const p = pad(n);
    this.need(n + p);
    const b = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n + p;
    return b;
  }

  fixedOpaque(size: number): Buffer {
    return this.bytes(size);
  }

  opaque(max: number): Buffer {
    const n = this.uint();
    if (n > max) throw new XdrError(`opaque of ${n} bytes exceeds its maximum ${max}`);
    return this.bytes(n);
  }

  string(max: number): string {
    const n = this.uint();
    if (n > max) throw new XdrError(`string of ${n} bytes exceeds its maximum ${max}`);
    const p = pad(n);
    this.need(n + p);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n + p;
    return s;
  }

  array<T>(max: number, each: (r: XdrReader) => T): T[] {
    const n = this.uint();
    if (n > max) throw new XdrError(`array of ${n} items exceeds its maximum ${max}`);
    // each item takes at least 4 bytes: a count beyond what is left is malformed (no huge allocation)
    if (n * 4 > this.remaining)
      throw new XdrError(`array of ${n} items cannot fit in ${this.remaining} bytes`);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(each(this));
    return out;
  }

  fixedArray<T>(size: number, each: (r: XdrReader) => T): T[] {
    const out: T[] = [];
    for (let i = 0; i < size; i++) out.push(each(this));
    return out;
  }

  optional<T>(each: (r: XdrReader) => T): T | null {
    return this.bool() ? each(this) : null;
  }

  /** Everything left (stream payloads). */
  rest(): Buffer {
    const b = this.buf.subarray(this.pos);
    this.pos = this.buf.length;
    return b;
  }

  /** Fails when bytes are left over: a reply longer than its declared type is malformed. */
  end(): void {
    if (this.remaining !== 0) throw new XdrError(`${this.remaining} unexpected bytes after the payload`);
  }
}
