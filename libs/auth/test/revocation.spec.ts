import { CachingTokenValidator } from '../src/caching-token.validator';
import {
  connectRevocations,
  evictOnRevocation,
  LocalRevocationFeed,
  matchesRevocation,
  parseRevocationEvent,
  RevocationEvent,
  revocationFeedFromSubscribe,
  TOKEN_REVOKED_EVENT,
} from '../src/revocation';
import { TokenValidator } from '../src/token-validator';
import { caller } from './helpers';

/** A bus with one subscription function, like libs/messaging's, delivering payloads as given. */
class FakeBus {
  readonly handlers = new Map<string, Array<(payload: unknown) => void | Promise<void>>>();
  async subscribe(pattern: string, handler: (payload: unknown) => void | Promise<void>): Promise<void> {
    await new Promise((r) => setImmediate(r));
    this.handlers.set(pattern, [...(this.handlers.get(pattern) ?? []), handler]);
  }
  async publish(pattern: string, payload: unknown): Promise<void> {
    for (const h of this.handlers.get(pattern) ?? []) await h(payload);
  }
}

class Always extends TokenValidator {
  calls = 0;
  async validate(token: string) {
    this.calls++;
    return caller(['member'], { token, userId: `user-${token}`, auditIds: [`audit-${token}`] });
  }
}

describe('revocation events', () => {
  it('are named as identity publishes them', () => {
    expect(TOKEN_REVOKED_EVENT).toBe('identity.token.revoked');
  });

  it('match a token only when every given field does', () => {
    const auth = caller(['member'], { auditIds: ['a1', 'a0'], issuedAt: new Date('2030-01-01T00:00:00Z') });
    const cases: Array<[RevocationEvent, boolean]> = [
      [{}, true],
      [{ all: true }, true],
      [{ auditIds: ['a0'] }, true],
      [{ auditIds: ['zz'] }, false],
      [{ userId: 'u1', projectId: 'p1' }, true],
      [{ userId: 'u1', projectId: 'p2' }, false],
      [{ domainId: 'default' }, true],
      [{ domainId: 'other' }, false],
      [{ applicationCredentialId: 'ac1' }, false],
      [{ userId: 'u1', issuedBefore: '2030-01-01T00:00:01Z' }, true],
      [{ userId: 'u1', issuedBefore: '2029-12-31T23:59:59Z' }, false],
      [{ userId: 'u1', issuedBefore: 'garbage' }, true],
    ];
    expect(cases.map(([event]) => matchesRevocation(auth, event))).toEqual(
      cases.map(([, expected]) => expected),
    );
    expect(matchesRevocation(caller(['member']), { issuedBefore: '2000-01-01T00:00:00Z' })).toBe(true);
  });

  it('are read from bus payloads; unreadable ones revoke everything', () => {
    expect(
      parseRevocationEvent({
        auditIds: ['a'],
        userId: 'u',
        projectId: null,
        issuedBefore: '2030-01-01T00:00:00.000Z',
        extra: 1,
      }),
    ).toEqual({
      auditIds: ['a'],
      userId: 'u',
      issuedBefore: '2030-01-01T00:00:00.000Z',
    });
    expect(parseRevocationEvent({ userId: 42 })).toEqual({ all: true });
    expect(parseRevocationEvent('revoke!')).toEqual({ all: true });
    expect(parseRevocationEvent(null)).toEqual({ all: true });
  });
});

describe('revocation feeds', () => {
  it('subscribe once to identity.token.revoked and fan out to listeners until they unsubscribe', async () => {
    const bus = new FakeBus();
    const feed = await revocationFeedFromSubscribe((pattern, handler) => bus.subscribe(pattern, handler));
    expect([...bus.handlers.keys()]).toEqual(['identity.token.revoked']);
    const a: RevocationEvent[] = [];
    const b: RevocationEvent[] = [];
    const stopA = feed.onRevocation((e) => a.push(e));
    feed.onRevocation((e) => b.push(e));
    await bus.publish(TOKEN_REVOKED_EVENT, { userId: 'u1' });
    stopA();
    await bus.publish(TOKEN_REVOKED_EVENT, { projectId: 'p1' });
    await bus.publish('identity.project.deleted', { projectId: 'p2' });
    expect(a).toEqual([{ userId: 'u1' }]);
    expect(b).toEqual([{ userId: 'u1' }, { projectId: 'p1' }]);
  });

  it('keep delivering when one listener throws', () => {
    const feed = new LocalRevocationFeed();
    const got: RevocationEvent[] = [];
    feed.onRevocation(() => {
      throw new Error('broken listener');
    });
    feed.onRevocation((e) => got.push(e));
    feed.publish({ all: true });
    expect(got).toEqual([{ all: true }]);
  });

  it('evict a connected cache, and stop when disconnected', async () => {
    const inner = new Always();
    const cache = new CachingTokenValidator(inner);
    const feed = new LocalRevocationFeed();
    const disconnect = connectRevocations(feed, cache);
    await cache.validate('t1');
    await cache.validate('t2');
    feed.publish({ auditIds: ['audit-t1'] });
    expect(cache.size).toBe(1);
    disconnect();
    feed.publish({ all: true });
    expect(cache.size).toBe(1);
  });

  it('evict through a bus subscription (evictOnRevocation)', async () => {
    const bus = new FakeBus();
    const inner = new Always();
    const cache = new CachingTokenValidator(inner);
    await evictOnRevocation(cache, (pattern, handler) => bus.subscribe(pattern, handler));
    await cache.validate('t1');
    await cache.validate('t2');
    await bus.publish(TOKEN_REVOKED_EVENT, {
      userId: 'user-t2',
      projectId: 'p1',
      issuedBefore: new Date().toISOString(),
    });
    expect(cache.size).toBe(1);
    await cache.validate('t1');
    await cache.validate('t2');
    expect(inner.calls).toBe(3);
  });
});
