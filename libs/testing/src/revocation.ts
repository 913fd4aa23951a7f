import { randomBytes } from 'node:crypto';
import { openrc, openstack } from './cli';

/**
 * The system-tier revocation cases every token-validating service runs against the running stack
 * (apps/<service>/test/system/revocation.sys-spec.ts calls `itRefusesRevokedTokens` with its
 * route): for each way a token stops being valid (`openstack token revoke`, its user disabled, its
 * project deleted, its role removed) the service answers the token with a 2xx first (the
 * validation is cached), then refuses it (401) within 1 s of identity's answer to the revocation.
 */

/** What the token's holder gets from the service: the HTTP status of one request. */
export type RevocationProbe = (token: string, projectId: string) => Promise<number>;

export const REFUSED_WITHIN_MS = 1_000;

const adminRc = () => openrc('admin');

/** fetch that retries a refused connection for a few seconds (other engineers restart services). */
export async function fetchRetrying(url: string, init: RequestInit = {}): Promise<Response> {
  for (let i = 0; ; i++) {
    try {
      return await fetch(url, init);
    } catch (err) {
      if (i >= 40) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

interface Victim {
  userId: string;
  projectId: string;
  roleId: string;
  password: string;
  token: string;
}

/** Identity as the stack's admin: creates and removes the victims. */
class Identity {
  readonly rc = adminRc();
  readonly base = this.rc.OS_AUTH_URL.replace(/\/v3\/?$/, '');
  private adminToken?: string;

  async token(): Promise<string> {
    this.adminToken ??= await this.issue(this.rc.OS_USERNAME, this.rc.OS_PASSWORD, {
      name: this.rc.OS_PROJECT_NAME,
      domain: { name: 'Default' },
    });
    return this.adminToken;
  }

  async issue(user: string, password: string, project: Record<string, unknown>): Promise<string> {
    const res = await fetchRetrying(`${this.base}/v3/auth/tokens?nocatalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: user, domain: { name: 'Default' }, password } },
          },
          scope: { project },
        },
      }),
    });
    if (res.status !== 201)
      throw new Error(`identity refused a token for ${user}: ${res.status} ${await res.text()}`);
    return res.headers.get('x-subject-token')!;
  }

  async call(method: string, path: string, body?: unknown): Promise<Response> {
    return fetchRetrying(`${this.base}${path}`, {
      method,
      headers: {
        'x-auth-token': await this.token(),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  }

  async json<T>(method: string, path: string, body: unknown, expected: number): Promise<T> {
    const res = await this.call(method, path, body);
    if (res.status !== expected) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** A fresh project, a user in it holding member there (only that), and the user's token on it. */
  async victim(label: string): Promise<Victim> {
    const name = `revoke-${label}-${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    const { project } = await this.json<{ project: { id: string } }>(
      'POST',
      '/v3/projects',
      { project: { name, domain_id: 'default' } },
      201,
    );
    const { user } = await this.json<{ user: { id: string } }>(
      'POST',
      '/v3/users',
      { user: { name, password, domain_id: 'default', default_project_id: project.id } },
      201,
    );
    const { roles } = await this.json<{ roles: Array<{ id: string }> }>(
      'GET',
      '/v3/roles?name=member',
      undefined,
      200,
    );
    const grant = await this.call('PUT', `/v3/projects/${project.id}/users/${user.id}/roles/${roles[0].id}`);
    if (grant.status !== 204) throw new Error(`granting member: ${grant.status}`);
    const token = await this.issue(name, password, { id: project.id });
    return { userId: user.id, projectId: project.id, roleId: roles[0].id, password, token };
  }

  async remove(v: Victim): Promise<void> {
    await this.call('DELETE', `/v3/users/${v.userId}`);
    await this.call('DELETE', `/v3/projects/${v.projectId}`);
  }
}

type Way = (id: Identity, v: Victim) => Promise<void>;

const WAYS: Array<[string, Way]> = [
  [
    'openstack token revoke',
    async (id, v) => {
      const r = await openstack(['token', 'revoke', v.token], id.rc);
      if (r.code !== 0) throw new Error(`openstack token revoke failed: ${r.stderr}`);
    },
  ],
  [
    'disabling its user',
    async (id, v) => {
      await id.json('PATCH', `/v3/users/${v.userId}`, { user: { enabled: false } }, 200);
    },
  ],
  [
    'deleting its project',
    async (id, v) => {
      const res = await id.call('DELETE', `/v3/projects/${v.projectId}`);
      if (res.status !== 204) throw new Error(`DELETE project: ${res.status}`);
    },
  ],
  [
    'removing its role on the project',
    async (id, v) => {
      const res = await id.call('DELETE', `/v3/projects/${v.projectId}/users/${v.userId}/roles/${v.roleId}`);
      if (res.status !== 204) throw new Error(`DELETE role assignment: ${res.status}`);
    },
  ],
];

/** Polls the probe until it answers 401 or the time is up; returns the last status and the time it took. */
async function untilRefused(
  probe: () => Promise<number>,
  withinMs: number,
): Promise<{ status: number; ms: number }> {
  const started = Date.now();
  for (;;) {
    const status = await probe();
    const ms = Date.now() - started;
    if (status === 401 || ms > withinMs) return { status, ms };
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface RevocationOutcome {
  /** The two answers before the revocation (the first validates with identity, the second is cached). */
  before: number[];
  /** The first 401 after the revocation, or the last answer when none came within the limit. */
  after: number;
  /** Whether `after` came within REFUSED_WITHIN_MS of identity's answer to the revocation. */
  inTime: boolean;
}

/** The running stack, as the suite needs it: `run(way, probe)` plays one case; `cleanup()` removes what it made. */
export class RevocationStack {
  private readonly identity = new Identity();
  private readonly victims: Victim[] = [];

  async run(way: string, probe: RevocationProbe): Promise<RevocationOutcome> {
    const revoke = WAYS.find(([name]) => name === way)?.[1];
    if (!revoke) throw new Error(`unknown way ${way}`);
    const v = await this.identity.victim(way.split(' ')[0]);
    this.victims.push(v);
    const before = [await probe(v.token, v.projectId), await probe(v.token, v.projectId)];
    await revoke(this.identity, v);
    const { status, ms } = await untilRefused(() => probe(v.token, v.projectId), REFUSED_WITHIN_MS);
    return { before, after: status, inTime: ms <= REFUSED_WITHIN_MS };
  }

  async cleanup(): Promise<void> {
    for (const v of this.victims.splice(0)) await this.identity.remove(v);
  }
}

/** The ways a token stops being valid, for `it.each`. */
export const REVOCATION_WAYS: string[] = WAYS.map(([name]) => name);

/** What every case must give (with the service's 2xx twice before: validated, then cached). */
export const REFUSED_IN_TIME: Omit<RevocationOutcome, 'before'> = { after: 401, inTime: true };

/**
 * One `it` per way a token stops being valid (inside the caller's `describe`): the holder's
 * `GET url(projectId)` answers `okStatus` twice (validated, then cached), then 401 within
 * REFUSED_WITHIN_MS of identity's answer to the revocation. What the cases made is removed after.
 */
export function itRefusesRevokedTokens(url: (projectId: string) => string, okStatus: number): void {
  const stack = new RevocationStack();
  afterAll(() => stack.cleanup());
  it.each(REVOCATION_WAYS)('by %s', async (way) => {
    const outcome = await stack.run(way, async (token, projectId) => {
      const res = await fetchRetrying(url(projectId), { headers: { 'x-auth-token': token } });
      await res.arrayBuffer();
      return res.status;
    });
    expect(outcome).toEqual({ ...REFUSED_IN_TIME, before: [okStatus, okStatus] });
  });
}
