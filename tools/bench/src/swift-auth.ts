/** Getting a storage URL and a token for a Swift-v1 target: given, tempauth, or Keystone v3. */
import { request } from 'undici';
import { fixedObjectAuth, ObjectAuth, ServiceSession, sessionObjectAuth } from '@kumo/sdk';
import type { ObjectTarget } from './object-args';

export interface Session {
  storageUrl: string;
  token: string;
}

/** Authenticates against the target as its URL says; never retries (the caller does). */
export async function authenticate(t: ObjectTarget): Promise<Session> {
  const auth = await objectAuth(t);
  try {
    return await auth.current();
  } catch (err) {
    if (t.auth.kind !== 'keystone') throw err;
    throw new Error(`keystone ${t.url} as ${t.auth.user}/${t.auth.project}: ${(err as Error).message}`);
  }
}

/**
 * The target's credentials as @kumo/sdk's ObjectClient takes them: a given token, a tempauth login
 * (done here, once), or a Keystone v3 service session (the same login the services use, domains by
 * name; the catalog's public object-store endpoint, in the target's region when it names one).
 */
export async function objectAuth(t: ObjectTarget): Promise<ObjectAuth> {
  const auth = t.auth;
  switch (auth.kind) {
    case 'token':
      return fixedObjectAuth(t.url, auth.token);
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
      return fixedObjectAuth(storageUrl, token);
    }
    case 'keystone': {
      const session = new ServiceSession(
        {
          authUrl: t.url,
          username: auth.user,
          password: auth.password,
          projectName: auth.project,
          userDomainName: auth.domain,
          projectDomainName: auth.domain,
        },
        { timeoutMs: 30_000 },
      );
      return sessionObjectAuth(session, { interface: 'public', region: auth.region });
    }
  }
}
