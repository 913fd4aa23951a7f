import { currentContext, Logger } from '@kumo/common';
import type { Messaging, Subscription } from '@kumo/messaging';

/** The notifications the dashboard streams: compute instance events, image and identity changes. */
export const STREAMED_EVENTS = ['compute.instance.#', 'image.#', 'identity.#'];

/** One notification as the browser gets it. */
export interface DashboardEvent {
  /** Increasing within this process: the SSE `id`. */
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  /** The project the publisher acted in, when it said. */
  projectId?: string;
  at: string;
}

/** Who is watching: the project of the session's token and whether it is an admin's. */
export interface Viewer {
  projectId: string;
  admin: boolean;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

/** The project a notification's resource belongs to, read from its payload. */
export function ownerProject(e: Pick<DashboardEvent, 'type' | 'payload'>): string | undefined {
  const p = e.payload;
  if (e.type.startsWith('compute.instance.')) {
    const server = p.server as Record<string, unknown> | undefined;
    return str(server?.tenant_id) ?? str(server?.project_id);
  }
  if (e.type.startsWith('image.')) {
    const image = (p.image as Record<string, unknown> | undefined) ?? p;
    return str(image.owner);
  }
  return undefined;
}

/**
 * Whether a viewer may see a notification: an admin sees all; others see compute and image
 * events of their project's resources (a public image's too), and no identity event (they name
 * users, projects and audit ids of others).
 */
export function visibleTo(e: Pick<DashboardEvent, 'type' | 'payload'>, v: Viewer): boolean {
  if (v.admin) return true;
  if (e.type.startsWith('identity.')) return false;
  if (e.type.startsWith('image.')) {
    const image = (e.payload.image as Record<string, unknown> | undefined) ?? e.payload;
    if (image.visibility === 'public' || image.visibility === 'community') return true;
  }
  return ownerProject(e) === v.projectId;
}

export type EventListener = (e: DashboardEvent) => void;
export type BusStateListener = (connected: boolean) => void;

/**
 * One subscription to the bus for the whole process (an exclusive queue: events published while
 * the dashboard is down are not replayed; the app reloads its lists when its stream reconnects),
 * fanned out to the open event streams. Tells listeners when the bus consumer stops and comes
 * back, so the browser polls meanwhile.
 */
export class EventHub {
  private readonly listeners = new Set<EventListener>();
  private readonly stateListeners = new Set<BusStateListener>();
  private subscription?: Subscription;
  private seq = 0;
  private active = false;

  constructor(
    private readonly bus: Messaging,
    private readonly log: Logger,
  ) {}

  get connected(): boolean {
    return this.active;
  }

  get watchers(): number {
    return this.listeners.size;
  }

  /** Starts consuming (returns at once; the consumer starts whenever the broker is reachable). */
  async start(): Promise<void> {
    this.subscription = await this.bus.subscribe(STREAMED_EVENTS, (type, payload) => void this.publish(type, payload), {
      wait: false,
      onActive: (active) => {
        if (active === this.active) return;
        this.active = active;
        this.log.info({ active }, active ? 'streaming bus events' : 'bus events stopped');
        for (const l of this.stateListeners) l(active);
      },
    });
  }

  /** Delivers one notification to every listener (the bus handler; tests call it). */
  publish(type: string, payload: Record<string, unknown>): DashboardEvent {
    const ctx = currentContext();
    const e: DashboardEvent = { seq: ++this.seq, type, payload, projectId: ctx?.projectId, at: new Date().toISOString() };
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'an event listener failed');
      }
    }
    return e;
  }

  /** Listens to events and to the bus's state; returns the unsubscribe. */
  listen(onEvent: EventListener, onState: BusStateListener): () => void {
    this.listeners.add(onEvent);
    this.stateListeners.add(onState);
    return () => {
      this.listeners.delete(onEvent);
      this.stateListeners.delete(onState);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.stateListeners.clear();
    await this.subscription?.close();
  }
}
