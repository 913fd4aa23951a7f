import { ScopeType } from '../../src/services/token-codec';
import { TokenProvider } from '../../src/services/token-provider';
import { IdentityTestApp } from './app';

/** Shared steps of the resource API tests (domains, projects, users, groups, roles, grants, catalog, app creds). */

/** True when identity still accepts the token (TokenProvider.validate: signature, expiry, revocation, state). */
export async function isValid(t: IdentityTestApp, token: string): Promise<boolean> {
  return t.app
    .get(TokenProvider)
    .validate(token)
    .then(
      () => true,
      () => false,
    );
}

/** Issues a token without a password (the user must have a role on the scope). */
export async function issueToken(t: IdentityTestApp, userId: string, scope?: { type: ScopeType; id: string }): Promise<string> {
  return (await t.app.get(TokenProvider).issue({ userId, methods: ['password'], scope })).token;
}

/** The id of the only entity of a collection with that name (`GET /v3/<collection>?name=`). */
export async function idOf(t: IdentityTestApp, collection: string, name: string): Promise<string> {
  const res = await t.inject('GET', `/v3/${collection}?name=${encodeURIComponent(name)}`, { token: await t.adminToken() });
  const items = res.json?.[collection] as Array<{ id: string }> | undefined;
  if (res.status !== 200 || items?.length !== 1) throw new Error(`${collection} named ${name}: ${res.status} ${res.body}`);
  return items[0].id;
}

/** How many entities a collection lists (as admin). */
export async function count(t: IdentityTestApp, collection: string): Promise<number> {
  const res = await t.inject('GET', `/v3/${collection}`, { token: await t.adminToken() });
  if (res.status !== 200) throw new Error(`list ${collection}: ${res.status} ${res.body}`);
  return (res.json[collection] as unknown[]).length;
}

/** POSTs a body as admin and returns the created entity; throws unless 201. */
export async function create<T = Record<string, unknown> & { id: string }>(t: IdentityTestApp, collection: string, member: string, attrs: Record<string, unknown>): Promise<T> {
  const res = await t.inject('POST', `/v3/${collection}`, { token: await t.adminToken(), body: { [member]: attrs } });
  if (res.status !== 201) throw new Error(`create ${member}: ${res.status} ${res.body}`);
  return res.json[member] as T;
}

/** Keystone's error body. */
export function keystoneError(code: number, title: string, message?: string): unknown {
  return { error: { code, title, message: message ?? expect.any(String) } };
}

export const URL_BASE = 'http://127.0.0.1:5000/v3';
export const HEX32 = /^[0-9a-f]{32}$/;
