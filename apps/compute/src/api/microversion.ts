import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadRequest, NotAcceptable } from '@kumo/common';

/**
 * Nova's microversions (nova/api/openstack/api_version_request.py and wsgi.py): the request's
 * version comes from `OpenStack-API-Version: compute X.Y` (the last entry naming compute, as
 * microversion_parse reads a folded header), else `X-OpenStack-Nova-API-Version: X.Y` (its last
 * value), else the minimum; `latest` is the maximum. A malformed version is a 400, one outside
 * [MIN, MAX] a 406; every answer under /v2.1 echoes the version in both headers with `Vary`.
 *
 * MAX_VERSION is the highest version whose response shapes (of every microversion up to it, for
 * every resource the clients touch) Kumo implements: openstacksdk negotiates min(its resource
 * maximum, ours) and Tempest's schemas are closed (API-SURFACE.md §2.1). 2.6 (docs/compute.md,
 * "Microversions"): 2.2 key pair `type` and create 201 / delete 204, 2.3 the admin server view's
 * extended attributes, 2.4 os-fixed-ips only (not served), 2.5 `ip6` for non-admins, 2.6
 * remote-consoles (and the os-get*Console actions gone).
 */
export const MIN_VERSION = '2.1';
export const MAX_VERSION = '2.6';

export class ApiVersion {
  constructor(
    readonly major: number,
    readonly minor: number,
  ) {}

  /** Parses `X.Y` as Nova does (`^([1-9]\d*)\.([1-9]\d*|0)$`); throws the 400 Nova answers. */
  static parse(text: string): ApiVersion {
    const m = /^([1-9]\d*)\.([1-9]\d*|0)$/.exec(text);
    if (!m || m[1].length > 6 || m[2].length > 6) {
      throw new BadRequest(`API Version String ${text} is of invalid format. Must be of format MajorNum.MinorNum.`);
    }
    return new ApiVersion(Number(m[1]), Number(m[2]));
  }

  compare(other: ApiVersion): number {
    return this.major - other.major || this.minor - other.minor;
  }

  /** Whether this request's version is `version` or later (`api_version_request.is_supported`). */
  atLeast(version: string): boolean {
    return this.compare(ApiVersion.parse(version)) >= 0;
  }

  toString(): string {
    return `${this.major}.${this.minor}`;
  }
}

const MIN = ApiVersion.parse(MIN_VERSION);
const MAX = ApiVersion.parse(MAX_VERSION);

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** The version string the headers ask for (`latest` included), or undefined (microversion_parse.get_version). */
export function requestedVersionString(headers: Record<string, string | string[] | undefined>): string | undefined {
  const standard = headerText(headers['openstack-api-version']);
  if (standard !== undefined) {
    for (const entry of standard.split(',').reverse()) {
      const m = /^\s*(\S+)\s+(.+?)\s*$/.exec(entry);
      if (m && m[1].toLowerCase() === 'compute') return m[2];
    }
  }
  const legacy = headerText(headers['x-openstack-nova-api-version']);
  if (legacy !== undefined) return legacy.split(',').pop()!.trim();
  return undefined;
}

/** The version a request is served at; throws 400 (malformed) or 406 (outside MIN..MAX). */
export function negotiateVersion(headers: Record<string, string | string[] | undefined>): ApiVersion {
  const asked = requestedVersionString(headers);
  if (asked === undefined) return MIN;
  if (asked === 'latest') return MAX;
  const v = ApiVersion.parse(asked);
  if (v.compare(MIN) < 0 || v.compare(MAX) > 0) {
    throw new NotAcceptable(`Version ${v} is not supported by the API. Minimum is ${MIN} and maximum is ${MAX}.`);
  }
  return v;
}

type VersionedRequest = FastifyRequest & { apiVersion?: ApiVersion };

/** Whether a path is under the v2.1 API (where Nova negotiates microversions); `/` and `/v2` are not. */
export function isVersionedPath(path: string): boolean {
  return path === '/v2.1' || path.startsWith('/v2.1/');
}

/**
 * The Fastify hook: negotiates every request under /v2.1 before anything else (auth, body) and
 * puts the version headers on the reply, so that errors carry them too.
 */
export function installMicroversions(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!isVersionedPath(request.url.split('?')[0])) return;
    const version = negotiateVersion(request.headers);
    (request as VersionedRequest).apiVersion = version;
    reply.header('openstack-api-version', `compute ${version}`);
    reply.header('x-openstack-nova-api-version', String(version));
    reply.header('vary', 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
  });
}

/** The request's negotiated version (routes under /v2.1). */
export const RequestVersion = createParamDecorator((_data: unknown, ctx: ExecutionContext): ApiVersion => {
  return ctx.switchToHttp().getRequest<VersionedRequest>().apiVersion ?? MIN;
});
