// A libvirt stream (virStream over RPC) as a Node Duplex. The stream has the serial and procedure
// of the call that opened it (REMOTE_PROC_DOMAIN_OPEN_CONSOLE for a console). Data goes both ways
// as VIR_NET_STREAM packets with status CONTINUE; an empty packet with status OK ends a direction
// ("finish": the sender waits for the peer's confirmation, as libvirt's client does); status
// ERROR aborts it (from libvirtd it carries a remote_error). Writes complete when the socket took
// the bytes; libvirtd has no flow-control window for the client to honour.
import { Duplex } from 'node:stream';
import type { RpcConnection, StreamSink } from './rpc';
import { decodeErrorPayload } from './rpc';
import { LibvirtConnectionError } from './errors';
import { MessageStatus, MessageType } from './generated/types';

/** data packets are cut to this size (libvirt's client sends at most 256 KiB per packet) */
const CHUNK = 64 * 1024;
const FINISH_TIMEOUT_MS = 5000;

export class LibvirtStream extends Duplex implements StreamSink {
  private finishWaiter: ((err?: Error | null) => void) | null = null;
  private done = false;
  private readEnded = false;

  constructor(
    private readonly rpc: RpcConnection,
    readonly proc: number,
    readonly serial: number,
  ) {
    super({ allowHalfOpen: true });
    rpc.registerStream(serial, this);
  }

  override _read(): void {
    // data is pushed as libvirtd sends it
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.done) {
      callback(new LibvirtConnectionError('the stream is closed'));
      return;
    }
    let offset = 0;
    const next = (err?: Error | null): void => {
      if (err || offset >= chunk.length) {
        callback(err);
        return;
      }
      const part = chunk.subarray(offset, offset + CHUNK);
      offset += part.length;
      this.rpc.sendStream(this.serial, this.proc, MessageStatus.CONTINUE, part, next);
    };
    next();
  }

  /** end(): tells libvirtd we are done sending, and waits for its confirmation. */
  override _final(callback: (err?: Error | null) => void): void {
    if (this.done) {
      callback();
      return;
    }
    const timer = setTimeout(() => settle(), FINISH_TIMEOUT_MS);
    const settle = (err?: Error | null): void => {
      clearTimeout(timer);
      this.finishWaiter = null;
      this.finished();
      callback(err);
    };
    this.finishWaiter = settle;
    this.rpc.sendStream(this.serial, this.proc, MessageStatus.OK, undefined, (err) => {
      if (err) settle(err);
    });
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (!this.done && !this.rpc.closed) {
      // abort: libvirtd drops its end of the stream; its confirmation, if any, is not waited for
      this.rpc.sendStream(this.serial, this.proc, MessageStatus.ERROR);
    }
    this.finished();
    callback(err);
  }

  /** Drops the stream without telling libvirtd (the call that was to open it failed). */
  discard(): void {
    this.finished();
    this.destroy();
  }

  private endReadable(): void {
    if (this.readEnded) return;
    this.readEnded = true;
    this.push(null);
  }

  private finished(): void {
    this.done = true;
    this.rpc.unregisterStream(this.serial);
  }

  onPacket(type: MessageType, status: MessageStatus, payload: Buffer): void {
    if (status === MessageStatus.CONTINUE) {
      if (type === MessageType.STREAM && payload.length > 0 && !this.readEnded)
        this.push(Buffer.from(payload));
      return;
    }
    if (status === MessageStatus.ERROR) {
      const err = decodeErrorPayload(payload);
      if (this.finishWaiter) this.finishWaiter(err);
      else {
        this.finished();
        this.destroy(err);
      }
      return;
    }
    // status OK: the confirmation of our finish, or libvirtd's end of the data it sends
    if (this.finishWaiter) {
      this.endReadable();
      this.finishWaiter();
    } else if (type === MessageType.STREAM) {
      this.endReadable();
    }
  }

  onConnectionClosed(err: LibvirtConnectionError): void {
    this.done = true;
    if (this.finishWaiter) this.finishWaiter(err);
    else this.destroy(err);
  }
}
