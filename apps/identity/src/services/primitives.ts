import { Inject, Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import * as bcrypt from 'bcrypt';
import { IDENTITY_CONFIG, IdentityConfig } from '../config';

/** Keystone-style ids: 32 lowercase hex digits (uuid4().hex). */
export function newId(): string {
  return randomUUID().replace(/-/g, '');
}

/**
 * `o` without its undefined values: a repository filter or patch of only the fields the caller
 * gave (`given({ name: f.name, enabled: f.enabled })`); a null stays (it clears a field).
 */
export function given<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** A url-safe random secret (application credentials generate one when the client gives none). */
export function newSecret(): string {
  return randomBytes(48).toString('base64url');
}

/** The clock, injectable so that tests can move time. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}

/**
 * bcrypt with the configured cost (12, Keystone's default). Runs on libuv's thread pool, so the
 * event loop keeps serving validations while a password is checked.
 */
@Injectable()
export class PasswordHasher {
  private readonly rounds: number;
  /** A hash of nothing, checked when the user does not exist so timing does not reveal it. */
  private readonly dummy: Promise<string>;

  constructor(@Inject(IDENTITY_CONFIG) config: IdentityConfig) {
    this.rounds = config.identity.password_hash_rounds;
    this.dummy = bcrypt.hash(newSecret(), this.rounds);
  }

  hash(secret: string): Promise<string> {
    return bcrypt.hash(secret, this.rounds);
  }

  async verify(secret: string, hash: string | null | undefined): Promise<boolean> {
    if (!hash) {
      await bcrypt.compare(secret, await this.dummy);
      return false;
    }
    return bcrypt.compare(secret, hash);
  }
}
