import { z, ZodTypeAny } from 'zod';

/**
 * A notification's contract, the one object its publisher and its subscribers compile against: the
 * event type (the routing key on the notifications exchange) and the zod schema of its payload.
 * Subscribers read payloads with `readEvent` (untrusted JSON from the bus: a payload the schema
 * refuses is `undefined`, never a throw), publishers build them with `eventPayload` (checked, so a
 * publisher cannot send what its subscribers would refuse).
 */
export interface EventContract<S extends ZodTypeAny = ZodTypeAny> {
  readonly type: string;
  readonly payload: S;
}

const TYPE_RE = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/;

export function defineEvent<S extends ZodTypeAny>(e: { type: string; payload: S }): EventContract<S> {
  if (!TYPE_RE.test(e.type)) throw new Error(`event type ${JSON.stringify(e.type)} is not a dotted lower-case name.`);
  return Object.freeze({ type: e.type, payload: e.payload });
}

/** The payload as its subscribers get it, or undefined when the schema refuses it. */
export function readEvent<S extends ZodTypeAny>(e: EventContract<S>, payload: unknown): z.output<S> | undefined {
  const r = e.payload.safeParse(payload);
  return r.success ? (r.data as z.output<S>) : undefined;
}

/** A payload to publish, checked against the contract (throws on a mismatch: a bug in the publisher). */
export function eventPayload<S extends ZodTypeAny>(e: EventContract<S>, payload: z.input<S>): Record<string, unknown> {
  return e.payload.parse(payload) as Record<string, unknown>;
}

const id = z.string().min(1).max(64);

/**
 * `identity.token.revoked`: identity published it on every revocation (`openstack token revoke`, a
 * user disabled, deleted or its password changed, a project disabled or deleted, a domain deleted,
 * a role assignment removed, a role deleted, a group membership removed, an application credential
 * deleted). Every token issued at or before `issuedBefore` matching all the fields given is
 * revoked; none given would be every token. Token validators in every service evict what it names
 * (libs/auth); the other identity processes add it to their revocation list at once (`origin`
 * tells a process its own events). Fields are optional so that older publishers still parse.
 */
export const TOKEN_REVOKED = defineEvent({
  type: 'identity.token.revoked',
  payload: z
    .object({
      auditIds: z.array(z.string().min(1).max(64)).max(16).optional(),
      userId: id.optional(),
      projectId: id.optional(),
      domainId: id.optional(),
      applicationCredentialId: id.optional(),
      /** ISO time: tokens issued until then are revoked */
      issuedBefore: z.string().datetime({ offset: true }).optional(),
      /** ISO time after which the revocation matches no valid token any more */
      expiresAt: z.string().datetime({ offset: true }).optional(),
      /** the identity process that published it */
      origin: z.string().max(64).optional(),
    })
    .passthrough(),
});
export type TokenRevoked = z.output<typeof TOKEN_REVOKED.payload>;
