import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * The request context: who is asking and under which request id. It follows a request through
 * HTTP handlers, outgoing HTTP calls and RPC messages (libs/messaging copies it into every envelope).
 */
export interface RequestContext {
  requestId: string;
  userId?: string;
  userName?: string;
  userDomainId?: string;
  projectId?: string;
  projectName?: string;
  projectDomainId?: string;
  domainId?: string;
  system?: boolean;
  roles?: string[];
  /** The caller's token, kept so that a service can act on behalf of the user. Never logged. */
  authToken?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const REQUEST_ID_HEADER = 'x-openstack-request-id';
const REQUEST_ID_RE = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function newRequestId(): string {
  return `req-${randomUUID()}`;
}

/** Takes the caller's request id when it has OpenStack's form, otherwise makes a new one. */
export function acceptRequestId(given: string | string[] | undefined): string {
  const value = Array.isArray(given) ? given[0] : given;
  return value && REQUEST_ID_RE.test(value) ? value : newRequestId();
}

export function runWithContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Adds fields (e.g. the authenticated user) to the current context in place. */
export function extendContext(fields: Partial<RequestContext>): void {
  const ctx = storage.getStore();
  if (ctx) Object.assign(ctx, fields);
}

/** The context without secrets, safe to log or to send over the bus. */
export function publicContext(ctx: RequestContext): Omit<RequestContext, 'authToken'> {
  const { authToken: _t, ...rest } = ctx;
  return rest;
}
