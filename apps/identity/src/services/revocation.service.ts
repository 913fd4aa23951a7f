import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { eventPayload, readEvent, TOKEN_REVOKED } from '@kumo/messaging';
import { IDENTITY_CONFIG, IdentityConfig } from '../config';
import { RevocationEventEntity } from '../db/entities';
import { CredentialRepository } from '../db/repositories/credential.repository';
import { Clock } from './primitives';
import { ChangeFeed, EventPublisher } from './events';
import type { TokenPayload } from './token-codec';

export const TOKEN_REVOKED_EVENT = TOKEN_REVOKED.type;

export interface Revocation {
  auditId?: string;
  userId?: string;
  projectId?: string;
  domainId?: string;
  applicationCredentialId?: string;
}

type Live = Omit<RevocationEventEntity, 'id'>;

/**
 * How often the stored revocations are read again: while `identity.token.revoked` events arrive, a
 * safety net only (an event lost on the way costs at most this long); while they cannot (no bus,
 * the bus down, before the subscription runs), as often as the old poll. Coming back to the bus,
 * they are read at once (events published meanwhile were missed).
 */
export const REVOCATION_FALLBACK_REFRESH_MS = 60_000;
export const REVOCATION_REFRESH_WITHOUT_EVENTS_MS = 5_000;

const sameEvent = (a: Live, b: Live) =>
  a.issuedBefore.getTime() === b.issuedBefore.getTime() &&
  a.auditId === b.auditId &&
  a.userId === b.userId &&
  a.projectId === b.projectId &&
  a.domainId === b.domainId &&
  a.applicationCredentialId === b.applicationCredentialId;

/**
 * Token revocation: events are stored (so every identity process and restart sees them), kept in
 * memory for the per-request check, and published on the bus, where the services' validation
 * caches evict them (libs/auth) and the other identity processes add them to their list at once
 * (`onRevokedEvent`). The stored list is read again every `refreshMs` as a safety net.
 */
@Injectable()
export class RevocationService implements OnModuleDestroy {
  private readonly log = new Logger('revocation');
  private live: Live[] = [];
  /** Events added here (revoked here or from the bus) that a refresh's read may not have seen yet. */
  private recent: Array<{ seq: number; event: Live }> = [];
  private seq = 0;
  private timer?: NodeJS.Timeout;
  private started = false;
  private feedLive = false;
  private intervals = { withoutEvents: REVOCATION_REFRESH_WITHOUT_EVENTS_MS, fallback: REVOCATION_FALLBACK_REFRESH_MS };
  /** Tells this process's own events from the others'. */
  private readonly origin = randomUUID();
  /** Reads of the stored list (tests, logs). */
  refreshes = 0;

  constructor(
    private readonly repo: CredentialRepository,
    private readonly clock: Clock,
    private readonly changes: ChangeFeed,
    private readonly events: EventPublisher,
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
  ) {}

  /** How long until the stored revocations are read again. */
  get refreshMs(): number {
    return this.feedLive ? this.intervals.fallback : this.intervals.withoutEvents;
  }

  /** Loads the live events and reads them again every `refreshMs` (revocations made by other identity processes). */
  async start(intervals: { withoutEventsMs?: number; fallbackMs?: number } = {}): Promise<void> {
    this.intervals = {
      withoutEvents: intervals.withoutEventsMs ?? REVOCATION_REFRESH_WITHOUT_EVENTS_MS,
      fallback: intervals.fallbackMs ?? REVOCATION_FALLBACK_REFRESH_MS,
    };
    this.started = true;
    await this.refresh();
    this.schedule();
  }

  onModuleDestroy(): void {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    if (!this.started) return;
    this.timer = setTimeout(() => void this.refreshLogged().finally(() => this.schedule()), this.refreshMs);
    this.timer.unref();
  }

  private refreshLogged(): Promise<void> {
    return this.refresh().catch((err) => this.log.warn(`refresh failed: ${err}`));
  }

  /** Reads the stored events; what was added meanwhile (after the read began) is kept. */
  async refresh(): Promise<void> {
    const began = this.seq;
    this.refreshes++;
    const rows = await this.repo.listRevocations(this.clock.now());
    const late = this.recent.filter((r) => r.seq > began && !rows.some((row) => sameEvent(row, r.event)));
    // what was added before the read began was stored before it (stored, then added): the read has it
    this.recent = this.recent.filter((r) => r.seq > began);
    const next = [...rows, ...late.map((r) => r.event)];
    if (next.length !== this.live.length) this.changes.changed();
    this.live = next;
  }

  private add(event: Live): void {
    this.live.push(event);
    this.recent.push({ seq: ++this.seq, event });
    this.changes.changed();
  }

  /** Revokes every token issued until now that matches all the given fields. */
  async revoke(r: Revocation): Promise<void> {
    const now = this.clock.now();
    // second precision margin: a token issued in this same millisecond is revoked too
    const event: Live = {
      auditId: r.auditId ?? null,
      userId: r.userId ?? null,
      projectId: r.projectId ?? null,
      domainId: r.domainId ?? null,
      applicationCredentialId: r.applicationCredentialId ?? null,
      issuedBefore: now,
      expiresAt: new Date(now.getTime() + this.config.identity.token_expiration * 1000 + 60_000),
    };
    await this.repo.insertRevocation(event);
    this.add(event);
    if (this.config.identity.publish_revocations) {
      await this.events.publish(
        TOKEN_REVOKED.type,
        eventPayload(TOKEN_REVOKED, {
          auditIds: r.auditId ? [r.auditId] : undefined,
          userId: r.userId,
          projectId: r.projectId,
          domainId: r.domainId,
          applicationCredentialId: r.applicationCredentialId,
          issuedBefore: now.toISOString(),
          expiresAt: event.expiresAt.toISOString(),
          origin: this.origin,
        }),
      );
    }
  }

  /**
   * A revocation from the bus. Another identity process's is in force here at once (it was stored
   * before it was published); this process's own, and a payload that is not a revocation, change
   * nothing. One without its times (an older publisher) makes the stored list be read again.
   * Answers whether it changed anything.
   */
  onRevokedEvent(payload: unknown): boolean {
    const e = readEvent(TOKEN_REVOKED, payload);
    if (!e || e.origin === this.origin) return false;
    if (!e.issuedBefore) {
      void this.refreshLogged();
      return true;
    }
    const issuedBefore = new Date(e.issuedBefore);
    const expiresAt = e.expiresAt
      ? new Date(e.expiresAt)
      : new Date(issuedBefore.getTime() + this.config.identity.token_expiration * 1000 + 60_000);
    if (expiresAt.getTime() <= this.clock.now().getTime()) return false;
    const base = {
      userId: e.userId ?? null,
      projectId: e.projectId ?? null,
      domainId: e.domainId ?? null,
      applicationCredentialId: e.applicationCredentialId ?? null,
      issuedBefore,
      expiresAt,
    };
    const events: Live[] = e.auditIds?.length
      ? e.auditIds.map((auditId) => ({ ...base, auditId }))
      : [{ ...base, auditId: null }];
    const fresh = events.filter((ev) => !this.live.some((l) => sameEvent(l, ev)));
    for (const ev of fresh) this.add(ev);
    return fresh.length > 0;
  }

  /**
   * Whether revocation events arrive. Going down, the stored list is read every few seconds again;
   * coming back, it is read at once (what other processes revoked meanwhile was not heard of).
   */
  setChangeFeed(live: boolean): void {
    if (live === this.feedLive) return;
    this.feedLive = live;
    if (!this.started) return;
    if (live) void this.refreshLogged().finally(() => this.schedule());
    else this.schedule();
  }

  get changeFeedLive(): boolean {
    return this.feedLive;
  }

  /** True when a stored event matches the token. */
  isRevoked(t: TokenPayload, projectDomainId?: string): boolean {
    for (const e of this.live) {
      if (t.issuedAt > e.issuedBefore.getTime()) continue;
      if (e.auditId !== null && t.auditIds[0] !== e.auditId) continue;
      if (e.userId !== null && e.userId !== t.userId) continue;
      if (e.projectId !== null && !(t.scope?.type === 'project' && t.scope.id === e.projectId)) continue;
      if (e.domainId !== null && !(t.scope?.type === 'domain' && t.scope.id === e.domainId) && projectDomainId !== e.domainId)
        continue;
      if (e.applicationCredentialId !== null && e.applicationCredentialId !== t.applicationCredentialId) continue;
      return true;
    }
    return false;
  }
}
