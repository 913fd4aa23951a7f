import { InvalidResponse, RequestRefused, ResourceNotFound, UnexpectedStatus } from './errors';

/**
 * The message of an OpenStack fault body: Keystone's and Glance's `{"error": {"message": ...}}`,
 * Nova's and Neutron's `{"<key>": {"message": ...}}`, or the text of an HTML or plain-text body
 * (Swift, webob), cut to 300 characters. Undefined when the body says nothing.
 */
export function faultMessage(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const text = body
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    return text ? text.slice(0, 300) : undefined;
  }
  if (parsed && typeof parsed === 'object') {
    for (const value of Object.values(parsed)) {
      const message = (value as { message?: unknown } | null)?.message;
      if (typeof message === 'string' && message) return message.slice(0, 300);
    }
  }
  return undefined;
}

/**
 * The error for an answer the caller does not expect (the body is read, so the connection is
 * released): ResourceNotFound for 404, RequestRefused for another 4xx, UnexpectedStatus otherwise,
 * each with the fault's message. `what` says what was being done ("image, showing image x").
 */
export async function failure(res: Response, what: string): Promise<UnexpectedStatus> {
  const detail = faultMessage(await res.text().catch(() => ''));
  if (res.status === 404) return new ResourceNotFound(what, detail);
  if (res.status >= 400 && res.status < 500) return new RequestRefused(res.status, what, detail);
  return new UnexpectedStatus(res.status, what, detail);
}

/**
 * The object under `key` of a JSON answer with status `status` (Keystone's `{"project": {...}}`),
 * or the whole body without a key (Glance's image). Throws `failure(...)` for another status and
 * InvalidResponse when the body is not JSON or `key` holds no object.
 */
export async function expectJson<T>(res: Response, status: number, what: string, key?: string): Promise<T> {
  if (res.status !== status) throw await failure(res, what);
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new InvalidResponse(what, 'the answer is not JSON');
  }
  const value = key === undefined ? body : (body as Record<string, unknown> | null)?.[key];
  if (!value || typeof value !== 'object')
    throw new InvalidResponse(
      what,
      key ? `the answer has no "${key}" object` : 'the answer is not a JSON object',
    );
  return value as T;
}

/** Throws `failure(...)` unless the answer has one of `statuses`; its body is discarded. */
export async function expectStatus(res: Response, statuses: number[], what: string): Promise<number> {
  if (!statuses.includes(res.status)) throw await failure(res, what);
  await res.body?.cancel();
  return res.status;
}

/** One path segment (an id a caller passes), percent-encoded. */
export const seg = (value: string): string => encodeURIComponent(value);
