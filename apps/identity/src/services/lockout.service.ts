import { Inject, Injectable } from '@nestjs/common';
import { Unauthorized } from '@kumo/common';
import { IDENTITY_CONFIG, IdentityConfig } from '../config';
import { UserEntity } from '../db/entities';
import { ResourceRepository } from '../db/repositories/resource.repository';
import { Clock } from './primitives';

/** Keystone's AccountLocked (an Unauthorized that names the user). */
export class AccountLocked extends Unauthorized {
  constructor(userId: string) {
    super(`The account is locked for user: ${userId}.`);
  }
}

/**
 * Keystone's account lockout (keystone/identity/backends/sql.py authenticate): with
 * `lockout_failure_attempts` set, that many failed password checks lock the user for
 * `lockout_duration` seconds after the last one; a success resets the count. The option
 * `ignore_lockout_failure_attempts` exempts a user. Off when the attempts are not configured.
 */
@Injectable()
export class LockoutService {
  private readonly attempts: number | undefined;
  private readonly durationMs: number;

  constructor(
    @Inject(IDENTITY_CONFIG) config: IdentityConfig,
    private readonly repo: ResourceRepository,
    private readonly clock: Clock,
  ) {
    this.attempts = config.identity.lockout_failure_attempts;
    this.durationMs = config.identity.lockout_duration * 1000;
  }

  /** Throws AccountLocked while the user is locked; a lock that has run out is cleared. */
  async assertNotLocked(user: UserEntity): Promise<void> {
    if (!this.applies(user) || (user.failedAuthCount ?? 0) < this.attempts!) return;
    const last = user.failedAuthAt?.getTime() ?? 0;
    if (last + this.durationMs > this.clock.now().getTime()) throw new AccountLocked(user.id);
    await this.repo.resetFailedAuth(user.id);
    user.failedAuthCount = 0;
  }

  async recordFailure(user: UserEntity): Promise<void> {
    if (this.applies(user)) await this.repo.recordFailedAuth(user.id, this.clock.now());
  }

  async recordSuccess(user: UserEntity): Promise<void> {
    if (user.failedAuthCount) await this.repo.resetFailedAuth(user.id);
  }

  private applies(user: UserEntity): boolean {
    return this.attempts !== undefined && user.options?.ignore_lockout_failure_attempts !== true;
  }
}
