import { existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import { Logger, NotFound, sendFault, ServiceUnavailable } from '@kumo/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Paths the server answers itself: never the app's page. */
const SERVER_PATHS = /^\/(api|auth|events|healthcheck)(\/|$)/;

/** Who may run code in the page, load from where: only this origin, no frames, no inline script. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/**
 * The file of `root` a GET path names (`/assets/x.js`), `index.html` for a page of the app (a
 * path without an extension: the app routes it), or undefined (a missing file, a path out of root).
 */
export function resolveWebPath(root: string, urlPath: string): { file: string; asset: boolean } | undefined {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  const rel = normalize(path).replace(/^([/\\])+/, '');
  if (rel.split(sep).includes('..')) return undefined;
  if (rel && extname(rel)) {
    const full = join(root, rel);
    return existsSync(full) && statSync(full).isFile() ? { file: rel, asset: rel.startsWith(`assets${sep}`) } : undefined;
  }
  return { file: 'index.html', asset: false };
}

/**
 * Serves the built app from `root` (Vite's output): hashed files under /assets/ cached for a
 * year, index.html for the app's pages (not cached: a new build is picked up at once). Every
 * answer carries the CSP and nosniff headers.
 */
export async function registerWebApp(fastify: FastifyInstance, root: string, logger: Logger): Promise<void> {
  await fastify.register(fastifyStatic, { root, serve: false });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      reply.header('x-frame-options', 'DENY');
    }
    done(null, payload);
  });
  const page = (request: FastifyRequest, reply: FastifyReply) => {
    const fail = (err: unknown) => sendFault('keystone', logger, err, request, reply);
    if (SERVER_PATHS.test(request.url)) return fail(new NotFound('The resource could not be found.'));
    const hit = resolveWebPath(root, request.url);
    if (!hit) return fail(new NotFound(`${request.url.split('?')[0]} is not a file of the dashboard.`));
    if (hit.file === 'index.html' && !existsSync(join(root, 'index.html'))) {
      return fail(new ServiceUnavailable(`The dashboard's app is not built (no ${join(root, 'index.html')}): run pnpm --filter @kumo/dashboard build:web.`));
    }
    return hit.asset ? reply.sendFile(hit.file, { maxAge: 365 * 24 * 3600 * 1000, immutable: true }) : reply.sendFile(hit.file, { cacheControl: false }).header('cache-control', 'no-cache');
  };
  fastify.get('/', page);
  fastify.get('/*', page);
}
