import { Injectable } from '@nestjs/common';
import type { AuthContext } from '@kumo/auth';
import { FlavorRepository } from '../db/repositories/flavor.repository';
import { ComputePolicy } from './compute-policy';
import { FlavorExtraSpecsNotFound } from './errors';
import { FlavorsService } from './flavors.service';

/** `/flavors/{id}/os-extra_specs`: Nova's FlavorExtraSpecsController (values stored as strings). */
@Injectable()
export class FlavorExtraSpecsService {
  constructor(
    private readonly flavors: FlavorsService,
    private readonly repo: FlavorRepository,
    private readonly policy: ComputePolicy,
  ) {}

  async list(auth: AuthContext, flavorid: string): Promise<Record<string, string>> {
    this.policy.enforce('os_compute_api:os-flavor-extra-specs:index', auth, { project_id: auth.projectId });
    const flavor = await this.flavors.get(auth, flavorid);
    return (await this.repo.extraSpecs([flavor.id])).get(flavor.id)!;
  }

  async get(auth: AuthContext, flavorid: string, key: string): Promise<string> {
    this.policy.enforce('os_compute_api:os-flavor-extra-specs:show', auth, { project_id: auth.projectId });
    const flavor = await this.flavors.get(auth, flavorid);
    const specs = (await this.repo.extraSpecs([flavor.id])).get(flavor.id)!;
    if (!Object.prototype.hasOwnProperty.call(specs, key)) throw new FlavorExtraSpecsNotFound(flavorid, key);
    return specs[key];
  }

  /** Adds or replaces the given specs (POST merges, as Nova's `dict(flavor.extra_specs, **specs)`). */
  async set(auth: AuthContext, flavorid: string, specs: Record<string, string>, action: 'create' | 'update'): Promise<void> {
    this.policy.enforce(`os_compute_api:os-flavor-extra-specs:${action}`, auth);
    const flavor = await this.flavors.get(auth, flavorid);
    await this.repo.setExtraSpecs(flavor.id, specs);
  }

  async delete(auth: AuthContext, flavorid: string, key: string): Promise<void> {
    this.policy.enforce('os_compute_api:os-flavor-extra-specs:delete', auth);
    const flavor = await this.flavors.get(auth, flavorid);
    if (!(await this.repo.deleteExtraSpec(flavor.id, key))) throw new FlavorExtraSpecsNotFound(flavorid, key);
  }
}
