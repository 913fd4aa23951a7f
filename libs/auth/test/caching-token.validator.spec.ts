import { ServiceUnavailable, Unauthorized } from '@kumo/common';
import type { AuthContext } from '../src/auth-context';
import { CachingTokenValidator } from '../src/caching-token.validator';
import { TokenValidator } from '../src/token-validator';
import { caller } from './helpers';

const T0 = Date.parse('2030-01-01T00:00:00Z');

/**
 * Plays identity: knows tokens by name, answers after `release()` when `hold` is set, counts calls.
 */
class FakeIdentity extends TokenValidator {
  calls = 0;
  hold = false;
  down = false;
  private waiting: Array<() => void> = [];
  readonly tokens = new Map<string, AuthContext>();

  add(token: string, over: Partial<AuthContext> = {}): void {
    this.tokens.set(
      token,
      caller(['member'], {
        token,
        expiresAt: new Date(T0 + 3_600_000),
        auditIds: [`audit-${token}`],
        ...over,
      }),
    );
  }

  release(): void {
    for (const go of this.waiting.splice(0)) go();
  }

  async validate(token: string): Promise<AuthContext> {
    this.calls++;
    if (this.hold) await new Promise<void>((r) => this.waiting.push(r));
    if (this.down) throw new ServiceUnavailable('identity is down');
    const auth = this.tokens.get(token);
    if (!auth) throw new Unauthorized('The request you have made requires authentication.');
    return auth;
  }
}

function setup(opts: { ttlMs?: number; max?: number; negativeTtlMs?: number } = {}) {
  const clock = { now: T0 };
  const identity = new FakeIdentity();
  const cache = new CachingTokenValidator(identity, { ...opts, now: () => clock.now });
  return { clock, identity, cache };
}

describe('CachingTokenValidator', () => {
  it('answers repeated validations from the cache', async () => {
    const { identity, cache } = setup();
    identity.add('t1');
    const first = await cache.validate('t1');
    await expect(cache.validate('t1')).resolves.toBe(first);
    expect(first.userId).toBe('u1');
    expect(identity.calls).toBe(1);
    expect(cache.size).toBe(1);
  });

  it('shares one in-flight validation between concurrent requests for a token', async () => {
    const { identity, cache } = setup();
    identity.add('t1');
    identity.hold = true;
    const all = Promise.all([cache.validate('t1'), cache.validate('t1'), cache.validate('t1')]);
    await new Promise((r) => setImmediate(r));
    identity.release();
    const [a, b, c] = await all;
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(identity.calls).toBe(1);
  });

  it('shares an in-flight failure too, and then asks again', async () => {
    const { identity, cache } = setup();
    identity.hold = true;
    const both = Promise.allSettled([cache.validate('nope'), cache.validate('nope')]);
    await new Promise((r) => setImmediate(r));
    identity.release();
    const results = await both;
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(identity.calls).toBe(1);
    identity.hold = false;
    await expect(cache.validate('nope')).rejects.toBeInstanceOf(Unauthorized);
    expect(identity.calls).toBe(2);
  });

  it('keeps an entry for the configured TTL at most', async () => {
    const { clock, identity, cache } = setup({ ttlMs: 300_000 });
    identity.add('t1');
    await cache.validate('t1');
    clock.now += 299_000;
    await cache.validate('t1');
    expect(identity.calls).toBe(1);
    clock.now += 2_000;
    await cache.validate('t1');
    expect(identity.calls).toBe(2);
  });

  it('keeps an entry no longer than the token lives', async () => {
    const { clock, identity, cache } = setup({ ttlMs: 300_000 });
    identity.add('short', { expiresAt: new Date(T0 + 60_000) });
    await cache.validate('short');
    clock.now += 59_000;
    await cache.validate('short');
    expect(identity.calls).toBe(1);
    clock.now += 2_000;
    identity.tokens.delete('short'); // identity no longer knows it once expired
    await expect(cache.validate('short')).rejects.toBeInstanceOf(Unauthorized);
    expect(identity.calls).toBe(2);
  });

  it('does not cache Unauthorized by default, or ServiceUnavailable ever', async () => {
    const { identity, cache } = setup();
    await expect(cache.validate('bad')).rejects.toBeInstanceOf(Unauthorized);
    await expect(cache.validate('bad')).rejects.toBeInstanceOf(Unauthorized);
    expect(identity.calls).toBe(2);
    identity.add('t1');
    identity.down = true;
    await expect(cache.validate('t1')).rejects.toBeInstanceOf(ServiceUnavailable);
    identity.down = false;
    await expect(cache.validate('t1')).resolves.toMatchObject({ token: 't1' });
    expect(identity.calls).toBe(4);
  });

  it('caches Unauthorized briefly when asked to', async () => {
    const { clock, identity, cache } = setup({ negativeTtlMs: 5_000 });
    await expect(cache.validate('bad')).rejects.toBeInstanceOf(Unauthorized);
    await expect(cache.validate('bad')).rejects.toBeInstanceOf(Unauthorized);
    expect(identity.calls).toBe(1);
    clock.now += 5_001;
    identity.add('bad');
    await expect(cache.validate('bad')).resolves.toMatchObject({ token: 'bad' });
  });

  it('pushes out the least recently used token beyond max', async () => {
    const { identity, cache } = setup({ max: 2 });
    for (const t of ['a', 'b', 'c']) identity.add(t);
    await cache.validate('a');
    await cache.validate('b');
    await cache.validate('a');
    await cache.validate('c'); // pushes out b
    expect(cache.size).toBe(2);
    await cache.validate('a');
    expect(identity.calls).toBe(3);
    await cache.validate('b');
    expect(identity.calls).toBe(4);
  });

  describe('evict', () => {
    async function filled() {
      const s = setup();
      s.identity.add('t1', { userId: 'u1', projectId: 'p1' });
      s.identity.add('t2', { userId: 'u2', projectId: 'p1', auditIds: ['audit-t2', 'chain-x'] });
      s.identity.add('t3', { userId: 'u1', projectId: 'p2', projectDomainId: 'd2' });
      s.identity.add('t4', {
        userId: 'u3',
        projectId: undefined,
        domainId: 'd3',
        issuedAt: new Date(T0 - 10_000),
      });
      for (const t of ['t1', 't2', 't3', 't4']) await s.cache.validate(t);
      s.identity.calls = 0;
      return s;
    }
    async function revalidated(s: Awaited<ReturnType<typeof filled>>): Promise<string[]> {
      const asked: string[] = [];
      for (const t of ['t1', 't2', 't3', 't4']) {
        const before = s.identity.calls;
        await s.cache.validate(t);
        if (s.identity.calls > before) asked.push(t);
      }
      return asked;
    }

    it('by audit id, anywhere in the chain', async () => {
      const s = await filled();
      expect(s.cache.evict({ auditIds: ['chain-x'] })).toBe(1);
      await expect(revalidated(s)).resolves.toEqual(['t2']);
    });

    it('by user', async () => {
      const s = await filled();
      expect(s.cache.evict({ userId: 'u1' })).toBe(2);
      await expect(revalidated(s)).resolves.toEqual(['t1', 't3']);
    });

    it('by project, and by user on a project (all fields must match)', async () => {
      const s = await filled();
      expect(s.cache.evict({ userId: 'u2', projectId: 'p2' })).toBe(0);
      expect(s.cache.evict({ projectId: 'p1' })).toBe(2);
      await expect(revalidated(s)).resolves.toEqual(['t1', 't2']);
    });

    it('by domain: domain scope or project domain', async () => {
      const s = await filled();
      expect(s.cache.evict({ domainId: 'd2' })).toBe(1);
      expect(s.cache.evict({ domainId: 'd3' })).toBe(1);
      await expect(revalidated(s)).resolves.toEqual(['t3', 't4']);
    });

    it('only tokens issued before a time', async () => {
      const s = await filled();
      expect(s.cache.evict({ userId: 'u3', issuedBefore: new Date(T0 - 20_000).toISOString() })).toBe(0);
      expect(s.cache.evict({ userId: 'u3', issuedBefore: new Date(T0).toISOString() })).toBe(1);
    });

    it('everything', async () => {
      const s = await filled();
      expect(s.cache.evict({ all: true })).toBe(4);
      expect(s.cache.size).toBe(0);
      await expect(revalidated(s)).resolves.toEqual(['t1', 't2', 't3', 't4']);
    });

    it('refuses a validation that was in flight when its revocation arrived', async () => {
      const s = setup();
      s.identity.add('t1');
      s.identity.add('t2', { userId: 'u2' });
      s.identity.hold = true;
      const v1 = s.cache.validate('t1');
      const v2 = s.cache.validate('t2');
      await new Promise((r) => setImmediate(r));
      s.cache.evict({ userId: 'u1' });
      s.identity.release();
      await expect(v1).rejects.toBeInstanceOf(Unauthorized);
      await expect(v2).resolves.toMatchObject({ userId: 'u2' });
      expect(s.cache.size).toBe(1);
    });
  });
});
