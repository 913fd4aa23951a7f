import { Inject, Injectable } from '@nestjs/common';
import { IDENTITY_CONFIG, IdentityConfig } from '../config';

export type Json = Record<string, unknown>;

/** The identity API's links: `links.self` of every entity and list (Keystone v3 JSON; each resource's view is in its folder). */
@Injectable()
export class ApiLinks {
  private readonly base: string;

  constructor(@Inject(IDENTITY_CONFIG) config: IdentityConfig) {
    this.base = `${config.identity.public_url.replace(/\/+$/, '')}/v3`;
  }

  url(path: string): string {
    return `${this.base}/${path}`;
  }

  /** `{"<key>": [...], "links": {self, previous, next}}` */
  list(key: string, items: Json[], selfPath: string): Json {
    return { [key]: items, links: { self: this.url(selfPath), previous: null, next: null } };
  }
}
