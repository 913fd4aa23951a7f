// The RPC framing (virnetprotocol.x): each message is a 4-byte big-endian length that counts
// itself, a 24-byte header (program, version, procedure, type, serial, status) and the payload
// (XDR arguments, a result, an error, an event, or raw stream bytes).
import { XdrReader, XdrWriter } from './xdr';
import { LibvirtProtocolError } from './errors';
import { decodeMessageHeader, encodeMessageHeader } from './generated/codecs';
import {
  type MessageHeader,
  VIR_NET_MESSAGE_HEADER_MAX,
  VIR_NET_MESSAGE_LEN_MAX,
  VIR_NET_MESSAGE_MAX,
} from './generated/types';

export type { MessageHeader };

export interface Message {
  header: MessageHeader;
  /** the bytes after the header */
  payload: Buffer;
}

/** One framed message: length word, header, payload (written by `body`, or raw bytes). */
export function encodeMessage(header: MessageHeader, body?: ((w: XdrWriter) => void) | Uint8Array): Buffer {
  const w = new XdrWriter(body instanceof Uint8Array ? body.length + 32 : 256);
  w.uint(0); // the length, filled in below
  encodeMessageHeader(w, header);
  if (body instanceof Uint8Array) w.raw(body);
  else if (body) body(w);
  const out = w.finish();
  if (out.length - VIR_NET_MESSAGE_LEN_MAX > VIR_NET_MESSAGE_MAX) {
    throw new LibvirtProtocolError(
      `message of ${out.length} bytes exceeds libvirt's maximum ${VIR_NET_MESSAGE_MAX}`,
    );
  }
  out.writeUInt32BE(out.length, 0);
  return out;
}

export function decodeMessage(frame: Buffer): Message {
  const r = new XdrReader(frame, VIR_NET_MESSAGE_LEN_MAX);
  const header = decodeMessageHeader(r);
  return { header, payload: frame.subarray(VIR_NET_MESSAGE_LEN_MAX + VIR_NET_MESSAGE_HEADER_MAX) };
}

/**
 * Splits a byte stream into messages. `push` takes whatever the socket delivered and returns the
 * messages completed by it; a length outside libvirt's bounds throws (the connection is then unusable).
 */
export class MessageSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): Message[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Message[] = [];
    for (;;) {
      if (this.buffered < VIR_NET_MESSAGE_LEN_MAX) break;
      const len = this.peekLength();
      if (
        len < VIR_NET_MESSAGE_LEN_MAX + VIR_NET_MESSAGE_HEADER_MAX ||
        len - VIR_NET_MESSAGE_LEN_MAX > VIR_NET_MESSAGE_MAX
      ) {
        throw new LibvirtProtocolError(`bad message length ${len}`);
      }
      if (this.buffered < len) break;
      out.push(decodeMessage(this.take(len)));
    }
    return out;
  }

  /** bytes received that do not make a whole message yet */
  get pending(): number {
    return this.buffered;
  }

  private peekLength(): number {
    const first = this.chunks[0];
    if (first.length >= 4) return first.readUInt32BE(0);
    return Buffer.concat(this.chunks).readUInt32BE(0);
  }

  private take(n: number): Buffer {
    let frame: Buffer;
    const first = this.chunks[0];
    if (first.length >= n) {
      frame = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.chunks);
      frame = all.subarray(0, n);
      this.chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.buffered -= n;
    return frame;
  }
}
