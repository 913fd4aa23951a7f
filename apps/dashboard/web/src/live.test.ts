import { describe, expect, it } from 'vitest';
import { EventSourceLike, LiveConnection, LiveEvent, LiveState, pollInterval } from './live';

class FakeSource implements EventSourceLike {
  onopen: ((ev: Event) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  onmessage: ((ev: MessageEvent) => unknown) | null = null;
  closed = false;
  private bus?: (ev: MessageEvent) => void;
  addEventListener(_type: 'bus', l: (ev: MessageEvent) => void): void {
    this.bus = l;
  }
  close(): void {
    this.closed = true;
  }
  open(busConnected = true) {
    this.onopen?.(new Event('open'));
    this.bus?.(new MessageEvent('bus', { data: JSON.stringify({ connected: busConnected }) }));
  }
  message(data: unknown) {
    this.onmessage?.(new MessageEvent('message', { data: typeof data === 'string' ? data : JSON.stringify(data) }));
  }
  fail() {
    this.onerror?.(new Event('error'));
  }
}

function harness() {
  const sources: FakeSource[] = [];
  const states: LiveState[] = [];
  const events: LiveEvent[] = [];
  const timers: Array<{ fn: () => void; ms: number }> = [];
  let resyncs = 0;
  const conn = new LiveConnection({
    open: () => {
      const s = new FakeSource();
      sources.push(s);
      return s;
    },
    onState: (s) => states.push(s),
    onEvent: (e) => events.push(e),
    onResync: () => resyncs++,
    backoffMs: [100, 200, 400],
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer: () => {},
  });
  return { conn, sources, states, events, timers, resyncs: () => resyncs };
}

describe('LiveConnection', () => {
  it('is live once the stream says the bus feeds it, and hands over events', () => {
    const h = harness();
    h.conn.start();
    expect(h.states).toEqual(['connecting']);
    h.sources[0].open();
    expect(h.states).toEqual(['connecting', 'live']);
    h.sources[0].message({ type: 'compute.instance.create.end', payload: { server: { id: 'x' } }, at: 'now' });
    h.sources[0].message('not json');
    expect(h.events.map((e) => e.type)).toEqual(['compute.instance.create.end']);
    expect(h.resyncs()).toBe(0);
  });

  it('falls back to polling when the stream drops, reopens with backoff, and resyncs when live again', () => {
    const h = harness();
    h.conn.start();
    h.sources[0].open();
    h.sources[0].fail();
    expect(h.sources[0].closed).toBe(true);
    expect(h.conn.current).toBe('polling');
    expect(h.timers.map((t) => t.ms)).toEqual([100]);
    h.timers[0].fn();
    h.sources[1].fail();
    h.timers[1].fn();
    h.sources[2].fail();
    h.timers[2].fn();
    h.sources[3].fail();
    expect(h.timers.map((t) => t.ms)).toEqual([100, 200, 400, 400]);
    h.timers[3].fn();
    h.sources[4].open();
    expect(h.conn.current).toBe('live');
    expect(h.resyncs()).toBe(1);
    // a successful open resets the backoff
    h.sources[4].fail();
    expect(h.timers[4].ms).toBe(100);
  });

  it('polls while the stream is up but the bus behind it is not', () => {
    const h = harness();
    h.conn.start();
    h.sources[0].open(false);
    expect(h.conn.current).toBe('polling');
    expect(pollInterval(h.conn.current!)).toBe(5000);
    h.sources[0].open(true);
    expect(h.conn.current).toBe('live');
    expect(pollInterval('live')).toBe(false);
  });

  it('stops for good: no reconnect after stop', () => {
    const h = harness();
    h.conn.start();
    h.conn.stop();
    expect(h.sources[0].closed).toBe(true);
    h.sources[0].fail();
    expect(h.timers).toHaveLength(0);
  });
});
