/** Getting a storage URL and a token for a Swift-v1 target: given, tempauth, or Keystone v3. */
import { request } from 'undici';
import { ServiceSession } from '@kumo/sdk';
import type { ObjectTarget } from './object-args';

export interface Session {
  storageUrl: string;
  token: string;
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
      // the same service-user login the services use (@kumo/sdk), domains by name
      const session = new ServiceSession(
        { authUrl: t.url, username: auth.user, password: auth.password, projectName: auth.project, userDomainName: auth.domain, projectDomainName: auth.domain },
        { timeoutMs: 30_000 },
      );
      try {
        const token = await session.token();
        return { storageUrl: await session.endpoint('object-store', { interface: 'public', region: auth.region }), token };
      } catch (err) {
        throw new Error(`keystone ${t.url} as ${auth.user}/${auth.project}: ${(err as Error).message}`);
      }
    }
  }
}
