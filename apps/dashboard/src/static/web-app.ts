import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { Logger, NotFound, sendFault, ServiceUnavailable } from '@kumo/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONTENT_SECURITY_POLICY, resolveWebPath, SERVER_PATHS } from './web-path';

// (@fastify/static needs Node's require() of ES modules: jest cannot load this file, web-path.ts has the logic)

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
