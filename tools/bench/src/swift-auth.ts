/** Getting a storage URL and a token for a Swift-v1 target: given, tempauth, or Keystone v3. */
import { request } from 'undici';
import type { ObjectTarget } from './object-args';

export interface Session {
  storageUrl: string;
  token: string;
}

interface CatalogEntry {
  type?: string;
  endpoints?: { interface?: string; region?: string; region_id?: string; url?: string }[];
}

/**
 * The public object-store endpoint of a Keystone v3 token body (`{"token": {"catalog": [...]}}`),
 * in `region` when given. Throws when there is none.
 */
export function objectStoreUrl(tokenBody: unknown, region?: string): string {
  const catalog = (tokenBody as { token?: { catalog?: CatalogEntry[] } })?.token?.catalog;
  if (!Array.isArray(catalog)) throw new Error('the token has no catalog');
  const services = catalog.filter((s) => s.type === 'object-store');
  if (services.length === 0) throw new Error('the catalog has no object-store service');
  const endpoints = services.flatMap((s) => s.endpoints ?? []);
  const fit = endpoints.find(
    (e) => e.interface === 'public' && e.url && (!region || e.region === region || e.region_id === region),
  );
  if (!fit?.url)
    throw new Error(`the object-store service has no public endpoint${region ? ` in region ${region}` : ''}`);
  return fit.url.replace(/\/+$/, '');
}

/** Authenticates against the target as its URL says; never retries (the caller does). */
export async function authenticate(t: ObjectTarget): Promise<Session> {
  const auth = t.auth;
  switch (auth.kind) {
    case 'token':
      return { storageUrl: t.url, token: auth.token };
    case 'tempauth': {
      const res = await request(t.url, {
        method: 'GET',
        headers: { 'x-auth-user': auth.user, 'x-auth-key': auth.key },
      });
      await res.body.dump();
      const token = res.headers['x-auth-token'] ?? res.headers['x-storage-token'];
      const storageUrl = res.headers['x-storage-url'];
      if (res.statusCode >= 300 || typeof token !== 'string' || typeof storageUrl !== 'string')
        throw new Error(`tempauth ${t.url} as ${auth.user}: HTTP ${res.statusCode}`);
      return { storageUrl: storageUrl.replace(/\/+$/, ''), token };
    }
    case 'keystone': {
      const body = {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: auth.user, domain: { name: auth.domain }, password: auth.password } },
          },
          scope: { project: { name: auth.project, domain: { name: auth.domain } } },
        },
      };
      const res = await request(`${t.url}/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json: unknown = await res.body.json().catch(() => undefined);
      const token = res.headers['x-subject-token'];
      if (res.statusCode !== 201 || typeof token !== 'string')
        throw new Error(`keystone ${t.url} as ${auth.user}/${auth.project}: HTTP ${res.statusCode}`);
      return { storageUrl: objectStoreUrl(json, auth.region), token };
    }
  }
}
