import { Inject, Injectable } from '@nestjs/common';
import { BadRequest } from '@kumo/common';
import type { AuthContext } from '@kumo/auth';
import { ProjectDirectory } from '../clients/identity-projects';
import { COMPUTE_CONFIG, ComputeConfig } from '../config';
import { QuotaRepository } from '../db/repositories/quota.repository';
import { ComputePolicy } from './compute-policy';
import { InvalidProject } from './errors';

/** Nova's quota resources at 2.1 (nova/quota.py QUOTAS), in the order Nova lists them. */
export const QUOTA_RESOURCES = [
  'cores',
  'fixed_ips',
  'floating_ips',
  'injected_file_content_bytes',
  'injected_file_path_bytes',
  'injected_files',
  'instances',
  'key_pairs',
  'metadata_items',
  'ram',
  'security_group_rules',
  'security_groups',
  'server_group_members',
  'server_groups',
] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];
export type QuotaLimits = Record<QuotaResource, number>;
export type QuotaDetail = Record<QuotaResource, { limit: number; in_use: number; reserved: number }>;

/** Counted per user, not per project: Nova shows their project usage as 0 (nova/quota.py _get_usages). */
const PER_USER_RESOURCES: ReadonlySet<string> = new Set(['key_pairs', 'server_group_members']);

/** A quota update, as the API validated it. */
export interface QuotaUpdate {
  limits: Partial<QuotaLimits>;
  force: boolean;
}

/** Quotas: Nova's os-quota-sets (project and per-user limits over configured defaults) and the numbers of /limits. */
@Injectable()
export class QuotasService {
  constructor(
    private readonly repo: QuotaRepository,
    private readonly policy: ComputePolicy,
    private readonly projects: ProjectDirectory,
    @Inject(COMPUTE_CONFIG) private readonly config: ComputeConfig,
  ) {}

  /** The configured defaults; the nova-network resources are unlimited (-1), as Nova with Neutron shows them. */
  defaultLimits(): QuotaLimits {
    const q = this.config.compute.quota;
    return {
      cores: q.cores,
      fixed_ips: -1,
      floating_ips: -1,
      injected_file_content_bytes: q.injected_file_content_bytes,
      injected_file_path_bytes: q.injected_file_path_length,
      injected_files: q.injected_files,
      instances: q.instances,
      key_pairs: q.key_pairs,
      metadata_items: q.metadata_items,
      ram: q.ram,
      security_group_rules: -1,
      security_groups: -1,
      server_group_members: q.server_group_members,
      server_groups: q.server_groups,
    };
  }

  /** The limits in force: the user's own (within the project), else the project's, else the default. */
  async effectiveLimits(projectId: string | undefined, userId?: string): Promise<QuotaLimits> {
    const limits = this.defaultLimits();
    if (projectId === undefined) return limits;
    const stored = await this.repo.limits(projectId, userId);
    for (const r of QUOTA_RESOURCES) limits[r] = stored.user[r] ?? stored.project[r] ?? limits[r];
    return limits;
  }

  /** The project's limits in force (its own, else the default) and those the user has of their own within it, in one read. */
  async projectAndUserLimits(projectId: string, userId: string): Promise<{ project: QuotaLimits; user: Partial<QuotaLimits> }> {
    const limits = this.defaultLimits();
    const stored = await this.repo.limits(projectId, userId);
    for (const r of QUOTA_RESOURCES) limits[r] = stored.project[r] ?? limits[r];
    return { project: limits, user: stored.user as Partial<QuotaLimits> };
  }

  /** What a project (or a user in it) uses of each resource, as the counted rows say. */
  private async usage(projectId: string, userId?: string): Promise<Record<QuotaResource, number>> {
    const counted = await this.repo.usage({ projectId, userId: userId ?? '' }, QUOTA_RESOURCES.filter((r) => !PER_USER_RESOURCES.has(r)));
    return Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, counted[r] ?? 0])) as Record<QuotaResource, number>;
  }

  private async verifyProject(auth: AuthContext, projectId: string): Promise<void> {
    if ((await this.projects.lookup(auth, projectId)) === 'missing') throw new InvalidProject(projectId);
  }

  async show(auth: AuthContext, projectId: string, userId?: string): Promise<QuotaLimits> {
    this.policy.enforce('os_compute_api:os-quota-sets:show', auth, { project_id: projectId });
    await this.verifyProject(auth, projectId);
    return this.effectiveLimits(projectId, userId);
  }

  async detail(auth: AuthContext, projectId: string, userId?: string): Promise<QuotaDetail> {
    this.policy.enforce('os_compute_api:os-quota-sets:detail', auth, { project_id: projectId });
    await this.verifyProject(auth, projectId);
    const [limits, used] = await Promise.all([this.effectiveLimits(projectId, userId), this.usage(projectId, userId)]);
    return Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, { limit: limits[r], in_use: used[r], reserved: 0 }])) as QuotaDetail;
  }

  async defaults(auth: AuthContext, projectId: string): Promise<QuotaLimits> {
    this.policy.enforce('os_compute_api:os-quota-sets:defaults', auth, { project_id: projectId });
    await this.verifyProject(auth, projectId);
    return this.defaultLimits();
  }

  /**
   * Sets limits of a project (or of a user in it). Unless forced, a limit may not go below what is
   * in use, and a user's not above the project's (Nova's _validate_quota_limit messages); all
   * values are checked before any is stored.
   */
  async update(auth: AuthContext, projectId: string, userId: string | undefined, req: QuotaUpdate): Promise<QuotaLimits> {
    this.policy.enforce('os_compute_api:os-quota-sets:update', auth, { project_id: projectId });
    await this.verifyProject(auth, projectId);
    if (!req.force) {
      const used = await this.usage(projectId, userId);
      const projectLimits = userId === undefined ? undefined : await this.effectiveLimits(projectId);
      const inf = (v: number) => (v === -1 ? Infinity : v);
      for (const [resource, limit] of Object.entries(req.limits) as Array<[QuotaResource, number]>) {
        const minimum = used[resource];
        if (inf(limit) < inf(minimum)) throw new BadRequest(`Quota limit ${limit} for ${resource} must be greater than or equal to already used and reserved ${minimum}.`);
        const maximum = projectLimits ? projectLimits[resource] : -1;
        if (inf(limit) > inf(maximum)) throw new BadRequest(`Quota limit ${limit} for ${resource} must be less than or equal to ${maximum}.`);
      }
    }
    await this.repo.setLimits(projectId, userId ?? '', req.limits);
    return this.effectiveLimits(projectId, userId);
  }

  /** Back to the defaults: the project's limits and its users' (or one user's). */
  async revert(auth: AuthContext, projectId: string, userId?: string): Promise<void> {
    this.policy.enforce('os_compute_api:os-quota-sets:delete', auth, { project_id: projectId });
    await this.repo.deleteLimits(projectId, userId);
  }

  /** GET /limits: a project's limits with what it uses; another project's only for an admin (`tenant_id`). */
  async limitsOf(auth: AuthContext, tenantId?: string): Promise<QuotaDetail> {
    this.policy.enforce('os_compute_api:limits', auth);
    if (tenantId !== undefined) this.policy.enforce('os_compute_api:limits:other_project', auth);
    const projectId = tenantId ?? auth.projectId;
    if (projectId === undefined) {
      const d = this.defaultLimits();
      return Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, { limit: d[r], in_use: 0, reserved: 0 }])) as QuotaDetail;
    }
    const [limits, used] = await Promise.all([this.effectiveLimits(projectId), this.usage(projectId)]);
    return Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, { limit: limits[r], in_use: used[r], reserved: 0 }])) as QuotaDetail;
  }
}
