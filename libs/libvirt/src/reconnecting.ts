// ReconnectingLibvirt: keeps a LibvirtClient connected across libvirtd restarts. When the socket
// closes (libvirtd stopped, crashed, or missed its keepalives) it re-dials with exponential
// backoff, re-opens the URI, registers the same event callbacks again (libvirtd forgets them with
// the connection) and emits 'reconnected'. Calls that were waiting on the old connection fail
// with a LibvirtConnectionError; `client` throws one while no connection is up.
import { EventEmitter } from 'node:events';
import { LibvirtClient, type ConnectOptions } from './client';
import { LibvirtConnectionError, type LibvirtError } from './errors';
import { iterateEvents, type DomainEventKind, type DomainEvents } from './events';
import type { DomainEventID } from './generated/constants';
import type { Domain } from './domain';

export interface ReconnectOptions {
  connect: ConnectOptions;
  /** the hypervisor URI to open on every connection */
  uri: string;
  /** event callbacks to register on every connection */
  events?: Array<{ eventId: DomainEventID; domain?: Domain | null }>;
  /** first retry delay (default 100 ms), doubled up to maxDelayMs (default 5 s) */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

const FORWARDED: DomainEventKind[] = ['lifecycle', 'reboot', 'deviceAdded', 'deviceRemoved'];

type ReconnectEventMap = { [K in DomainEventKind]: [DomainEvents[K]] } & {
  connected: [LibvirtClient];
  reconnected: [LibvirtClient];
  disconnected: [LibvirtError];
  connectFailed: [unknown, number, number];
};

/**
 * Events: 'connected' (first connection), 'reconnected' (client) after a restart, 'disconnected'
 * (error), 'connectFailed' (error, attempt, next delay), and the domain events of every connection.
 */
export class ReconnectingLibvirt extends EventEmitter<ReconnectEventMap> {
  private current: LibvirtClient | null = null;
  private stopped = false;
  private everConnected = false;
  private waiters: Array<{ resolve(c: LibvirtClient): void; reject(e: Error): void }> = [];
  private retryTimer: NodeJS.Timeout | null = null;
  private dialing: Promise<void> | null = null;
  /** connections made (1 after start; +1 per reconnect) */
  connections = 0;

  constructor(private readonly options: ReconnectOptions) {
    super();
  }

  /** Connects (retrying with backoff until it works or stop() is called) and resolves with the client. */
  start(): Promise<LibvirtClient> {
    this.stopped = false;
    if (!this.current && !this.dialing) this.dial(1);
    return this.ready();
  }

  /** The connected client; throws a LibvirtConnectionError while reconnecting. */
  get client(): LibvirtClient {
    if (!this.current) throw new LibvirtConnectionError(`not connected to libvirtd (${this.options.uri})`);
    return this.current;
  }

  get connected(): boolean {
    return this.current !== null;
  }

  /** Resolves with the client as soon as one is connected. */
  ready(): Promise<LibvirtClient> {
    if (this.current) return Promise.resolve(this.current);
    if (this.stopped)
      return Promise.reject(new LibvirtConnectionError('the reconnecting client was stopped'));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** The events of one kind across reconnections, until `signal` aborts. */
  events<K extends DomainEventKind>(kind: K, signal?: AbortSignal): AsyncGenerator<DomainEvents[K]> {
    return iterateEvents(this as EventEmitter, kind, signal);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(new LibvirtConnectionError('the reconnecting client was stopped'));
    await this.dialing?.catch(() => undefined);
    const c = this.current;
    this.current = null;
    await c?.close();
  }

  private dial(attempt: number): void {
    this.dialing = this.connectOnce().then(
      (client) => {
        this.dialing = null;
        if (this.stopped) {
          void client.close();
          return;
        }
        this.adopt(client);
      },
      (err: unknown) => {
        this.dialing = null;
        if (this.stopped) return;
        const initial = this.options.initialDelayMs ?? 100;
        const delay = Math.min(initial * 2 ** (attempt - 1), this.options.maxDelayMs ?? 5000);
        this.emit('connectFailed', err, attempt, delay);
        this.retryTimer = setTimeout(() => this.dial(attempt + 1), delay);
      },
    );
  }

  private async connectOnce(): Promise<LibvirtClient> {
    const client = await LibvirtClient.connect(this.options.connect);
    try {
      await client.open(this.options.uri);
      for (const e of this.options.events ?? [])
        await client.domainEventRegister(e.eventId, e.domain ?? null);
      return client;
    } catch (err) {
      await client.close().catch(() => undefined);
      throw err;
    }
  }

  private adopt(client: LibvirtClient): void {
    this.current = client;
    this.connections++;
    for (const kind of FORWARDED)
      (client as EventEmitter).on(kind, (e: unknown) => (this as EventEmitter).emit(kind, e));
    client.once('close', (err: LibvirtError, expected: boolean) => {
      if (this.current === client) this.current = null;
      if (expected || this.stopped) return;
      this.emit('disconnected', err);
      this.dial(1);
    });
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve(client);
    this.emit(this.everConnected ? 'reconnected' : 'connected', client);
    this.everConnected = true;
  }
}
