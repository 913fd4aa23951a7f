import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { IDENTITY_CONFIG, IdentityConfig } from '../config';
import { RevocationEventEntity } from '../db/entities';
import { CredentialRepository } from '../db/repositories/credential.repository';
import { Clock } from './primitives';
import { ChangeFeed, EventPublisher } from './events';
import type { TokenPayload } from './token-codec';

export const TOKEN_REVOKED_EVENT = 'identity.token.revoked';

export interface Revocation {
  auditId?: string;
  userId?: string;
  projectId?: string;
  domainId?: string;
  applicationCredentialId?: string;
}

type Live = Omit<RevocationEventEntity, 'id'>;

/**
 * Token revocation: events are stored (so every identity process and restart sees them), kept in
 * memory for the per-request check, and published on the bus so other services evict their caches.
 */
@Injectable()
export class RevocationService implements OnModuleDestroy {
  private readonly log = new Logger('revocation');
  private live: Live[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly repo: CredentialRepository,
    private readonly clock: Clock,
    private readonly changes: ChangeFeed,
    private readonly events: EventPublisher,
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
  ) {}

  /** Loads live events and refreshes them periodically (revocations made by other identity processes). */
  async start(refreshMs = 5_000): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch((err) => this.log.warn(`refresh failed: ${err}`)), refreshMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    const now = this.clock.now();
    const rows = await this.repo.listRevocations(now);
    if (rows.length !== this.live.length) this.changes.changed();
    this.live = rows;
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
    this.live.push(event);
    this.changes.changed();
    if (this.config.identity.publish_revocations) {
      await this.events.publish(TOKEN_REVOKED_EVENT, {
        auditIds: r.auditId ? [r.auditId] : undefined,
        userId: r.userId,
        projectId: r.projectId,
        domainId: r.domainId,
        applicationCredentialId: r.applicationCredentialId,
        issuedBefore: now.toISOString(),
      });
    }
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
