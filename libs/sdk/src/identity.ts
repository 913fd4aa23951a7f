import { CatalogEntry, catalogEndpoint, EndpointQuery } from './catalog';
import { InvalidResponse, UnexpectedStatus } from './errors';
import { expectJson, seg } from './http';
import type { ServiceSession } from './session';

/** A name with its id, as Keystone nests them (`{"id": ..., "name": ...}`). */
export interface NamedRef {
  id: string;
  name?: string;
  domain?: { id: string; name?: string };
}

/** The body of `GET /v3/auth/tokens` (Keystone's names; what a service reads of it). */
export interface TokenBody {
  token: {
    methods: string[];
    user: {
      id: string;
      name: string;
      domain: { id: string; name: string };
      password_expires_at?: string | null;
    };
    audit_ids: string[];
    expires_at: string;
    issued_at: string;
    project?: { id: string; name: string; domain: { id: string; name: string } };
    domain?: { id: string; name: string };
    system?: { all: boolean };
    roles?: Array<{ id: string; name: string }>;
    is_domain?: boolean;
    application_credential?: { id: string; name: string; restricted: boolean };
    catalog?: CatalogEntry[];
  };
}

/** `GET /v3/projects/{id}`. */
export interface Project {
  id: string;
  name: string;
  domain_id: string;
  enabled: boolean;
  description?: string;
  parent_id?: string | null;
  is_domain?: boolean;
  tags?: string[];
}

/** `GET /v3/users/{id}`. */
export interface User {
  id: string;
  name: string;
  domain_id: string;
  enabled: boolean;
  default_project_id?: string;
  description?: string;
  email?: string;
  password_expires_at?: string | null;
}

/** One entry of `GET /v3/role_assignments`. */
export interface RoleAssignment {
  role: NamedRef;
  user?: NamedRef;
  group?: NamedRef;
  scope: {
    project?: NamedRef;
    domain?: NamedRef;
    system?: { all: boolean };
    'OS-INHERIT:inherited_to'?: string;
  };
  links: { assignment: string; membership?: string; prior_role?: string };
}

/** The filters of `GET /v3/role_assignments`; `effective` expands groups and implied roles, as Keystone does. */
export interface RoleAssignmentFilter {
  userId?: string;
  groupId?: string;
  roleId?: string;
  projectId?: string;
  domainId?: string;
  system?: boolean;
  effective?: boolean;
  includeNames?: boolean;
}

/**
 * Identity (Keystone v3) as a service calls it, with the session's token: token validation, the
 * project and the user behind an id, what roles a user holds on a project, and the catalog.
 * Errors: ResourceNotFound (404; `isNotFound(err)`), RequestRefused (another 4xx, e.g. 403 when
 * the session's user may not read it), UnexpectedStatus, InvalidResponse, ServiceUnreachable,
 * LoginFailed.
 */
export class IdentityClient {
  constructor(private readonly session: ServiceSession) {}

  /**
   * Validates another token, as keystonemiddleware does: GET /v3/auth/tokens?nocatalog with the
   * session's token in X-Auth-Token and `subject` in X-Subject-Token. Resolves to the token body,
   * or to null when identity says the token is not valid (404, or 401 with a fresh session token).
   * Throws ServiceUnreachable, LoginFailed, InvalidResponse (a 200 without a `token` object), or
   * UnexpectedStatus for any other answer.
   */
  async validateToken(subject: string): Promise<TokenBody | null> {
    const what = 'identity, validating a token';
    const res = await this.session.authorizedFetch(`${this.session.identityUrl}/auth/tokens?nocatalog`, {
      headers: { 'x-subject-token': subject, accept: 'application/json' },
    });
    if (res.status === 404 || res.status === 401) {
      await res.body?.cancel();
      return null;
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new UnexpectedStatus(res.status, what);
    }
    // (the caller checks the token's fields: libs/auth's authContextFromTokenBody)
    return { token: await expectJson<TokenBody['token']>(res, 200, what, 'token') };
  }

  /** The project with this id (GET /v3/projects/{id}). */
  async project(id: string): Promise<Project> {
    return this.get<Project>(`/projects/${seg(id)}`, 'project', `identity, showing project ${id}`);
  }

  /** The user with this id (GET /v3/users/{id}). */
  async user(id: string): Promise<User> {
    return this.get<User>(`/users/${seg(id)}`, 'user', `identity, showing user ${id}`);
  }

  /** GET /v3/role_assignments with the filters given. */
  async roleAssignments(filter: RoleAssignmentFilter = {}): Promise<RoleAssignment[]> {
    const q = new URLSearchParams();
    const set = (key: string, value: string | undefined) => value !== undefined && q.set(key, value);
    set('user.id', filter.userId);
    set('group.id', filter.groupId);
    set('role.id', filter.roleId);
    set('scope.project.id', filter.projectId);
    set('scope.domain.id', filter.domainId);
    if (filter.system) q.set('scope.system', 'all');
    if (filter.effective) q.set('effective', '');
    if (filter.includeNames) q.set('include_names', '');
    const query = q.toString().replace(/=(&|$)/g, '$1');
    const list = await this.get<unknown>(
      `/role_assignments${query ? `?${query}` : ''}`,
      'role_assignments',
      'identity, listing role assignments',
      true,
    );
    if (!Array.isArray(list))
      throw new InvalidResponse('identity, listing role assignments', 'role_assignments is not a list');
    return list as RoleAssignment[];
  }

  /**
   * The names of the roles `userId` holds on `projectId`, effective as in a token (direct grants,
   * grants to the user's groups, and the roles those imply), sorted and each once.
   */
  async projectRoles(userId: string, projectId: string): Promise<string[]> {
    const assignments = await this.roleAssignments({
      userId,
      projectId,
      effective: true,
      includeNames: true,
    });
    return [...new Set(assignments.map((a) => a.role.name).filter((n): n is string => !!n))].sort();
  }

  /** Whether `userId` holds the role named `role` on `projectId` (effective, as `projectRoles`). */
  async hasProjectRole(userId: string, projectId: string, role: string): Promise<boolean> {
    return (await this.projectRoles(userId, projectId)).includes(role);
  }

  /** The catalog of the session's token, read now from identity (GET /v3/auth/catalog): what is deployed at this moment. */
  async catalog(): Promise<CatalogEntry[]> {
    const list = await this.get<unknown>('/auth/catalog', 'catalog', 'identity, reading the catalog', true);
    if (!Array.isArray(list))
      throw new InvalidResponse('identity, reading the catalog', 'catalog is not a list');
    return list as CatalogEntry[];
  }

  /**
   * The URL of the endpoint of service `type` (interface, region) in the catalog identity has now
   * (a session logged in without a catalog, or one that must see a service registered since its
   * login). Throws EndpointNotFound naming what is missing.
   */
  async endpoint(type: string, q: EndpointQuery = {}): Promise<string> {
    return catalogEndpoint(await this.catalog(), type, q);
  }

  private async get<T>(path: string, key: string, what: string, list = false): Promise<T> {
    const res = await this.session.authorizedFetch(`${this.session.identityUrl}${path}`, {
      headers: { accept: 'application/json' },
    });
    if (!list) return expectJson<T>(res, 200, what, key);
    const body = await expectJson<Record<string, unknown>>(res, 200, what);
    return body[key] as T;
  }
}
