import { Writable } from 'node:stream';
import { createLogger } from '@kumo/common';
import { FakeTokenValidator } from '../src/fake-token-validator';
import { AuthContext } from '../src/auth-context';
import { RevocationBus, startServiceAuth } from '../src/service-auth';
import { CachingTokenValidator } from '../src/token-validator';

/** Answers every token but `bad` as valid for an hour (its user is `user-<token>`), counting the calls. */
class Inner extends FakeTokenValidator {
  constructor(now: () => number) {
    super((token) => (token === 'bad' ? undefined : { userId: `user-${token}`, projectId: 'p1', roles: ['member'] }), { now });
  }
}

describe('CachingTokenValidator TTL fallback', () => {
  let now: number;
  let inner: Inner;
  let cache: CachingTokenValidator;
  beforeEach(() => {
    now = 1_000_000;
    inner = new Inner(() => now);
    cache = new CachingTokenValidator(inner, { now: () => now });
  });

  it('keeps a validation 300 s while revocation events arrive', async () => {
    await cache.validate('t1');
    now += 299_000;
    await cache.validate('t1');
    expect(inner.calls).toBe(1);
    now += 2_000;
    await cache.validate('t1');
    expect(inner.calls).toBe(2);
  });

  it('keeps a validation at most 30 s while the feed is down, and drops older ones when it goes down', async () => {
    await cache.validate('old');
    now += 40_000;
    await cache.validate('young');
    now += 10_000;
    expect(cache.setRevocationFeed(false)).toBe(1); // 'old' is 50 s old, 'young' 10 s
    expect(cache.maxAgeMs).toBe(30_000);
    expect(cache.size).toBe(1);
    await cache.validate('young');
    expect(inner.calls).toBe(2);
    now += 20_001; // 'young' is now 30.001 s old
    await cache.validate('young');
    expect(inner.calls).toBe(3);
    now += 29_000;
    await cache.validate('young');
    expect(inner.calls).toBe(3);
  });

  it('drops everything when the feed comes back (revocations made meanwhile were missed)', async () => {
    cache.setRevocationFeed(false);
    await cache.validate('t1');
    now += 5_000;
    expect(cache.setRevocationFeed(true)).toBe(1);
    expect(cache.maxAgeMs).toBe(300_000);
    await cache.validate('t1');
    expect(inner.calls).toBe(2);
    now += 200_000;
    await cache.validate('t1');
    expect(inner.calls).toBe(2);
  });

  it('does not keep a validation that was in flight when an eviction came', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = new (class extends Inner {
      override async validate(token: string): Promise<AuthContext> {
        const ctx = await super.validate(token);
        await gate;
        return ctx;
      }
    })(() => now);
    const c = new CachingTokenValidator(slow, { now: () => now });
    const first = c.validate('t1');
    await new Promise((r) => setImmediate(r));
    c.evict({ userId: 'user-t1' });
    release();
    await expect(first).resolves.toMatchObject({ userId: 'user-t1' });
    expect(c.size).toBe(0);
    await c.validate('t1');
    expect(slow.calls).toBe(2);
  });
});

/** A bus the test drives: `active(true|false)` plays the broker's comings and goings. */
class FakeBus implements RevocationBus {
  handler?: (type: string, payload: Record<string, unknown>) => void | Promise<void>;
  onActive?: (active: boolean) => void;
  closed = false;
  async subscribe(
    _p: string,
    handler: FakeBus['handler'] & object,
    opts: { wait: false; onActive: (a: boolean) => void },
  ) {
    this.handler = handler;
    this.onActive = opts.onActive;
    return { close: async () => undefined };
  }
  async close() {
    this.closed = true;
  }
}

function captureLogs(): {
  lines: Array<{ level: number; msg: string }>;
  logger: ReturnType<typeof createLogger>;
} {
  const lines: Array<{ level: number; msg: string }> = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(l) as { level: number; msg: string });
      cb();
    },
  });
  return { lines, logger: createLogger('test', 'info', dest) };
}

describe('startServiceAuth', () => {
  const credentials = { auth_url: 'http://127.0.0.1:1/v3', username: 'kumo', password: 'pw' };
  const messaging = { url: 'amqp://127.0.0.1:1', exchange_prefix: 'kumo' };

  it('starts with the short TTL, goes to the full TTL once subscribed, and logs each change', async () => {
    const bus = new FakeBus();
    const { lines, logger } = captureLogs();
    const auth = startServiceAuth({ service: 'test', credentials, messaging, logger, bus });
    expect(auth.validator.maxAgeMs).toBe(30_000);
    bus.onActive!(false);
    bus.onActive!(false);
    const down = lines.filter((l) => /message bus unreachable/.test(l.msg));
    expect(down).toHaveLength(1);
    expect(down[0].msg).toContain('at most 30 s');
    expect(down[0].level).toBe(40);
    bus.onActive!(true);
    expect(auth.validator.maxAgeMs).toBe(300_000);
    expect(lines.filter((l) => /message bus reachable again/.test(l.msg))).toHaveLength(1);
    bus.onActive!(false);
    expect(auth.validator.maxAgeMs).toBe(30_000);
    expect(lines.filter((l) => /message bus unreachable/.test(l.msg))).toHaveLength(2);
    await auth.close();
    expect(bus.closed).toBe(false); // the caller's bus stays open
  });

  it('evicts what a revocation event names, and everything for an event naming nothing', async () => {
    const now = 1_000_000;
    const bus = new FakeBus();
    const { logger } = captureLogs();
    const identity = new Inner(() => now);
    const auth = startServiceAuth({
      service: 'test',
      credentials,
      messaging,
      logger,
      bus,
      identity,
      cache: { now: () => now },
    });
    bus.onActive!(true);
    const cache = auth.validator;
    await Promise.all(['a', 'b', 'c'].map((t) => cache.validate(t)));
    await bus.handler!('identity.token.revoked', {
      userId: 'user-a',
      issuedBefore: new Date(now).toISOString(),
    });
    expect(cache.size).toBe(2);
    await bus.handler!('identity.token.revoked', { auditIds: ['audit-b'] });
    expect(cache.size).toBe(1);
    await bus.handler!('identity.token.revoked', { userId: 42, projectId: ['x'] });
    expect(cache.size).toBe(0);
    await cache.validate('a');
    expect(identity.calls).toBe(4);
    await auth.close();
  });

  it('starts and validates while the broker is unreachable, with the short TTL and a log line', async () => {
    const { lines, logger } = captureLogs();
    const auth = startServiceAuth({
      service: 'test',
      credentials,
      messaging: { url: 'amqp://guest:guest@127.0.0.1:1', exchange_prefix: 'kumo' },
      logger,
    });
    const started = Date.now();
    while (
      !lines.some((l) => /message bus unreachable: token revocations/.test(l.msg)) &&
      Date.now() - started < 5_000
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(lines.map((l) => l.msg)).toContainEqual(
      expect.stringContaining('validations are cached for at most 30 s'),
    );
    expect(auth.validator.maxAgeMs).toBe(30_000);
    expect(JSON.stringify(lines)).not.toContain('guest:guest');
    await auth.close();
  });
});
