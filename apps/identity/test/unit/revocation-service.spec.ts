import type { IdentityConfig } from '../../src/config';
import type { CredentialRepository } from '../../src/db/repositories/credential.repository';
import { ChangeFeed, EventPublisher } from '../../src/services/events';
import { Clock } from '../../src/services/primitives';
import {
  REVOCATION_FALLBACK_REFRESH_MS,
  REVOCATION_REFRESH_WITHOUT_EVENTS_MS,
  RevocationService,
  TOKEN_REVOKED_EVENT,
} from '../../src/services/revocation.service';
import type { TokenPayload } from '../../src/services/token-codec';

type Row = Parameters<CredentialRepository['insertRevocation']>[0];

/** The revocation table, whose reads the test can hold (a refresh that began before a revocation arrived). */
function table() {
  const rows: Row[] = [];
  const held: Array<() => void> = [];
  const state = { hold: false, reads: 0 };
  const repo = {
    insertRevocation: async (e: Row) => void rows.push(e),
    listRevocations: async (now: Date) => {
      state.reads++;
      const snapshot = rows.filter((r) => r.expiresAt > now);
      if (state.hold) await new Promise<void>((r) => held.push(r));
      return snapshot;
    },
  };
  return { rows, state, release: () => held.splice(0).forEach((r) => r()), repo: repo as unknown as CredentialRepository };
}

class Recorder extends EventPublisher {
  readonly events: Array<{ eventType: string; payload: Record<string, unknown> }> = [];
  async publish(eventType: string, payload: Record<string, unknown>): Promise<void> {
    this.events.push({ eventType, payload });
  }
}

const config = { identity: { token_expiration: 3600, publish_revocations: true } } as unknown as IdentityConfig;

function service(t = table()) {
  const changes = new ChangeFeed();
  let changed = 0;
  changes.onChange(() => changed++);
  const events = new Recorder();
  const svc = new RevocationService(t.repo, new Clock(), changes, events, config);
  return { svc, events, t, changed: () => changed };
}

const token = (over: Partial<TokenPayload> = {}): TokenPayload => ({
  userId: 'u1',
  methods: ['password'],
  scope: { type: 'project', id: 'p1' },
  issuedAt: Date.now() - 1_000,
  expiresAt: Date.now() + 3_600_000,
  auditIds: ['audit-1'],
  ...over,
});

describe('RevocationService and identity.token.revoked', () => {
  afterEach(() => jest.useRealTimers());

  it("publishes each revocation with its times and origin, and ignores its own event", async () => {
    const { svc, events } = service();
    await svc.start();
    await svc.revoke({ userId: 'u1' });
    expect(events.events).toEqual([
      {
        eventType: TOKEN_REVOKED_EVENT,
        payload: expect.objectContaining({ userId: 'u1', issuedBefore: expect.any(String), expiresAt: expect.any(String), origin: expect.any(String) }),
      },
    ]);
    expect(svc.isRevoked(token())).toBe(true);
    expect(svc.onRevokedEvent(events.events[0].payload)).toBe(false);
    svc.onModuleDestroy();
  });

  it("puts another process's revocation in force at once, without reading the database", async () => {
    const a = service();
    const b = service(a.t); // one database
    await a.svc.start();
    await b.svc.start();
    const reads = a.t.state.reads;
    expect(b.svc.isRevoked(token())).toBe(false);
    await a.svc.revoke({ auditId: 'audit-1' });
    const before = b.changed();
    expect(b.svc.onRevokedEvent(a.events.events[0].payload)).toBe(true);
    expect(b.svc.isRevoked(token())).toBe(true);
    expect(b.svc.isRevoked(token({ auditIds: ['audit-2'] }))).toBe(false);
    // a token issued after the revocation is not revoked by it
    expect(b.svc.isRevoked(token({ issuedAt: Date.now() + 10 }))).toBe(false);
    expect(b.changed()).toBe(before + 1); // the resolved-token cache is flushed
    expect(a.t.state.reads).toBe(reads);
    // the same event twice (at-least-once delivery) changes nothing
    expect(b.svc.onRevokedEvent(a.events.events[0].payload)).toBe(false);
    a.svc.onModuleDestroy();
    b.svc.onModuleDestroy();
  });

  it('keeps a revocation that arrived while a read of the table was under way', async () => {
    const a = service();
    const b = service(a.t);
    await b.svc.start();
    a.t.state.hold = true;
    const refreshing = b.svc.refresh(); // its read began before the revocation was stored
    await a.svc.revoke({ projectId: 'p1' });
    b.svc.onRevokedEvent(a.events.events[0].payload);
    a.t.release();
    await refreshing;
    expect(b.svc.isRevoked(token())).toBe(true);
    // the next read has it from the table
    a.t.state.hold = false;
    await b.svc.refresh();
    expect(b.svc.isRevoked(token())).toBe(true);
    b.svc.onModuleDestroy();
  });

  it('refuses what is not a revocation, drops an expired one, reads the table for one without times', async () => {
    const { svc, t } = service();
    await svc.start();
    expect(svc.onRevokedEvent({ userId: 42 })).toBe(false);
    expect(svc.onRevokedEvent('not an object')).toBe(false);
    const past = new Date(Date.now() - 7_200_000);
    expect(svc.onRevokedEvent({ userId: 'u1', issuedBefore: past.toISOString(), expiresAt: new Date(Date.now() - 1).toISOString() })).toBe(false);
    expect(svc.isRevoked(token())).toBe(false);
    const reads = t.state.reads;
    expect(svc.onRevokedEvent({ userId: 'u1' })).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(t.state.reads).toBe(reads + 1);
    // several audit ids: each is revoked
    expect(svc.onRevokedEvent({ auditIds: ['audit-1', 'audit-9'], issuedBefore: new Date().toISOString() })).toBe(true);
    expect(svc.isRevoked(token())).toBe(true);
    expect(svc.isRevoked(token({ auditIds: ['audit-9'] }))).toBe(true);
    svc.onModuleDestroy();
  });

  it('reads the table every 60 s while events arrive, every 5 s while they cannot, and at once when they come back', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    const { svc, t } = service();
    await svc.start();
    expect(svc.refreshMs).toBe(REVOCATION_REFRESH_WITHOUT_EVENTS_MS);
    svc.setChangeFeed(true);
    await jest.advanceTimersByTimeAsync(0);
    expect(svc.refreshMs).toBe(REVOCATION_FALLBACK_REFRESH_MS);
    const live = t.state.reads; // the read when the feed came up
    expect(live).toBe(2);
    await jest.advanceTimersByTimeAsync(59_000);
    expect(t.state.reads).toBe(live);
    await jest.advanceTimersByTimeAsync(1_100);
    expect(t.state.reads).toBe(live + 1);
    svc.setChangeFeed(false);
    await jest.advanceTimersByTimeAsync(10_100);
    expect(t.state.reads).toBe(live + 3);
    svc.setChangeFeed(true);
    await jest.advanceTimersByTimeAsync(0);
    expect(t.state.reads).toBe(live + 4);
    svc.onModuleDestroy();
    await jest.advanceTimersByTimeAsync(120_000);
    expect(t.state.reads).toBe(live + 4);
  });
});
