import { Injectable } from '@nestjs/common';
import { BadRequest, NotFound, Unauthorized } from '@kumo/common';
import { AuthContext, PolicyEnforcer } from '@kumo/auth';
import { GroupEntity, UserEntity } from '../db/entities';
import { ResourceRepository } from '../db/repositories/resource.repository';
import { DEFAULT_DOMAIN_ID } from './bootstrap.service';
import { ChangeFeed } from './events';
import { LockoutService } from './lockout.service';
import { given, newId, PasswordHasher } from './primitives';
import { RevocationService } from './revocation.service';

/** Attributes a user body may carry that map to columns; anything else is kept in `extra`. */
const MODELLED = new Set(['id', 'name', 'domain_id', 'password', 'default_project_id', 'enabled', 'description', 'email', 'options', 'links', 'federated', 'password_expires_at']);

export type UserInput = Record<string, unknown> & {
  id?: unknown;
  name?: string;
  domain_id?: string;
  password?: string | null;
  default_project_id?: string | null;
  enabled?: boolean;
  description?: string | null;
  email?: string | null;
  options?: Record<string, unknown>;
};

/** Keystone sets the options given and removes those set to null. */
function mergeOptions(current: Record<string, unknown>, given: Record<string, unknown>): Record<string, unknown> {
  const out = { ...current, ...given };
  for (const [k, v] of Object.entries(given)) if (v === null) delete out[k];
  return out;
}

function extraOf(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([k]) => !MODELLED.has(k)));
}

/**
 * Users and their passwords (bcrypt, never returned). A new password or disabling the user
 * revokes every token the user holds.
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly repo: ResourceRepository,
    private readonly hasher: PasswordHasher,
    private readonly policy: PolicyEnforcer,
    private readonly revocations: RevocationService,
    private readonly changes: ChangeFeed,
    private readonly lockout: LockoutService,
  ) {}

  async get(auth: AuthContext, id: string): Promise<UserEntity> {
    this.policy.enforce('identity:get_user', auth, { user_id: id });
    return this.find(id);
  }

  async list(auth: AuthContext, f: { name?: string; domain_id?: string; enabled?: boolean }): Promise<UserEntity[]> {
    this.policy.enforce('identity:list_users', auth);
    return this.repo.listUsers(given({ name: f.name, domainId: f.domain_id, enabled: f.enabled }));
  }

  async create(auth: AuthContext, input: UserInput & { name: string }): Promise<UserEntity> {
    this.policy.enforce('identity:create_user', auth);
    const domainId = input.domain_id ?? auth.projectDomainId ?? auth.domainId ?? DEFAULT_DOMAIN_ID;
    if (!(await this.repo.findDomain(domainId))) throw new NotFound(`Could not find domain: ${domainId}.`);
    await this.checkDefaultProject(input.default_project_id);
    const id = newId();
    await this.repo.insertUser({
      id,
      name: input.name,
      domainId,
      enabled: input.enabled ?? true,
      passwordHash: input.password ? await this.hasher.hash(input.password) : null,
      defaultProjectId: input.default_project_id ?? null,
      description: input.description ?? null,
      email: input.email ?? null,
      options: input.options ?? {},
      extra: extraOf(input),
    });
    return this.find(id);
  }

  async update(auth: AuthContext, id: string, input: UserInput): Promise<UserEntity> {
    this.policy.enforce('identity:update_user', auth, { user_id: id });
    const user = await this.find(id);
    if (input.id !== undefined && input.id !== id) throw new BadRequest('Cannot change user ID');
    if (input.domain_id !== undefined && input.domain_id !== user.domainId) throw new BadRequest('Cannot change Domain ID');
    await this.checkDefaultProject(input.default_project_id);
    const patch: Partial<UserEntity> = {};
    if (input.name !== undefined) patch.name = input.name;
    if (input.enabled !== undefined) patch.enabled = input.enabled;
    if (input.default_project_id !== undefined) patch.defaultProjectId = input.default_project_id;
    if (input.description !== undefined) patch.description = input.description;
    if (input.email !== undefined) patch.email = input.email;
    if (input.options !== undefined) patch.options = mergeOptions(user.options, input.options);
    if (input.password !== undefined) patch.passwordHash = input.password ? await this.hasher.hash(input.password) : null;
    // an admin enabling the user or setting a password lifts a lockout (Keystone: "until explicitly enabled")
    if ((input.password !== undefined || input.enabled === true) && user.failedAuthCount) {
      patch.failedAuthCount = 0;
      patch.failedAuthAt = null;
    }
    const extra = extraOf(input);
    if (Object.keys(extra).length) patch.extra = { ...user.extra, ...extra };
    if (Object.keys(patch).length) await this.repo.updateUser(id, patch);
    if (input.password !== undefined || (user.enabled && input.enabled === false)) await this.revocations.revoke({ userId: id });
    this.changes.changed();
    return this.find(id);
  }

  /** POST /v3/users/{id}/password: the user themself, proving the current password. */
  async changePassword(auth: AuthContext, id: string, original: string, password: string): Promise<void> {
    this.policy.enforce('identity:change_password', auth, { user_id: id });
    const user = await this.find(id);
    await this.lockout.assertNotLocked(user);
    if (!(await this.hasher.verify(original, user.passwordHash))) {
      await this.lockout.recordFailure(user);
      throw new Unauthorized('The request you have made requires authentication.');
    }
    await this.repo.updateUser(id, { passwordHash: await this.hasher.hash(password), failedAuthCount: 0, failedAuthAt: null });
    await this.revocations.revoke({ userId: id });
  }

  async delete(auth: AuthContext, id: string): Promise<void> {
    this.policy.enforce('identity:delete_user', auth, { user_id: id });
    await this.find(id);
    await this.repo.deleteUser(id);
    await this.revocations.revoke({ userId: id });
  }

  /** GET /v3/users/{id}/groups. */
  async groupsOf(auth: AuthContext, id: string): Promise<GroupEntity[]> {
    this.policy.enforce('identity:list_groups_for_user', auth, { user_id: id });
    await this.find(id);
    return this.repo.listGroupsByIds(await this.repo.groupIdsOfUser(id));
  }

  private async find(id: string): Promise<UserEntity> {
    const user = await this.repo.findUser(id);
    if (!user) throw new NotFound(`Could not find user: ${id}.`);
    return user;
  }

  private async checkDefaultProject(projectId: string | null | undefined): Promise<void> {
    if (projectId && !(await this.repo.findProject(projectId))) throw new NotFound(`Could not find project: ${projectId}.`);
  }
}
