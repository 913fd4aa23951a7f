import { decodeMessage, encodeMessage, MessageSplitter } from '../src/framing';
import { LibvirtProtocolError } from '../src/errors';
import { MessageStatus, MessageType, REMOTE_PROGRAM, VIR_NET_MESSAGE_MAX } from '../src/generated/types';

const header = (serial: number, proc = 59) => ({
  prog: REMOTE_PROGRAM,
  vers: 1,
  proc,
  type: MessageType.CALL,
  serial,
  status: MessageStatus.OK,
});

describe('framing', () => {
  it('writes the length (counting itself), the 24-byte header, then the payload', () => {
    const frame = encodeMessage(header(7), (w) => w.uint(0xabcdef01));
    expect(frame.toString('hex')).toBe(
      '00000020' + '20008086' + '00000001' + '0000003b' + '00000000' + '00000007' + '00000000' + 'abcdef01',
    );
    const m = decodeMessage(frame);
    expect(m.header).toEqual(header(7));
    expect(m.payload.toString('hex')).toBe('abcdef01');
  });

  it('splits a byte stream cut at arbitrary points into whole messages', () => {
    const frames = [1, 2, 3].map((s) => encodeMessage(header(s), Buffer.alloc(s * 5, s)));
    const all = Buffer.concat(frames);
    for (const cut of [1, 3, 4, 5, 27, 28, 29, 40, all.length - 1]) {
      const splitter = new MessageSplitter();
      const got = [...splitter.push(all.subarray(0, cut)), ...splitter.push(all.subarray(cut))];
      expect(got.map((m) => m.header.serial)).toEqual([1, 2, 3]);
      expect(got.map((m) => m.payload.length)).toEqual([5, 10, 15]);
      expect(splitter.pending).toBe(0);
    }
  });

  it('delivers byte by byte', () => {
    const frame = encodeMessage(header(9), Buffer.from('hello'));
    const splitter = new MessageSplitter();
    const got = [];
    for (const b of frame) got.push(...splitter.push(Buffer.from([b])));
    expect(got).toHaveLength(1);
    expect(got[0].payload.toString()).toBe('hello');
  });

  it('refuses a length below a header or above libvirt maximum', () => {
    const small = Buffer.from('0000001b', 'hex');
    expect(() => new MessageSplitter().push(small)).toThrow(LibvirtProtocolError);
    const big = Buffer.alloc(4);
    big.writeUInt32BE(VIR_NET_MESSAGE_MAX + 5);
    expect(() => new MessageSplitter().push(big)).toThrow(/bad message length/);
  });

  it('refuses to build a message over the maximum', () => {
    expect(() => encodeMessage(header(1), Buffer.alloc(VIR_NET_MESSAGE_MAX))).toThrow(/exceeds/);
  });
});
