import { Injectable } from '@nestjs/common';
import { Forbidden, NotFound } from '@kumo/common';
import { AuthContext, PolicyEnforcer } from '@kumo/auth';
import { DomainEntity } from '../db/entities';
import { ResourceRepository } from '../db/repositories/resource.repository';
import { ChangeFeed } from './events';
import { newId } from './primitives';
import { RevocationService } from './revocation.service';

export interface DomainInput {
  name?: string;
  description?: string | null;
  enabled?: boolean;
  tags?: string[];
}

@Injectable()
export class DomainsService {
  constructor(
    private readonly repo: ResourceRepository,
    private readonly policy: PolicyEnforcer,
    private readonly revocations: RevocationService,
    private readonly changes: ChangeFeed,
  ) {}

  async get(auth: AuthContext, id: string): Promise<DomainEntity> {
    const domain = await this.repo.findDomain(id);
    this.policy.enforce('identity:get_domain', auth, { domain_id: id });
    if (!domain) throw new NotFound(`Could not find domain: ${id}.`);
    return domain;
  }

  async list(auth: AuthContext, filter: { name?: string; enabled?: boolean }): Promise<DomainEntity[]> {
    this.policy.enforce('identity:list_domains', auth);
    return this.repo.listDomains(filter);
  }

  async create(auth: AuthContext, input: DomainInput & { name: string }): Promise<DomainEntity> {
    this.policy.enforce('identity:create_domain', auth);
    const id = newId();
    await this.repo.insertDomain({ id, name: input.name, description: input.description ?? null, enabled: input.enabled ?? true, tags: input.tags ?? [] });
    return (await this.repo.findDomain(id))!;
  }

  async update(auth: AuthContext, id: string, input: DomainInput): Promise<DomainEntity> {
    this.policy.enforce('identity:update_domain', auth, { domain_id: id });
    const domain = await this.get(auth, id);
    await this.repo.updateDomain(id, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
      ...(input.tags !== undefined ? { tags: input.tags } : {}),
    });
    if (domain.enabled && input.enabled === false) await this.revocations.revoke({ domainId: id });
    this.changes.changed();
    return (await this.repo.findDomain(id))!;
  }

  async delete(auth: AuthContext, id: string): Promise<void> {
    this.policy.enforce('identity:delete_domain', auth, { domain_id: id });
    const domain = await this.get(auth, id);
    if (domain.enabled) throw new Forbidden('Cannot delete a domain that is enabled, please disable it first.');
    if (id === 'default') throw new Forbidden('The default domain cannot be deleted.');
    await this.repo.deleteDomainCascade(id);
    await this.revocations.revoke({ domainId: id });
  }
}
