import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The upload route: its body is image data, streamed by the handler, never parsed. */
export const UPLOAD_ROUTE = '/v2/images/:id/file';

const SENT_TYPE = Symbol('kumo.image.uploadContentType');

/**
 * Keeps JSON (or any other) body parsing away from image data: for PUT on the upload route the request's
 * Content-Type is put aside and the body is left to the handler, which answers 415 for anything but
 * application/octet-stream as Glance does (a JSON parser would have answered 400 or 413 first).
 */
export function leaveUploadBodiesUnparsed(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (request.method === 'PUT' && request.routeOptions.url === UPLOAD_ROUTE) {
      (request.raw as unknown as Record<symbol, string | undefined>)[SENT_TYPE] = request.headers['content-type'];
      request.headers['content-type'] = 'application/x-kumo-image-data';
    }
    done();
  });
}

/** The Content-Type the client sent with an upload. */
export function uploadContentType(request: FastifyRequest): string | undefined {
  return (request.raw as unknown as Record<symbol, string | undefined>)[SENT_TYPE];
}
