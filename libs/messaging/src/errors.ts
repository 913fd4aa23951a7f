import * as common from '@kumo/common/core';
import { BadRequest, KumoError } from '@kumo/common/core';

/** No reply within the call's timeout. */
export class RpcTimeout extends KumoError {
  override readonly status = 504;
}

/** The connection to the broker was lost while a call waited for its reply. */
export class RpcInterrupted extends KumoError {
  override readonly status = 503;
}

/**
 * The caller speaks a contract version the server does not implement: a newer minor, or another
 * major. Names both versions (also in `details`).
 */
export class RpcVersionMismatch extends KumoError {
  override readonly status = 500;
  get callerVersion(): string | undefined {
    return this.details?.callerVersion as string | undefined;
  }
  get serverVersion(): string | undefined {
    return this.details?.serverVersion as string | undefined;
  }
}

/** A message the server could not read: not JSON, or not an RPC envelope. */
export class RpcBadMessage extends BadRequest {}

/** A method the contract (or the server's implementation of it) does not have. */
export class RpcUnknownMethod extends BadRequest {}

/** Arguments that fail the method's schema. */
export class RpcInvalidArguments extends BadRequest {}

/** A result that fails the method's result schema (a server bug, or a server of another contract). */
export class RpcInvalidResult extends KumoError {
  override readonly status = 500;
}

/** A remote error whose class is not on the allow-list; keeps the remote class name and message. */
export class RemoteError extends KumoError {
  override readonly status: number = 500;
  constructor(
    readonly remoteName: string,
    message: string,
    status = 500,
    details?: Record<string, unknown>,
  ) {
    super(message, details);
    this.status = status;
  }
}

type ErrorClass = new (message: string, details?: Record<string, unknown>) => KumoError;
const registry = new Map<string, ErrorClass>();

/** Allows a KumoError subclass to cross RPC typed (every class of @kumo/common is registered). */
export function registerRemoteError(cls: ErrorClass): void {
  registry.set(cls.name, cls);
}

for (const value of Object.values(common)) {
  if (typeof value === 'function' && (value === KumoError || value.prototype instanceof KumoError)) {
    registerRemoteError(value as ErrorClass);
  }
}
for (const cls of [RpcTimeout, RpcInterrupted, RpcVersionMismatch, RpcBadMessage, RpcUnknownMethod, RpcInvalidArguments, RpcInvalidResult]) {
  registerRemoteError(cls);
}

export interface WireError {
  name: string;
  message: string;
  status: number;
  details?: Record<string, unknown>;
}

export function toWireError(err: unknown): WireError {
  if (err instanceof KumoError) return { name: err.name, message: err.message, status: err.status, details: err.details };
  // unexpected errors keep their class name but not their message (it may hold internals)
  return { name: (err as Error)?.name ?? 'Error', message: 'An unexpected error occurred in the remote service.', status: 500 };
}

export function fromWireError(w: WireError): KumoError {
  const cls = registry.get(w.name);
  if (cls) return new cls(w.message, w.details);
  return new RemoteError(w.name, w.message, w.status, w.details);
}
