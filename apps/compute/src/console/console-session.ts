import type { RequestContext, Logger } from '@kumo/common';
import type { Messaging } from '@kumo/messaging';
import {
  DomainConsoleFlags,
  DomainEventID,
  DomainEventType,
  isNoDomain,
  LibvirtClient,
  type DomainLifecycleEvent,
  type LibvirtStream,
} from '@kumo/libvirt';
import type { WebSocket } from 'ws';
import { computeAgent } from '../rpc';
import { libvirtTarget } from './libvirt-target';

/** How the websocket carries the console's bytes: binary frames, or base64 text (websockify's old mode). */
export type ConsoleEncoding = 'binary' | 'base64';

/**
 * Close codes the proxy sends (RFC 6455 §7.4; 4000–4999 are the application's): the reason says
 * what happened in words. 1000 the guest stopped, 1001 the proxy is going away, 1011 something
 * failed (agent, libvirtd), 4404 the server's domain is not on its host (any more), 4409 a newer
 * session of the same server took the console over.
 */
export const CLOSE = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  ERROR: 1011,
  DOMAIN_GONE: 4404,
  TAKEN_OVER: 4409,
} as const;

/** What a session needs: the token's instance and host, the bus to ask the agent, and limits. */
export interface SessionOptions {
  ctx: RequestContext;
  instanceUuid: string;
  host: string;
  encoding: ConsoleEncoding;
  bus: Messaging;
  log: Logger;
  agentTimeoutMs: number;
  /** Called before the console is opened: the proxy ends its older sessions of the same server. */
  beforeOpen?: () => Promise<void>;
  /** A websocket write buffer above this pauses the console stream until it drains. */
  highWaterBytes?: number;
}

/** A close reason fits in a control frame (123 bytes of UTF-8). */
function reason(text: string): string {
  const b = Buffer.from(text, 'utf8');
  return b.length <= 123
    ? text
    : b
        .subarray(0, 120)
        .toString('utf8')
        .replace(/\uFFFD$/, '') + '...';
}

/**
 * One browser's console: asks the instance's agent where the console is, connects to that host's
 * libvirtd (its own connection, so nothing outlives the session), opens the domain's console (FORCE:
 * a newer session takes the console over, as `virsh console --force` does, and the older one is
 * closed with a reason) and copies bytes both ways with backpressure. Ends when either side ends,
 * the domain stops (libvirtd does not end a console stream on its own then) or the proxy closes.
 */
export class ConsoleSession {
  private client: LibvirtClient | null = null;
  private stream: LibvirtStream | null = null;
  private closed = false;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;
  private bytesIn = 0;
  private bytesOut = 0;
  private readonly started = Date.now();

  constructor(
    private readonly ws: WebSocket,
    private readonly o: SessionOptions,
  ) {
    this.done = new Promise((r) => (this.resolveDone = r));
    ws.on('close', (code, why) =>
      this.finish(`the client closed the websocket (${code}${why.length ? ` ${why.toString('utf8')}` : ''})`),
    );
    ws.on('error', (err) => this.finish(`websocket error: ${err.message}`));
  }

  get instanceUuid(): string {
    return this.o.instanceUuid;
  }

  /** Resolves when the session has ended and its libvirt connection is closed. */
  get ended(): Promise<void> {
    return this.done;
  }

  async start(): Promise<void> {
    const { ctx, instanceUuid, host, log } = this.o;
    let where: { libvirtUri: string; domainName: string; device: string | null };
    try {
      where = await this.o.bus
        .rpc(computeAgent)
        .call(
          ctx,
          'getSerialConsole',
          { instanceId: instanceUuid },
          { server: host, timeoutMs: this.o.agentTimeoutMs },
        );
    } catch (err) {
      const gone = (err as { status?: number }).status === 404;
      return this.close(
        gone ? CLOSE.DOMAIN_GONE : CLOSE.ERROR,
        gone
          ? `the server's domain is not on ${host}`
          : `the compute host ${host} did not say where the console is: ${(err as Error).message}`,
      );
    }
    if (this.closed) return;
    try {
      const target = libvirtTarget(where.libvirtUri);
      const client = await LibvirtClient.connect({ ...target.dial, connectTimeoutMs: 10_000 });
      this.client = client;
      if (this.closed) return void (await this.release());
      client.on('close', () => this.close(CLOSE.ERROR, 'the connection to libvirtd was lost'));
      await client.open(target.openUri);
      const dom = await client.domainLookupByName(where.domainName);
      client.on('lifecycle', (e: DomainLifecycleEvent) => this.onLifecycle(e));
      await client.domainEventRegister(DomainEventID.LIFECYCLE, dom);
      await this.o.beforeOpen?.();
      if (this.closed) return void (await this.release());
      const stream = await client.domainOpenConsole(dom, where.device, DomainConsoleFlags.FORCE);
      this.stream = stream;
      if (this.closed) return void (await this.release());
      this.bridge(stream);
      log.info(
        {
          instanceId: instanceUuid,
          host,
          domain: where.domainName,
          libvirt: where.libvirtUri,
          encoding: this.o.encoding,
        },
        'serial console connected',
      );
    } catch (err) {
      if (isNoDomain(err))
        return this.close(CLOSE.DOMAIN_GONE, `the server's domain ${where.domainName} is not on ${host}`);
      log.warn(
        { err, instanceId: instanceUuid, host, libvirt: where.libvirtUri },
        'serial console could not be opened',
      );
      return this.close(CLOSE.ERROR, `the console could not be opened: ${(err as Error).message}`);
    }
  }

  private bridge(stream: LibvirtStream): void {
    const { ws } = this;
    const high = this.o.highWaterBytes ?? 1 << 20;
    stream.on('data', (chunk: Buffer) => {
      this.bytesOut += chunk.length;
      const frame = this.o.encoding === 'base64' ? chunk.toString('base64') : chunk;
      ws.send(frame, { binary: this.o.encoding === 'binary' }, () => {
        if (stream.isPaused() && ws.bufferedAmount < high / 2) stream.resume();
      });
      if (ws.bufferedAmount >= high) stream.pause();
    });
    stream.on('end', () => this.close(CLOSE.NORMAL, 'the console ended'));
    stream.on('error', (err: Error) => this.close(CLOSE.ERROR, `the console failed: ${err.message}`));
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const raw = Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(data);
      const bytes =
        this.o.encoding === 'base64' && !isBinary ? Buffer.from(raw.toString('latin1'), 'base64') : raw;
      this.bytesIn += bytes.length;
      if (!stream.write(bytes)) {
        ws.pause();
        stream.once('drain', () => ws.resume());
      }
    });
  }

  private onLifecycle(e: DomainLifecycleEvent): void {
    // SHUTDOWN (the guest is going down) is followed by STOPPED; CRASHED may be followed by a restart
    if (e.event === DomainEventType.STOPPED || e.event === DomainEventType.UNDEFINED) {
      this.close(
        CLOSE.NORMAL,
        `the server stopped (${e.eventName.toLowerCase()}: ${e.detailName.toLowerCase()})`,
      );
    }
  }

  /** Ends the session from the proxy's side: the websocket closed with `code`/`why`, libvirt released. */
  close(code: number, why: string): void {
    if (!this.closed && this.ws.readyState === this.ws.OPEN) this.ws.close(code, reason(why));
    this.finish(why, code);
  }

  private finish(why: string, code?: number): void {
    if (this.closed) return;
    this.closed = true;
    this.o.log.info(
      {
        instanceId: this.o.instanceUuid,
        host: this.o.host,
        code,
        why,
        bytesIn: this.bytesIn,
        bytesOut: this.bytesOut,
        seconds: Math.round((Date.now() - this.started) / 100) / 10,
      },
      'serial console closed',
    );
    if (this.ws.readyState === this.ws.CONNECTING || this.ws.readyState === this.ws.OPEN)
      this.ws.close(code ?? CLOSE.NORMAL, reason(why));
    void this.release().finally(() => this.resolveDone());
  }

  /** Finishes the console stream (libvirtd confirms) and closes the libvirt connection; never throws. */
  private async release(): Promise<void> {
    const stream = this.stream;
    const client = this.client;
    this.stream = null;
    this.client = null;
    if (stream && !stream.destroyed) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => (stream.destroy(), resolve()), 2000);
        stream.once('finish', () => (clearTimeout(t), resolve()));
        stream.once('error', () => (clearTimeout(t), resolve()));
        stream.once('close', () => (clearTimeout(t), resolve()));
        stream.end();
      });
    }
    if (client) {
      client.removeAllListeners('close');
      await client.close().catch(() => undefined);
    }
  }
}
