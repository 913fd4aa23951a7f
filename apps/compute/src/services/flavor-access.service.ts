import { Injectable } from '@nestjs/common';
import { NotFound } from '@kumo/common';
import type { AuthContext } from '@kumo/auth';
import { ProjectDirectory } from '../clients/identity-projects';
import type { FlavorEntity } from '../db/entities';
import { FlavorRepository } from '../db/repositories/flavor.repository';
import { ComputePolicy } from './compute-policy';
import { FlavorAccessExists, FlavorAccessNotFound, InvalidProject } from './errors';
import { FlavorsService } from './flavors.service';

/** `/flavors/{id}/os-flavor-access` and the addTenantAccess/removeTenantAccess actions (Nova's flavor_access.py). */
@Injectable()
export class FlavorAccessService {
  constructor(
    private readonly flavors: FlavorsService,
    private readonly repo: FlavorRepository,
    private readonly policy: ComputePolicy,
    private readonly projects: ProjectDirectory,
  ) {}

  /** The projects a private flavor is shared with. */
  async list(auth: AuthContext, flavorid: string): Promise<{ flavor: FlavorEntity; projects: string[] }> {
    this.policy.enforce('os_compute_api:os-flavor-access', auth);
    const flavor = await this.flavors.get(auth, flavorid);
    if (flavor.isPublic) throw new NotFound('Access list not available for public flavors.');
    return { flavor, projects: await this.repo.accessList(flavor.id) };
  }

  /**
   * Shares the flavor with a project identity knows (at 2.1 a public flavor too, as Nova before
   * 2.7 allows). Returns the access list after the change.
   */
  async add(auth: AuthContext, flavorid: string, projectId: string): Promise<{ flavor: FlavorEntity; projects: string[] }> {
    this.policy.enforce('os_compute_api:os-flavor-access:add_tenant_access', auth);
    if ((await this.projects.lookup(auth, projectId)) === 'missing') throw new InvalidProject(projectId);
    const flavor = await this.flavors.get(auth, flavorid);
    if (!(await this.repo.addAccess(flavor.id, projectId))) throw new FlavorAccessExists(flavorid, projectId);
    return { flavor, projects: await this.repo.accessList(flavor.id) };
  }

  /** Removes a project's access (whether or not identity still knows the project). */
  async remove(auth: AuthContext, flavorid: string, projectId: string): Promise<{ flavor: FlavorEntity; projects: string[] }> {
    this.policy.enforce('os_compute_api:os-flavor-access:remove_tenant_access', auth);
    const flavor = await this.flavors.get(auth, flavorid);
    if (!(await this.repo.removeAccess(flavor.id, projectId))) throw new FlavorAccessNotFound(flavorid, projectId);
    return { flavor, projects: await this.repo.accessList(flavor.id) };
  }
}
