import { Injectable } from '@nestjs/common';
import { BadRequest, Forbidden, NotFound } from '@kumo/common';
import { AuthContext, PolicyEnforcer } from '@kumo/auth';
import { DomainEntity } from '../db/entities';
import { ResourceRepository } from '../db/repositories/resource.repository';
import { DEFAULT_DOMAIN_ID } from './bootstrap.service';
import { ChangeFeed } from './events';
import { given, newId } from './primitives';
import { RevocationService } from './revocation.service';

export interface DomainInput {
  name?: string;
  description?: string | null;
  enabled?: boolean;
  tags?: string[];
  /** Create the domain with this id instead of a generated one (Keystone's explicit_domain_id). */
  explicit_domain_id?: string;
}

/** Domains. Disabling one revokes every token scoped to it or to its projects. */
@Injectable()
export class DomainsService {
  constructor(
    private readonly repo: ResourceRepository,
    private readonly policy: PolicyEnforcer,
    private readonly revocations: RevocationService,
    private readonly changes: ChangeFeed,
  ) {}

  async get(auth: AuthContext, id: string): Promise<DomainEntity> {
    this.policy.enforce('identity:get_domain', auth, { domain_id: id });
    return this.find(id);
  }

  async list(auth: AuthContext, filter: { name?: string; enabled?: boolean }): Promise<DomainEntity[]> {
    this.policy.enforce('identity:list_domains', auth);
    return this.repo.listDomains(given({ name: filter.name, enabled: filter.enabled }));
  }

  async create(auth: AuthContext, input: DomainInput & { name: string }): Promise<DomainEntity> {
    this.policy.enforce('identity:create_domain', auth);
    const id = input.explicit_domain_id ?? newId();
    if (input.explicit_domain_id !== undefined && (await this.repo.findDomain(id))) {
      throw new BadRequest(`Invalid explicit_domain_id: a domain with id ${id} already exists.`);
    }
    await this.repo.insertDomain({ id, name: input.name, description: input.description ?? null, enabled: input.enabled ?? true, tags: input.tags ?? [] });
    return this.find(id);
  }

  async update(auth: AuthContext, id: string, input: DomainInput): Promise<DomainEntity> {
    this.policy.enforce('identity:update_domain', auth, { domain_id: id });
    const domain = await this.find(id);
    await this.repo.updateDomain(id, given({ name: input.name, description: input.description, enabled: input.enabled, tags: input.tags }));
    if (domain.enabled && input.enabled === false) await this.revokeAll(id);
    this.changes.changed();
    return this.find(id);
  }

  /** Only a disabled domain can be deleted; everything in it goes too (one transaction). */
  async delete(auth: AuthContext, id: string): Promise<void> {
    this.policy.enforce('identity:delete_domain', auth, { domain_id: id });
    const domain = await this.find(id);
    if (domain.enabled) throw new Forbidden('Cannot delete a domain that is enabled, please disable it first.');
    if (id === DEFAULT_DOMAIN_ID) throw new Forbidden('The default domain cannot be deleted.');
    const users = await this.repo.listUsers({ domainId: id });
    await this.repo.deleteDomainCascade(id);
    await this.revokeAll(id, users.map((u) => u.id));
    this.changes.changed(); // its roles may have been implying roles in other tokens
  }

  /** Tokens scoped to the domain or its projects, and every token of its users (wherever scoped). */
  private async revokeAll(id: string, userIds?: string[]): Promise<void> {
    await this.revocations.revoke({ domainId: id });
    for (const userId of userIds ?? (await this.repo.listUsers({ domainId: id })).map((u) => u.id)) {
      await this.revocations.revoke({ userId });
    }
  }

  private async find(id: string): Promise<DomainEntity> {
    const domain = await this.repo.findDomain(id);
    if (!domain) throw new NotFound(`Could not find domain: ${id}.`);
    return domain;
  }
}
