/**
 * The live event stream (GET /events, Server-Sent Events) with its fallback: while the stream is
 * down, or up but without the bus behind it, the app polls; the stream is reopened with backoff.
 */

/** `live`: events arrive; `polling`: they do not (the lists poll); `connecting`: the first attempt. */
export type LiveState = 'connecting' | 'live' | 'polling';

/** What the connection uses of the browser's EventSource (tests give a fake). */
export interface EventSourceLike {
  onopen: ((ev: Event) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
  onmessage: ((ev: MessageEvent) => unknown) | null;
  addEventListener(type: 'bus', listener: (ev: MessageEvent) => void): void;
  close(): void;
}

export interface LiveEvent {
  type: string;
  payload: Record<string, unknown>;
  at: string;
}

export interface LiveOptions {
  url?: string;
  open?: (url: string) => EventSourceLike;
  onEvent: (e: LiveEvent) => void;
  onState: (s: LiveState) => void;
  /** Told when events flow again after a gap (they may have been missed: reload the lists). */
  onResync?: () => void;
  /** Waits before reopening, by attempt (the last repeats). */
  backoffMs?: number[];
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

export const DEFAULT_BACKOFF_MS = [1000, 2000, 5000, 10_000, 30_000];

export class LiveConnection {
  private es?: EventSourceLike;
  private timer?: unknown;
  private attempt = 0;
  private state?: LiveState;
  private wasLive = false;
  private stopped = true;
  private readonly o: Required<Omit<LiveOptions, 'onResync'>> & Pick<LiveOptions, 'onResync'>;

  constructor(opts: LiveOptions) {
    this.o = {
      url: '/events',
      open: (url) => new EventSource(url, { withCredentials: true }) as unknown as EventSourceLike,
      backoffMs: DEFAULT_BACKOFF_MS,
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
      ...opts,
    };
  }

  get current(): LiveState | undefined {
    return this.state;
  }

  start(): void {
    this.stopped = false;
    this.set(this.wasLive ? 'polling' : 'connecting');
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.o.clearTimer(this.timer);
    this.timer = undefined;
    this.es?.close();
    this.es = undefined;
  }

  private connect(): void {
    const es = this.o.open(this.o.url);
    this.es = es;
    es.onopen = () => {
      this.attempt = 0;
    };
    es.addEventListener('bus', (ev) => {
      const connected = !!(JSON.parse(ev.data) as { connected?: boolean }).connected;
      this.set(connected ? 'live' : 'polling');
    });
    es.onmessage = (ev) => {
      try {
        this.o.onEvent(JSON.parse(ev.data) as LiveEvent);
      } catch {
        // a frame that is not JSON is not an event
      }
    };
    es.onerror = () => {
      // the browser would retry by itself, but not after a 401 or a 5xx: retry here, always
      es.close();
      if (this.es !== es || this.stopped) return;
      this.es = undefined;
      this.set('polling');
      const waits = this.o.backoffMs;
      const wait = waits[Math.min(this.attempt, waits.length - 1)];
      this.attempt++;
      this.timer = this.o.setTimer(() => {
        this.timer = undefined;
        if (!this.stopped) this.connect();
      }, wait);
    };
  }

  private set(s: LiveState): void {
    if (s === this.state) return;
    const resync = s === 'live' && this.wasLive;
    this.state = s;
    if (s === 'live') this.wasLive = true;
    this.o.onState(s);
    if (resync) this.o.onResync?.();
  }
}

/** How often a list polls in each state (ms; false: not at all, events keep it fresh). */
export function pollInterval(state: LiveState, pollingMs = 5000): number | false {
  return state === 'live' ? false : pollingMs;
}
