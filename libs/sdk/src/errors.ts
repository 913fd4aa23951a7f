/** Base of the SDK's errors; a service maps them to its own (all mean "the other service cannot be used now"). */
export class SdkError extends Error {
  override readonly name: string = 'SdkError';
}

/** Identity (or another service) could not be reached: connection refused, timeout, reset. */
export class ServiceUnreachable extends SdkError {
  override readonly name = 'ServiceUnreachable';
  constructor(
    readonly url: string,
    cause: Error,
  ) {
    super(`${url} is unreachable: ${cause.message}`, { cause });
  }
}

/** Identity refused the session's credentials (or answered the login with something other than 201). */
export class LoginFailed extends SdkError {
  override readonly name = 'LoginFailed';
  constructor(
    readonly username: string,
    readonly status: number,
  ) {
    super(`identity refused the login of ${username} (HTTP ${status})`);
  }
}

/** The catalog has no endpoint for what was asked; the message names what is missing. */
export class EndpointNotFound extends SdkError {
  override readonly name = 'EndpointNotFound';
}

/** A service answered a status the client does not expect; `detail` is its fault message, if any. */
export class UnexpectedStatus extends SdkError {
  override readonly name: string = 'UnexpectedStatus';
  constructor(
    readonly status: number,
    what: string,
    readonly detail?: string,
  ) {
    super(`${what}: HTTP ${status}${detail ? ` (${detail})` : ''}`);
  }
}

/** The service refused the request (a 4xx): bad input, no permission, a conflict, over a limit. */
export class RequestRefused extends UnexpectedStatus {
  override readonly name: string = 'RequestRefused';
}

/** The service has no such resource (404), or does not show it to the session's user. */
export class ResourceNotFound extends RequestRefused {
  override readonly name = 'ResourceNotFound';
  constructor(what: string, detail?: string) {
    super(404, what, detail);
  }
}

/** The service answered a body the client cannot read (not JSON, or without what it must hold). */
export class InvalidResponse extends SdkError {
  override readonly name = 'InvalidResponse';
  constructor(what: string, problem: string) {
    super(`${what}: ${problem}`);
  }
}

/** An image is not active (queued, saving, deactivated, ...): it has no data to download. */
export class ImageNotActive extends SdkError {
  override readonly name = 'ImageNotActive';
  constructor(
    readonly imageId: string,
    readonly status: string,
  ) {
    super(`image ${imageId} is ${status}, not active: it has no data to download`);
  }
}

/** Downloaded data does not match the image's checksum (a corrupt store, a truncated stream). */
export class ChecksumMismatch extends SdkError {
  override readonly name = 'ChecksumMismatch';
  constructor(
    readonly imageId: string,
    readonly algorithm: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`the data of image ${imageId} does not match its ${algorithm} (expected ${expected}, got ${actual})`);
  }
}

/** True for a 404 from any client (a predicate, as `isNotFound(err)` in the clients' callers). */
export function isNotFound(err: unknown): err is ResourceNotFound {
  return err instanceof ResourceNotFound;
}
