import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AuthContext } from '@kumo/auth';
import { COMPUTE_CONFIG, ComputeConfig } from '../config';
import type { FlavorEntity } from '../db/entities';
import { FlavorRepository, FlavorViewer } from '../db/repositories/flavor.repository';
import { ComputePolicy, isAdmin } from './compute-policy';
import { FlavorExists, FlavorIdExists, FlavorNotFound, MarkerNotFound } from './errors';

/** A flavor to create, as the API validated it (Nova's flavors.create arguments). */
export interface NewFlavor {
  name: string;
  /** The public id; generated (a UUID) when absent. */
  flavorid?: string;
  memoryMb: number;
  vcpus: number;
  rootGb: number;
  ephemeralGb: number;
  swap: number;
  rxtxFactor: number;
  isPublic: boolean;
}

/** A flavor list request (GET /flavors, /flavors/detail), parsed. */
export interface FlavorListRequest {
  /** Admins only: true (default), false, or null ("None": all). */
  isPublic: boolean | null;
  minMemoryMb?: number;
  minRootGb?: number;
  sortKey: string;
  sortDir: 'asc' | 'desc';
  limit?: number;
  marker?: string;
}

export function viewerOf(auth: AuthContext): FlavorViewer {
  return { admin: isAdmin(auth), projectId: auth.projectId };
}

/** Flavors: Nova's FlavorsController (index/detail/show/create/delete) and flavor lookups for the other flavor APIs. */
@Injectable()
export class FlavorsService {
  constructor(
    private readonly flavors: FlavorRepository,
    private readonly policy: ComputePolicy,
    @Inject(COMPUTE_CONFIG) private readonly config: ComputeConfig,
  ) {}

  /** The flavor if the caller may see it (public, shared with their project, or any for an admin); else FlavorNotFound. */
  async get(auth: AuthContext, flavorid: string): Promise<FlavorEntity> {
    const flavor = await this.flavors.find(flavorid, viewerOf(auth));
    if (!flavor) throw new FlavorNotFound(flavorid);
    return flavor;
  }

  /** A page of flavors and the limit it was cut at (for the next link). */
  async list(auth: AuthContext, req: FlavorListRequest): Promise<{ flavors: FlavorEntity[]; limit: number }> {
    const admin = isAdmin(auth);
    const limit = Math.min(this.config.compute.max_limit, req.limit ?? this.config.compute.max_limit);
    const flavors = await this.flavors.list(
      {
        // only admins choose; everyone else sees the public flavors and their project's, never disabled ones
        isPublic: admin ? req.isPublic : true,
        disabled: admin ? undefined : false,
        minMemoryMb: req.minMemoryMb,
        minRootGb: req.minRootGb,
        sortKey: req.sortKey,
        sortDir: req.sortDir,
        limit,
        marker: req.marker,
      },
      viewerOf(auth),
    );
    if (!flavors) throw new MarkerNotFound(req.marker!);
    return { flavors, limit };
  }

  async extraSpecsOf(flavors: FlavorEntity[]): Promise<Map<number, Record<string, string>>> {
    return this.flavors.extraSpecs(flavors.map((f) => f.id));
  }

  async create(auth: AuthContext, f: NewFlavor): Promise<FlavorEntity> {
    this.policy.enforce('os_compute_api:os-flavor-manage:create', auth);
    const flavorid = f.flavorid ?? randomUUID();
    const r = await this.flavors.insert({
      flavorid,
      name: f.name.trim(),
      memoryMb: f.memoryMb,
      vcpus: f.vcpus,
      rootGb: f.rootGb,
      ephemeralGb: f.ephemeralGb,
      swap: f.swap,
      rxtxFactor: f.rxtxFactor,
      vcpuWeight: null,
      isPublic: f.isPublic,
      disabled: false,
      description: null,
    });
    if (!r.ok) throw r.duplicate === 'flavorid' ? new FlavorIdExists(flavorid) : new FlavorExists(f.name.trim());
    return r.flavor;
  }

  /** Deletes a flavor whoever may see it (Nova's flavor.destroy by flavorid); servers keep their copy of it. */
  async delete(auth: AuthContext, flavorid: string): Promise<void> {
    this.policy.enforce('os_compute_api:os-flavor-manage:delete', auth);
    if (!(await this.flavors.delete(flavorid))) throw new FlavorNotFound(flavorid);
  }
}
