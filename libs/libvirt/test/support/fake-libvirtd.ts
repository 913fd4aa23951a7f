// A scripted peer for the unit tests of the RPC layer: a unix socket server that splits what the
// client sends into messages and lets the test answer them (in any order), push events, stream
// packets and keepalive PINGs, or break the connection. It speaks the framing of src/framing.ts;
// the real protocol is exercised against libvirtd by the *.int-spec.ts tests.
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage, MessageSplitter, type Message } from '../../src/framing';
import { XdrWriter } from '../../src/xdr';
import { MessageStatus, MessageType, REMOTE_PROGRAM } from '../../src/generated/types';

export class FakeLibvirtd {
  readonly socketPath: string;
  private readonly dir: string;
  private server: Server;
  private peers: Socket[] = [];
  readonly received: Message[] = [];
  private waiters: Array<{ match: (m: Message) => boolean; resolve: (m: Message) => void }> = [];
  private readonly taken = new Set<Message>();

  private constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'kumo-fake-libvirtd-'));
    this.socketPath = join(this.dir, 'sock');
    this.server = createServer((sock) => this.accept(sock));
  }

  static async start(): Promise<FakeLibvirtd> {
    const f = new FakeLibvirtd();
    await new Promise<void>((resolve) => f.server.listen(f.socketPath, resolve));
    return f;
  }

  private accept(sock: Socket): void {
    this.peers.push(sock);
    const splitter = new MessageSplitter();
    sock.on('data', (chunk: Buffer) => {
      for (const m of splitter.push(chunk)) {
        this.received.push(m);
        const i = this.waiters.findIndex((w) => w.match(m));
        if (i >= 0) this.waiters.splice(i, 1)[0].resolve(m);
      }
    });
    sock.on('error', () => undefined);
  }

  /** The next message (already received or still to come) that `match` accepts. */
  next(match: (m: Message) => boolean = () => true): Promise<Message> {
    const found = this.received.find((m) => match(m) && !this.taken.has(m));
    if (found) {
      this.taken.add(found);
      return Promise.resolve(found);
    }
    return new Promise((resolve) =>
      this.waiters.push({
        match,
        resolve: (m) => {
          this.taken.add(m);
          resolve(m);
        },
      }),
    );
  }

  /** The next call of `proc`. */
  call(proc: number): Promise<Message> {
    return this.next((m) => m.header.type === MessageType.CALL && m.header.proc === proc);
  }

  send(header: Partial<Message['header']>, body?: (w: XdrWriter) => void): void {
    const frame = encodeMessage(
      {
        prog: REMOTE_PROGRAM,
        vers: 1,
        proc: 0,
        type: MessageType.REPLY,
        serial: 0,
        status: MessageStatus.OK,
        ...header,
      },
      body,
    );
    this.peer.write(frame);
  }

  /** Answers a call with a result written by `body`. */
  reply(call: Message, body?: (w: XdrWriter) => void): void {
    this.send({ proc: call.header.proc, serial: call.header.serial }, body);
  }

  /** Answers a call with a remote_error. */
  replyError(call: Message, code: number, domain: number, message: string): void {
    this.send({ proc: call.header.proc, serial: call.header.serial, status: MessageStatus.ERROR }, (w) =>
      writeError(w, code, domain, message),
    );
  }

  writeRaw(bytes: Buffer): void {
    this.peer.write(bytes);
  }

  get peer(): Socket {
    const p = this.peers[this.peers.length - 1];
    if (!p) throw new Error('no client connected');
    return p;
  }

  dropClients(): void {
    for (const p of this.peers) p.destroy();
  }

  async stop(): Promise<void> {
    this.dropClients();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function writeError(w: XdrWriter, code: number, domain: number, message: string): void {
  w.int(code)
    .int(domain)
    .optional(message, (w, s) => w.string(s, 1 << 20))
    .int(2);
  w.bool(false).bool(false).bool(false).bool(false).int(0).int(0).bool(false);
}

/** A remote_nonnull_domain. */
export function writeDomain(w: XdrWriter, name: string, uuidHex: string, id: number): void {
  w.string(name, 1 << 20)
    .fixedOpaque(Buffer.from(uuidHex, 'hex'), 16)
    .int(id);
}
