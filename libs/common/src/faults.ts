import { ZodError } from 'zod';
import { KumoError } from './errors';

/**
 * OpenStack error bodies, one style per service family (API-SURFACE.md §0.5). Every renderer
 * returns the Content-Type it needs; Tempest accepts only JSON or text/html|plain.
 */
export type FaultStyle = 'keystone' | 'nova' | 'neutron' | 'glance' | 'swift';

export interface Fault {
  status: number;
  message: string;
  /** Extra details: e.g. a NeutronError type, a retryAfter, WWW-Authenticate. */
  details?: Record<string, unknown>;
  /** The class name of the error (NeutronError "type"). */
  type?: string;
}

export interface RenderedFault {
  status: number;
  contentType: string;
  body: string;
  headers: Record<string, string>;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Requested Range Not Satisfiable',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function statusTitle(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Internal Server Error' : 'Error');
}

const NOVA_KEYS: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

const GENERIC_500 = 'An unexpected error prevented the server from fulfilling your request.';

/** Maps anything thrown to a Fault; `internal` says the message must not reach the client. */
export function toFault(err: unknown): Fault & { internal: boolean } {
  if (err instanceof KumoError) {
    const internal = err.status >= 500 && err.status !== 501 && err.status !== 503 && err.status !== 504;
    return {
      status: err.status,
      message: internal ? GENERIC_500 : err.message,
      details: err.details,
      type: err.name,
      internal,
    };
  }
  if (err instanceof ZodError) {
    return { status: 400, message: zodMessage(err), type: 'HTTPBadRequest', internal: false };
  }
  // Fastify / Nest HTTP errors carry a 4xx statusCode or status (body parse, too large, 404 route)
  const e = err as { statusCode?: number; status?: number; getStatus?: () => number; message?: string; code?: string };
  const status = typeof e?.getStatus === 'function' ? e.getStatus() : (e?.statusCode ?? e?.status);
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, message: frameworkMessage(status, e), type: e.code, internal: false };
  }
  return { status: 500, message: GENERIC_500, internal: true };
}

function frameworkMessage(status: number, e: { message?: string; code?: string }): string {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'Request Entity Too Large: the request body is larger than the limit.';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported Content-Type: send application/json.';
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'The request body length does not match Content-Length.';
    case 'FST_ERR_BAD_URL':
      return "The request path is not a valid URL: each '%' must start a %XX escape of UTF-8 text.";
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return 'Request-URI Too Long: a path segment is longer than the server accepts.';
    case 'FST_ERR_CTP_INVALID_TYPE':
    case 'FST_ERR_CTP_EMPTY_TYPE':
      return 'The Content-Type header is not valid.';
  }
  if (e.code?.startsWith('FST_ERR_') && status === 400) return 'The request is not valid.';
  if (status === 404) return 'The resource could not be found.';
  if (status === 405) return 'The method is not allowed for this resource.';
  if (e.message && /JSON/i.test(e.message)) return `Malformed request body: ${e.message}`;
  return e.message && e.message.length < 300 ? e.message : statusTitle(status);
}

export function zodMessage(err: ZodError): string {
  const issue = err.issues[0];
  const path = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    return `Invalid input for field${path ? ` '${path}'` : ''}: unknown key(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}.`;
  }
  return path ? `Invalid input for field '${path}': ${issue.message}.` : `Invalid input: ${issue.message}.`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Keystone refuses a body that is not JSON with a 400 ValidationError (keystone/server/flask/request_processing/json_body.py). */
const KEYSTONE_NOT_JSON =
  'Expecting to find application/json in Content-Type header. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.';

/**
 * The fault a style answers instead of the one raised: Keystone has no 415 (Fastify's
 * FST_ERR_CTP_INVALID_MEDIA_TYPE, which Nest hands over as a plain 415, is its 400 ValidationError).
 */
function styled(style: FaultStyle, fault: Fault): Fault {
  if (style === 'keystone' && fault.status === 415) return { ...fault, status: 400, message: KEYSTONE_NOT_JSON };
  return fault;
}

/** Renders a fault in the given service's style (the one place that decides a fault's status and body). `_accept` (the request's Accept header) is no longer used: Glance's style is JSON always. */
export function renderFault(style: FaultStyle, raised: Fault, _accept?: string): RenderedFault {
  const fault = styled(style, raised);
  const { status, message } = fault;
  const title = statusTitle(status);
  const headers: Record<string, string> = {};
  const www = fault.details?.wwwAuthenticate;
  if (status === 401 && typeof www === 'string') headers['www-authenticate'] = www;
  const retryAfter = fault.details?.retryAfter;
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  const json = (body: unknown): RenderedFault => ({
    status,
    contentType: 'application/json',
    body: JSON.stringify(body),
    headers,
  });
  switch (style) {
    case 'keystone':
      return json({ error: { code: status, title, message } });
    case 'nova': {
      // nova/api/openstack/wsgi.py Fault: a status without a name of its own (406, 408, 414, 422, 500...) is a computeFault
      const key = NOVA_KEYS[status] ?? 'computeFault';
      const body: Record<string, unknown> = { code: status, message };
      if (key === 'overLimit' && retryAfter !== undefined) body.retryAfter = String(retryAfter);
      return json({ [key]: body });
    }
    case 'neutron':
      return json({
        NeutronError: {
          type: (fault.details?.type as string) ?? fault.type ?? title.replace(/ /g, ''),
          message,
          detail: '',
        },
      });
    case 'glance':
      // Glance's own JSON fault wrapped in one key, whatever the Accept header: glanceclient reads
      // `value.message` of every top-level value, openstacksdk reads either (docs/image.md)
      return json({ error: { message, code: `${status} ${title}`, title } });
    case 'swift':
      return {
        status,
        contentType: 'text/html; charset=UTF-8',
        body: `<html><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></html>`,
        headers,
      };
  }
}
