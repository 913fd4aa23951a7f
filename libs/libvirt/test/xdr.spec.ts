import { XdrError, XdrReader, XdrWriter } from '../src/xdr';
import {
  decodeRemoteError,
  encodeConnectOpenArgs,
  encodeDomainAttachDeviceFlagsArgs,
} from '../src/generated/codecs';
import { decodeNodeGetInfoRet } from '../src/generated/codecs';

const hex = (b: Buffer) => b.toString('hex');

describe('XdrWriter / XdrReader', () => {
  it('encodes integers big-endian in 4 and 8 bytes', () => {
    const w = new XdrWriter(4).int(-2).uint(0xfffffffe).hyper(-3n).uhyper(0xfffffffffffffffen).bool(true);
    expect(hex(w.finish())).toBe(
      'fffffffe' + 'fffffffe' + 'fffffffffffffffd' + 'fffffffffffffffe' + '00000001',
    );
    const r = new XdrReader(w.finish());
    expect([r.int(), r.uint(), r.hyper(), r.uhyper(), r.bool()]).toEqual([
      -2,
      0xfffffffe,
      -3n,
      0xfffffffffffffffen,
      true,
    ]);
    r.end();
  });

  it('refuses values outside their type', () => {
    expect(() => new XdrWriter().int(2 ** 31)).toThrow(XdrError);
    expect(() => new XdrWriter().int(1.5)).toThrow(XdrError);
    expect(() => new XdrWriter().uint(-1)).toThrow(XdrError);
    expect(() => new XdrWriter().uhyper(-1n)).toThrow(XdrError);
    expect(() => new XdrWriter().hyper(1n << 63n)).toThrow(XdrError);
  });

  it('pads strings and opaques to 4 bytes and prefixes their length', () => {
    const w = new XdrWriter()
      .string('abcde', 10)
      .opaque(Buffer.from([1, 2]), 4)
      .fixedOpaque(Buffer.from([9, 9, 9]), 3);
    expect(hex(w.finish())).toBe('00000005' + '6162636465000000' + '00000002' + '01020000' + '09090900');
    const r = new XdrReader(w.finish());
    expect(r.string(10)).toBe('abcde');
    expect([...r.opaque(4)]).toEqual([1, 2]);
    expect([...r.fixedOpaque(3)]).toEqual([9, 9, 9]);
    r.end();
  });

  it('counts string lengths in UTF-8 bytes', () => {
    const w = new XdrWriter().string('é', 2);
    expect(hex(w.finish())).toBe('00000002c3a90000');
    expect(() => new XdrWriter().string('éé', 3)).toThrow(/4 bytes exceeds its maximum 3/);
    expect(new XdrReader(w.finish()).string(2)).toBe('é');
  });

  it('enforces declared maxima when reading (no allocation from a hostile length)', () => {
    const long = new XdrWriter().uint(11).finish();
    expect(() => new XdrReader(long).string(10)).toThrow(/exceeds its maximum 10/);
    expect(() =>
      new XdrReader(new XdrWriter().uint(1_000_000).finish()).array(16384, (r) => r.int()),
    ).toThrow(XdrError);
    expect(() => new XdrReader(new XdrWriter().uint(3).finish()).array(2, (r) => r.int())).toThrow(
      /maximum 2/,
    );
  });

  it('fails on truncated input and on bytes left over', () => {
    expect(() => new XdrReader(Buffer.from([0, 0, 0])).int()).toThrow(/truncated/);
    expect(() => new XdrReader(new XdrWriter().uint(8).raw(Buffer.alloc(4)).finish()).opaque(10)).toThrow(
      /truncated/,
    );
    const r = new XdrReader(new XdrWriter().int(1).int(2).finish());
    r.int();
    expect(() => r.end()).toThrow(/4 unexpected bytes/);
  });

  it('encodes optional data as a bool and the value', () => {
    const w = new XdrWriter()
      .optional<string>(null, (w, s) => w.string(s, 9))
      .optional('x', (w, s) => w.string(s, 9));
    expect(hex(w.finish())).toBe('00000000' + '00000001' + '00000001' + '78000000');
    const r = new XdrReader(w.finish());
    expect(r.optional((r) => r.string(9))).toBeNull();
    expect(r.optional((r) => r.string(9))).toBe('x');
  });

  it('rejects a bool that is neither 0 nor 1', () => {
    expect(() => new XdrReader(new XdrWriter().int(2).finish()).bool()).toThrow(/bool/);
  });

  it('grows its buffer past the initial size', () => {
    const w = new XdrWriter(4);
    for (let i = 0; i < 1000; i++) w.int(i);
    const r = new XdrReader(w.finish());
    for (let i = 0; i < 1000; i++) expect(r.int()).toBe(i);
  });
});

describe('generated codecs', () => {
  it('encode remote_connect_open_args as libvirt does: optional name, then flags', () => {
    const w = new XdrWriter();
    encodeConnectOpenArgs(w, { name: 'test:///default', flags: 1 });
    expect(hex(w.finish())).toBe(
      '00000001' + '0000000f' + Buffer.from('test:///default\0').toString('hex') + '00000001',
    );
  });

  it('encode a domain as name, 16 UUID bytes and id', () => {
    const w = new XdrWriter();
    const uuid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    encodeDomainAttachDeviceFlagsArgs(w, { dom: { name: 'ab', uuid, id: -1 }, xml: '<x/>', flags: 3 });
    expect(hex(w.finish())).toBe(
      '00000002' + '61620000' + uuid.toString('hex') + 'ffffffff' + '00000004' + '3c782f3e' + '00000003',
    );
  });

  it('refuses a UUID that is not 16 bytes', () => {
    const w = new XdrWriter();
    expect(() =>
      encodeDomainAttachDeviceFlagsArgs(w, {
        dom: { name: 'a', uuid: Buffer.alloc(15), id: 1 },
        xml: '',
        flags: 0,
      }),
    ).toThrow(/exactly 16 bytes/);
  });

  it("decode node info's char model[32] as 32 four-byte units (rpcgen's xdr_char)", () => {
    const w = new XdrWriter();
    const model = Buffer.alloc(32);
    model.write('x86_64');
    for (const c of model) w.int(c);
    w.uhyper(1024n).int(2).int(2000).int(1).int(1).int(2).int(1);
    const info = decodeNodeGetInfoRet(new XdrReader(w.finish()));
    expect(Buffer.from(info.model).toString().replace(/\0+$/, '')).toBe('x86_64');
    expect(info).toMatchObject({ memory: 1024n, cpus: 2, mhz: 2000, threads: 1 });
  });

  it('decode remote_error with its optional strings', () => {
    const w = new XdrWriter()
      .int(42)
      .int(10)
      .optional('Domain not found', (w, s) => w.string(s, 100))
      .int(2)
      .bool(false)
      .optional('kumo-x', (w, s) => w.string(s, 100))
      .bool(false)
      .bool(false)
      .int(0)
      .int(0)
      .bool(false);
    expect(decodeRemoteError(new XdrReader(w.finish()))).toEqual({
      code: 42,
      domain: 10,
      message: 'Domain not found',
      level: 2,
      dom: null,
      str1: 'kumo-x',
      str2: null,
      str3: null,
      int1: 0,
      int2: 0,
      net: null,
    });
  });
});
