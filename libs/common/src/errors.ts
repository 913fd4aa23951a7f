/**
 * Domain errors. Domain code throws these (never HTTP exceptions); each HTTP app's fault filter
 * renders them in the service's OpenStack body style, and libs/messaging carries them typed across RPC.
 */
export class KumoError extends Error {
  readonly status: number = 500;
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequest extends KumoError {
  override readonly status = 400;
}
export class Unauthorized extends KumoError {
  override readonly status = 401;
}
export class Forbidden extends KumoError {
  override readonly status = 403;
}
export class NotFound extends KumoError {
  override readonly status = 404;
}
export class MethodNotAllowed extends KumoError {
  override readonly status = 405;
}
export class NotAcceptable extends KumoError {
  override readonly status = 406;
}
export class Conflict extends KumoError {
  override readonly status = 409;
}
export class Gone extends KumoError {
  override readonly status = 410;
}
export class LengthRequired extends KumoError {
  override readonly status = 411;
}
export class PreconditionFailed extends KumoError {
  override readonly status = 412;
}
export class PayloadTooLarge extends KumoError {
  override readonly status = 413;
}
export class UnsupportedMediaType extends KumoError {
  override readonly status = 415;
}
export class RangeNotSatisfiable extends KumoError {
  override readonly status = 416;
}
export class UnprocessableEntity extends KumoError {
  override readonly status = 422;
}
export class TooManyRequests extends KumoError {
  override readonly status = 429;
}
export class NotImplemented extends KumoError {
  override readonly status = 501;
}
export class ServiceUnavailable extends KumoError {
  override readonly status = 503;
}

export function isKumoError(err: unknown): err is KumoError {
  return err instanceof KumoError;
}
export function isNotFound(err: unknown): err is NotFound {
  return err instanceof KumoError && err.status === 404;
}
export function isConflict(err: unknown): err is Conflict {
  return err instanceof KumoError && err.status === 409;
}
