import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '@kumo/common';
import type { TokenValidator } from '@kumo/auth';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '@kumo/common';
import type { DataSource } from 'typeorm';
import type { ImageConfig } from './config';
import { leaveUploadBodiesUnparsed } from './api/images/upload-content-type';
import { ImageModule } from './image.module';
import type { ImageStore } from './drivers/image-store';

/**
 * The image service's HTTP app: Kumo's edge (request ids; the 'glance' fault style, one JSON body for every
 * error, before routing too: `{"error": {message, code, title}}`), a JSON-patch
 * body parser (both media types), and image data left unparsed so PUT /file streams it into the store.
 */
export async function createImageApp(opts: { config: ImageConfig; dataSource: DataSource; store: ImageStore; validator: TokenValidator; logger: Logger }): Promise<NestFastifyApplication> {
  const app = await createHttpApp(ImageModule.register(opts), { service: 'image', faultStyle: 'glance', logger: opts.logger });
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  leaveUploadBodiesUnparsed(fastify);
  fastify.addContentTypeParser(/^application\/openstack-images-v2\.[01]-json-patch/, { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (err) {
      done(Object.assign(new Error(`Malformed JSON patch in request body: ${(err as Error).message}`), { statusCode: 400 }), undefined);
    }
  });
  // image data (and anything else that is not JSON) is not read here: the handler streams or refuses it
  fastify.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
  return app;
}
