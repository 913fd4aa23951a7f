import { Injectable } from '@nestjs/common';
import { Forbidden, NotFound } from '@kumo/common';
import { AuthContext, PolicyEnforcer } from '@kumo/auth';
import { RoleEntity } from '../db/entities';
import { AssignmentRepository } from '../db/repositories/assignment.repository';
import { ChangeFeed } from './events';

/** Role names that may not be implied (Keystone's `[assignment] prohibited_implied_role` default). */
const PROHIBITED_IMPLIED = new Set(['admin']);

export interface RoleInference {
  prior: RoleEntity;
  implies: RoleEntity[];
}

/**
 * Implied-role rules (`/v3/roles/{prior}/implies/{implied}`, `/v3/role_inferences`). Tokens carry
 * the roles their roles imply (AssignmentService); every change refreshes cached validations.
 * As in Keystone a cycle may be stored (the traversal visits each role once), `admin` cannot be
 * implied, and a global role cannot imply a domain-specific one.
 */
@Injectable()
export class ImpliedRolesService {
  constructor(
    private readonly repo: AssignmentRepository,
    private readonly policy: PolicyEnforcer,
    private readonly changes: ChangeFeed,
  ) {}

  async list(auth: AuthContext, priorId: string): Promise<RoleInference> {
    this.policy.enforce('identity:list_implied_roles', auth);
    const prior = await this.role(priorId);
    const rules = await this.repo.listImpliedRules(priorId);
    return { prior, implies: await this.repo.listRolesByIds(rules.map((r) => r.impliedRoleId)) };
  }

  async get(auth: AuthContext, priorId: string, impliedId: string, action = 'identity:get_implied_role'): Promise<RoleInference> {
    this.policy.enforce(action, auth);
    const [prior, implied] = await this.pair(priorId, impliedId);
    if (!(await this.repo.impliedRuleExists(priorId, impliedId))) throw new NotFound(`${priorId} does not imply ${impliedId}.`);
    return { prior, implies: [implied] };
  }

  async create(auth: AuthContext, priorId: string, impliedId: string): Promise<RoleInference> {
    this.policy.enforce('identity:create_implied_role', auth);
    const [prior, implied] = await this.pair(priorId, impliedId);
    if (PROHIBITED_IMPLIED.has(implied.name) || (prior.domainId === null && implied.domainId !== null)) {
      throw new Forbidden(`${impliedId} cannot be an implied roles.`);
    }
    await this.repo.insertImpliedRule(priorId, impliedId);
    this.changes.changed();
    return { prior, implies: [implied] };
  }

  async delete(auth: AuthContext, priorId: string, impliedId: string): Promise<void> {
    this.policy.enforce('identity:delete_implied_role', auth);
    await this.pair(priorId, impliedId);
    if (!(await this.repo.deleteImpliedRule(priorId, impliedId))) throw new NotFound(`${priorId} does not imply ${impliedId}.`);
    this.changes.changed();
  }

  /** GET /v3/role_inferences: every rule, grouped by prior role. */
  async all(auth: AuthContext): Promise<RoleInference[]> {
    this.policy.enforce('identity:list_role_inference_rules', auth);
    const rules = await this.repo.listImpliedRules();
    const roles = new Map((await this.repo.listRolesByIds([...new Set(rules.flatMap((r) => [r.priorRoleId, r.impliedRoleId]))])).map((r) => [r.id, r]));
    const byPrior = new Map<string, RoleInference>();
    for (const rule of rules) {
      const prior = roles.get(rule.priorRoleId);
      const implied = roles.get(rule.impliedRoleId);
      if (!prior || !implied) continue;
      const entry = byPrior.get(prior.id) ?? { prior, implies: [] };
      entry.implies.push(implied);
      byPrior.set(prior.id, entry);
    }
    return [...byPrior.values()];
  }

  /** Both roles, the implied one checked first (as Keystone does). */
  private async pair(priorId: string, impliedId: string): Promise<[RoleEntity, RoleEntity]> {
    const implied = await this.role(impliedId);
    return [await this.role(priorId), implied];
  }

  private async role(id: string): Promise<RoleEntity> {
    const role = await this.repo.findRole(id);
    if (!role) throw new NotFound(`Could not find role: ${id}.`);
    return role;
  }
}
