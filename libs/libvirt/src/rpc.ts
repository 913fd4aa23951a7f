// One connection to libvirtd: calls matched to their replies by serial (libvirtd answers
// concurrent calls in any order), server-pushed messages (events) decoded and emitted, stream
// packets routed to their stream, and the keepalive program (answer every PING with a PONG; when
// started, send PINGs on an idle connection and drop it when `count` of them go unanswered, as
// libvirt's client does).
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { XdrReader, XdrError, type XdrWriter } from './xdr';
import { encodeMessage, MessageSplitter, type Message } from './framing';
import { LibvirtConnectionError, LibvirtError, LibvirtProtocolError } from './errors';
import { ErrorDomain, ErrorNumber } from './generated/constants';
import { decodeRemoteError } from './generated/codecs';
import { callCodecs, messageCodecs, type CallCodec, type Calls, type Messages } from './generated/procedures';
import {
  KEEPALIVE_PROGRAM,
  KEEPALIVE_PROTOCOL_VERSION,
  KeepaliveProcedure,
  MessageStatus,
  MessageType,
  REMOTE_PROGRAM,
  REMOTE_PROTOCOL_VERSION,
} from './generated/types';

/** What a stream (a console, an upload) receives for its serial. */
export interface StreamSink {
  onPacket(type: MessageType, status: MessageStatus, payload: Buffer): void;
  onConnectionClosed(err: LibvirtConnectionError): void;
}

export interface KeepaliveOptions {
  /** seconds of silence before a PING, as libvirt's keepalive_interval (default 5 s) */
  intervalMs: number;
  /** unanswered PINGs before the connection is dropped, as keepalive_count (default 5) */
  count: number;
}

export type MessageName = keyof Messages;

interface Pending {
  proc: number;
  decode: ((r: XdrReader) => unknown) | null;
  resolve(v: unknown): void;
  reject(err: Error): void;
}

const messageNames = new Map<number, MessageName>(
  (Object.keys(messageCodecs) as MessageName[]).map((name) => [messageCodecs[name].proc, name]),
);

/** Decodes a remote_error payload into a LibvirtError (a malformed one becomes a protocol error). */
export function decodeErrorPayload(payload: Buffer): LibvirtError {
  try {
    return LibvirtError.fromRemote(decodeRemoteError(new XdrReader(payload)));
  } catch (err) {
    return new LibvirtProtocolError(`undecodable error from libvirtd: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * Events: `message` (name, decoded message) for every server-pushed message this library knows;
 * `close` (error, expected) once, when the connection is gone (expected: `close()` was called).
 */
export class RpcConnection extends EventEmitter {
  private serial = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<number, StreamSink>();
  private readonly splitter = new MessageSplitter();
  private closedWith: LibvirtConnectionError | null = null;
  private closing = false;
  private lastReceived = Date.now();
  private unanswered = 0;
  private keepaliveTimer: NodeJS.Timeout | null = null;
  readonly stats = { pingsReceived: 0, pongsSent: 0, pingsSent: 0, pongsReceived: 0, messages: 0 };

  constructor(
    private readonly socket: Socket,
    readonly target: string,
  ) {
    super();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) =>
      this.fail(
        new LibvirtConnectionError(`connection to libvirtd at ${target} failed: ${err.message}`, {
          cause: err,
        }),
      ),
    );
    socket.on('close', () =>
      this.fail(
        new LibvirtConnectionError(
          this.closing
            ? `connection to libvirtd at ${target} closed`
            : `libvirtd at ${target} closed the connection`,
        ),
      ),
    );
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  /** The error the connection ended with, or null while it is open. */
  get closeReason(): LibvirtConnectionError | null {
    return this.closedWith;
  }

  /** Calls a procedure of the remote program and resolves with its decoded result. */
  call<P extends keyof Calls>(name: P, args: Calls[P][0], serial?: number): Promise<Calls[P][1]> {
    const codec = callCodecs[name] as CallCodec<Calls[P][0], Calls[P][1]>;
    const encode = codec.encode;
    return this.request(codec.proc, encode ? (w) => encode(w, args) : undefined, codec.decode, serial);
  }

  /** A fresh serial (a stream uses the serial of the call that opened it). */
  nextSerial(): number {
    this.serial = this.serial >= 0xffffffff ? 1 : this.serial + 1;
    return this.serial;
  }

  private request<R>(
    proc: number,
    body: ((w: XdrWriter) => void) | undefined,
    decode: ((r: XdrReader) => R) | null,
    serial = this.nextSerial(),
  ): Promise<R> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    let frame: Buffer;
    try {
      frame = encodeMessage(
        {
          prog: REMOTE_PROGRAM,
          vers: REMOTE_PROTOCOL_VERSION,
          proc,
          type: MessageType.CALL,
          serial,
          status: MessageStatus.OK,
        },
        body,
      );
    } catch (err) {
      const message = err instanceof XdrError ? `invalid argument: ${err.message}` : (err as Error).message;
      return Promise.reject(
        new LibvirtError(message, ErrorNumber.INVALID_ARG, ErrorDomain.RPC, undefined, {}, { cause: err }),
      );
    }
    return new Promise<R>((resolve, reject) => {
      this.pending.set(serial, { proc, decode, resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(frame);
    });
  }

  registerStream(serial: number, sink: StreamSink): void {
    if (this.closedWith) throw this.closedWith;
    this.streams.set(serial, sink);
  }

  unregisterStream(serial: number): void {
    this.streams.delete(serial);
  }

  /** Sends one stream packet; `done` is called once the bytes are handed to the socket. */
  sendStream(
    serial: number,
    proc: number,
    status: MessageStatus,
    data?: Buffer,
    done?: (err?: Error | null) => void,
  ): void {
    if (this.closedWith) {
      done?.(this.closedWith);
      return;
    }
    const frame = encodeMessage(
      { prog: REMOTE_PROGRAM, vers: REMOTE_PROTOCOL_VERSION, proc, type: MessageType.STREAM, serial, status },
      data,
    );
    this.socket.write(frame, done);
  }

  startKeepalive(options: KeepaliveOptions): void {
    if (this.keepaliveTimer || this.closedWith) return;
    this.keepaliveTimer = setInterval(() => this.keepaliveTick(options), options.intervalMs);
    this.keepaliveTimer.unref();
  }

  private keepaliveTick({ intervalMs, count }: KeepaliveOptions): void {
    if (Date.now() - this.lastReceived < intervalMs) return;
    if (this.unanswered >= count) {
      this.fail(
        new LibvirtConnectionError(`libvirtd at ${this.target} did not answer ${count} keepalive pings`),
      );
      return;
    }
    this.unanswered++;
    this.stats.pingsSent++;
    this.sendKeepalive(KeepaliveProcedure.PING);
  }

  private sendKeepalive(proc: KeepaliveProcedure): void {
    if (this.closedWith) return;
    this.socket.write(
      encodeMessage({
        prog: KEEPALIVE_PROGRAM,
        vers: KEEPALIVE_PROTOCOL_VERSION,
        proc,
        type: MessageType.MESSAGE,
        serial: 0,
        status: MessageStatus.OK,
      }),
    );
  }

  /** Ends the connection: calls still waiting fail with a LibvirtConnectionError. */
  close(): Promise<void> {
    if (this.closedWith) return Promise.resolve();
    this.closing = true;
    return new Promise((resolve) => {
      this.once('close', () => resolve());
      this.socket.end();
      // a peer that never closes its side: give it a moment, then cut
      setTimeout(() => this.socket.destroy(), 2000).unref();
    });
  }

  private onData(chunk: Buffer): void {
    let messages: Message[];
    try {
      messages = this.splitter.push(chunk);
    } catch (err) {
      this.fail(
        new LibvirtConnectionError(
          `libvirtd at ${this.target} broke the protocol: ${(err as Error).message}`,
        ),
      );
      return;
    }
    for (const m of messages) this.handle(m);
  }

  private handle({ header, payload }: Message): void {
    this.lastReceived = Date.now();
    this.unanswered = 0;
    this.stats.messages++;
    if (header.prog === KEEPALIVE_PROGRAM) {
      if (header.proc === KeepaliveProcedure.PING) {
        this.stats.pingsReceived++;
        this.sendKeepalive(KeepaliveProcedure.PONG);
        this.stats.pongsSent++;
      } else if (header.proc === KeepaliveProcedure.PONG) {
        this.stats.pongsReceived++;
      }
      return;
    }
    if (header.prog !== REMOTE_PROGRAM) return;
    switch (header.type) {
      case MessageType.REPLY: {
        const p = this.pending.get(header.serial);
        if (p) {
          this.pending.delete(header.serial);
          this.settle(p, header.status, payload);
        } else {
          this.streams.get(header.serial)?.onPacket(header.type, header.status, payload);
        }
        return;
      }
      case MessageType.STREAM:
        this.streams.get(header.serial)?.onPacket(header.type, header.status, payload);
        return;
      case MessageType.MESSAGE:
        this.dispatchMessage(header.proc, payload);
        return;
      default:
        return;
    }
  }

  private settle(p: Pending, status: MessageStatus, payload: Buffer): void {
    if (status === MessageStatus.ERROR) {
      p.reject(decodeErrorPayload(payload));
      return;
    }
    try {
      const r = new XdrReader(payload);
      const value = p.decode ? p.decode(r) : undefined;
      r.end();
      p.resolve(value);
    } catch (err) {
      p.reject(
        new LibvirtProtocolError(`undecodable reply to procedure ${p.proc}: ${(err as Error).message}`, {
          cause: err,
        }),
      );
    }
  }

  private dispatchMessage(proc: number, payload: Buffer): void {
    const name = messageNames.get(proc);
    if (!name) return; // an event this library does not decode (none is registered by it)
    let decoded: unknown;
    try {
      const r = new XdrReader(payload);
      decoded = messageCodecs[name].decode(r);
      r.end();
    } catch (err) {
      this.emit(
        'warning',
        new LibvirtProtocolError(`undecodable ${name} message: ${(err as Error).message}`),
      );
      return;
    }
    this.emit('message', name, decoded);
  }

  private fail(err: LibvirtConnectionError): void {
    if (this.closedWith) return;
    this.closedWith = err;
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(err);
    const streams = [...this.streams.values()];
    this.streams.clear();
    for (const s of streams) s.onConnectionClosed(err);
    this.socket.destroy();
    this.emit('close', err, this.closing);
  }
}
