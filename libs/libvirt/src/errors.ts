// Errors as typed values: a call that libvirtd answers with an error rejects with a LibvirtError
// carrying libvirt's own code, domain and level (virterror.h numbers, as enums), so callers test
// `isNoDomain(err)` instead of matching message text. A lost connection rejects every call still
// waiting with a LibvirtConnectionError (code NO_CONNECT, domain RPC).
import { ErrorDomain, ErrorLevel, ErrorNumber } from './generated/constants';
import type { RemoteError } from './generated/types';

export class LibvirtError extends Error {
  override name = 'LibvirtError';

  constructor(
    message: string,
    readonly code: ErrorNumber,
    readonly domain: ErrorDomain = ErrorDomain.NONE,
    readonly level: ErrorLevel = ErrorLevel.ERROR,
    /** libvirt's extra strings and numbers (str1..3, int1..2); their meaning depends on the code */
    readonly extra: { str1?: string; str2?: string; str3?: string; int1?: number; int2?: number } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The code's name, e.g. `NO_DOMAIN` (a number libvirt added after this table reads `CODE_<n>`). */
  get codeName(): string {
    return ErrorNumber[this.code] ?? `CODE_${this.code}`;
  }

  get domainName(): string {
    return ErrorDomain[this.domain] ?? `DOMAIN_${this.domain}`;
  }

  /** The error libvirtd sent (remote_error). */
  static fromRemote(e: RemoteError): LibvirtError {
    const extra = {
      ...(e.str1 !== null && { str1: e.str1 }),
      ...(e.str2 !== null && { str2: e.str2 }),
      ...(e.str3 !== null && { str3: e.str3 }),
      int1: e.int1,
      int2: e.int2,
    };
    return new LibvirtError(e.message ?? `libvirt error ${e.code}`, e.code, e.domain, e.level, extra);
  }
}

/** The connection to libvirtd failed or went away; calls made on it cannot complete. */
export class LibvirtConnectionError extends LibvirtError {
  override name = 'LibvirtConnectionError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ErrorNumber.NO_CONNECT, ErrorDomain.RPC, ErrorLevel.ERROR, {}, options);
  }
}

/** The bytes libvirtd sent do not follow the protocol. */
export class LibvirtProtocolError extends LibvirtError {
  override name = 'LibvirtProtocolError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ErrorNumber.RPC, ErrorDomain.RPC, ErrorLevel.ERROR, {}, options);
  }
}

export const isLibvirtError = (err: unknown): err is LibvirtError => err instanceof LibvirtError;
export const hasErrorCode = (err: unknown, code: ErrorNumber): err is LibvirtError =>
  isLibvirtError(err) && err.code === code;

/** The domain does not exist (VIR_ERR_NO_DOMAIN). */
export const isNoDomain = (err: unknown): err is LibvirtError => hasErrorCode(err, ErrorNumber.NO_DOMAIN);
/** The operation does not apply in the domain's state, e.g. destroying a stopped domain (VIR_ERR_OPERATION_INVALID). */
export const isOperationInvalid = (err: unknown): err is LibvirtError =>
  hasErrorCode(err, ErrorNumber.OPERATION_INVALID);
/** No connection: never made, lost, or not opened (VIR_ERR_NO_CONNECT, VIR_ERR_INVALID_CONN). */
export const isNoConnect = (err: unknown): err is LibvirtError =>
  hasErrorCode(err, ErrorNumber.NO_CONNECT) || hasErrorCode(err, ErrorNumber.INVALID_CONN);
/** The connection to libvirtd went away (or could not be made) while the call waited. */
export const isConnectionError = (err: unknown): err is LibvirtConnectionError =>
  err instanceof LibvirtConnectionError;
/** A domain with that name or UUID exists already (VIR_ERR_DOM_EXIST). */
export const isDomainExists = (err: unknown): err is LibvirtError => hasErrorCode(err, ErrorNumber.DOM_EXIST);
/** The driver does not implement the call (VIR_ERR_NO_SUPPORT). */
export const isNoSupport = (err: unknown): err is LibvirtError => hasErrorCode(err, ErrorNumber.NO_SUPPORT);
/** The driver implements the call but not this use of it (VIR_ERR_OPERATION_UNSUPPORTED). */
export const isOperationUnsupported = (err: unknown): err is LibvirtError =>
  hasErrorCode(err, ErrorNumber.OPERATION_UNSUPPORTED);
/** An argument was refused (VIR_ERR_INVALID_ARG). */
export const isInvalidArg = (err: unknown): err is LibvirtError => hasErrorCode(err, ErrorNumber.INVALID_ARG);
/** The XML was malformed or invalid (VIR_ERR_XML_ERROR, VIR_ERR_XML_DETAIL, VIR_ERR_XML_INVALID_SCHEMA). */
export const isXmlError = (err: unknown): err is LibvirtError =>
  hasErrorCode(err, ErrorNumber.XML_ERROR) ||
  hasErrorCode(err, ErrorNumber.XML_DETAIL) ||
  hasErrorCode(err, ErrorNumber.XML_INVALID_SCHEMA);
/** The hypervisor did not answer in time (VIR_ERR_OPERATION_TIMEOUT). */
export const isOperationTimeout = (err: unknown): err is LibvirtError =>
  hasErrorCode(err, ErrorNumber.OPERATION_TIMEOUT);
/** Authentication failed or is not available (VIR_ERR_AUTH_FAILED, _CANCELLED, _UNAVAILABLE). */
export const isAuthFailed = (err: unknown): err is LibvirtError =>
  hasErrorCode(err, ErrorNumber.AUTH_FAILED) ||
  hasErrorCode(err, ErrorNumber.AUTH_CANCELLED) ||
  hasErrorCode(err, ErrorNumber.AUTH_UNAVAILABLE);
/** The device named in a detach is not in the domain (VIR_ERR_DEVICE_MISSING). */
export const isDeviceMissing = (err: unknown): err is LibvirtError =>
  hasErrorCode(err, ErrorNumber.DEVICE_MISSING);
