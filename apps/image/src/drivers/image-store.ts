import type { Readable } from 'node:stream';

/**
 * Where an image's bytes live (a driver: no database, no Nest). Implementations never leave partial
 * data behind when `put` fails. The abstract class doubles as the DI token.
 */
export abstract class ImageStore {
  /** The name `image.store` selects it by (drivers/store-registry.ts), shown by `/v2/info/stores`. */
  abstract readonly name: string;
  /** What `/v2/info/stores` says of it. */
  abstract readonly description: string;
  /**
   * Streams the body into the store; resolves with the location once everything is durable. `size`
   * is the upload's declared length when it has one (a body of another length fails, BadRequest).
   */
  abstract put(imageId: string, body: Readable, size?: number): Promise<string>;
  /** The bytes start..end (inclusive) or all of them; DataMissing when the store lost them. */
  abstract get(location: string, range?: { start: number; end: number }): Promise<Readable>;
  /** Removes the data (nothing to remove is fine). */
  abstract delete(location: string): Promise<void>;
}

/** The store has no data at a location the database points to. */
export class DataMissing extends Error {}
