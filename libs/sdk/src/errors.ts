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

/** A service answered a status the client does not expect. */
export class UnexpectedStatus extends SdkError {
  override readonly name = 'UnexpectedStatus';
  constructor(
    readonly status: number,
    what: string,
  ) {
    super(`${what}: HTTP ${status}`);
  }
}
