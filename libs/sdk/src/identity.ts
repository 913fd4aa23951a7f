import { UnexpectedStatus } from './errors';
import type { ServiceSession } from './session';

/** Identity (Keystone v3) as a service calls it. */
export class IdentityClient {
  constructor(private readonly session: ServiceSession) {}

  /**
   * Validates another token, as keystonemiddleware does: GET /v3/auth/tokens?nocatalog with the
   * session's token in X-Auth-Token and `subject` in X-Subject-Token. Resolves to the token body,
   * or to null when identity says the token is not valid (404, or 401 with a fresh session token).
   * Throws ServiceUnreachable, LoginFailed, or UnexpectedStatus for any other answer.
   */
  async validateToken(subject: string): Promise<unknown> {
    const res = await this.session.authorizedFetch(`${this.session.identityUrl}/auth/tokens?nocatalog`, {
      headers: { 'x-subject-token': subject, accept: 'application/json' },
    });
    if (res.status === 200) return res.json();
    await res.body?.cancel();
    if (res.status === 404 || res.status === 401) return null;
    throw new UnexpectedStatus(res.status, 'identity, validating a token');
  }
}
