import { z } from 'zod';
import type { AuthContext } from './auth-context';

/** The notification identity publishes on every token revocation. */
export const TOKEN_REVOKED_EVENT = 'identity.token.revoked';

/**
 * A revocation, as identity publishes it (`identity.token.revoked`). It revokes every token that
 * matches **all** the fields given (Keystone's revocation-event semantics); `all` revokes
 * everything. An event with no field at all matches every token.
 */
export interface RevocationEvent {
  /** Tokens whose audit chain contains one of these ids. */
  auditIds?: string[];
  userId?: string;
  /** Tokens scoped to this project. */
  projectId?: string;
  /** Tokens scoped to this domain, to one of its projects, or of one of its users. */
  domainId?: string;
  applicationCredentialId?: string;
  /** Only tokens issued at or before this time (ISO 8601). */
  issuedBefore?: string;
  all?: boolean;
}

/** @deprecated The former name of {@link RevocationEvent}. */
export type RevocationFilter = RevocationEvent;

export type RevocationListener = (event: RevocationEvent) => void;

/**
 * Where revocation events come from (the bus, or identity in-process). A caching validator
 * subscribes to it so that a revoked token stops being accepted before its cache entry expires.
 */
export abstract class RevocationFeed {
  /** Calls `listener` for every revocation from now on; returns the function that unsubscribes. */
  abstract onRevocation(listener: RevocationListener): () => void;
}

/** A feed whose events are pushed by the owner: identity's own process, tests. */
export class LocalRevocationFeed extends RevocationFeed {
  private readonly listeners = new Set<RevocationListener>();

  onRevocation(listener: RevocationListener): () => void {
    // a wrapper, so that the same function subscribed twice is called twice and unsubscribed once
    const entry: RevocationListener = (event) => listener(event);
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /** Delivers an event to every listener; one listener throwing does not stop the others. */
  publish(event: RevocationEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // a listener's failure is its own (an eviction cannot fail in a way the publisher can fix)
      }
    }
  }
}

const eventSchema = z.object({
  auditIds: z.array(z.string()).optional(),
  userId: z.string().optional(),
  projectId: z.string().optional(),
  domainId: z.string().optional(),
  applicationCredentialId: z.string().optional(),
  issuedBefore: z.string().optional(),
  all: z.boolean().optional(),
});

/**
 * Reads a revocation event from a bus payload. Nulls count as absent; unknown keys are ignored. A
 * payload that cannot be read becomes `{ all: true }`: evicting too much only costs revalidations,
 * keeping a revoked token would be a hole.
 */
export function parseRevocationEvent(payload: unknown): RevocationEvent {
  const cleaned =
    payload && typeof payload === 'object' && !Array.isArray(payload)
      ? Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== null && v !== undefined))
      : payload;
  const parsed = eventSchema.safeParse(cleaned);
  return parsed.success ? parsed.data : { all: true };
}

/**
 * Whether a revocation event covers a token. Errs on the side of matching: a context without
 * `issuedAt` matches any `issuedBefore`, and an unreadable `issuedBefore` is ignored.
 */
export function matchesRevocation(auth: AuthContext, event: RevocationEvent): boolean {
  if (event.all) return true;
  if (event.auditIds && !event.auditIds.some((id) => auth.auditIds.includes(id))) return false;
  if (event.userId !== undefined && event.userId !== auth.userId) return false;
  if (event.projectId !== undefined && event.projectId !== auth.projectId) return false;
  if (
    event.domainId !== undefined &&
    event.domainId !== auth.domainId &&
    event.domainId !== auth.projectDomainId &&
    event.domainId !== auth.userDomainId
  ) {
    return false;
  }
  if (
    event.applicationCredentialId !== undefined &&
    event.applicationCredentialId !== auth.applicationCredentialId
  )
    return false;
  if (event.issuedBefore !== undefined && auth.issuedAt !== undefined) {
    const before = Date.parse(event.issuedBefore);
    if (!Number.isNaN(before) && auth.issuedAt.getTime() > before) return false;
  }
  return true;
}

/**
 * The messaging layer's subscription function, kept abstract so that libs/auth does not depend
 * on libs/messaging: `pattern` is an event type, `handler` receives the event's payload.
 */
export type SubscribeFn = (pattern: string, handler: (payload: unknown) => void | Promise<void>) => unknown;

/**
 * A RevocationFeed on top of any bus: subscribes once to `identity.token.revoked` and fans the
 * parsed events out to its listeners. Resolves when `subscribe` has (if it returns a promise).
 *
 * ```ts
 * const feed = await revocationFeedFromSubscribe((event, handler) =>
 *   bus.subscribe(event, (_type, payload) => handler(payload)));
 * ```
 */
export async function revocationFeedFromSubscribe(subscribe: SubscribeFn): Promise<RevocationFeed> {
  const feed = new LocalRevocationFeed();
  await subscribe(TOKEN_REVOKED_EVENT, (payload) => feed.publish(parseRevocationEvent(payload)));
  return feed;
}

/** Anything that can drop cached validations (a {@link CachingTokenValidator}). */
export interface Evictable {
  evict(event: RevocationEvent): number;
}

/** Connects a cache to a feed: each event evicts what it covers. Returns the unsubscribe function. */
export function connectRevocations(feed: RevocationFeed, cache: Evictable): () => void {
  return feed.onRevocation((event) => {
    cache.evict(event);
  });
}

/**
 * Subscribes a cache directly to the bus (`subscribe` as in {@link revocationFeedFromSubscribe}).
 * Returns the feed, for more listeners.
 */
export async function evictOnRevocation(cache: Evictable, subscribe: SubscribeFn): Promise<RevocationFeed> {
  const feed = await revocationFeedFromSubscribe(subscribe);
  connectRevocations(feed, cache);
  return feed;
}
