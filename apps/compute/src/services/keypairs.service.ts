import { Inject, Injectable } from '@nestjs/common';
import type { AuthContext } from '@kumo/auth';
import { COMPUTE_CONFIG, ComputeConfig } from '../config';
import type { KeyPairEntity } from '../db/entities';
import { KeyPairRepository } from '../db/repositories/key-pair.repository';
import { QuotaRepository } from '../db/repositories/quota.repository';
import { ComputePolicy } from './compute-policy';
import { KeypairLimitExceeded, KeypairNotFound, KeyPairExists } from './errors';
import { QuotasService } from './quotas.service';
import { generateSshKeyPair, sshFingerprint } from './ssh-keys';

/** A key pair to create (`name` only: generate one) or import (`publicKey`). */
export interface NewKeyPair {
  name: string;
  publicKey?: string;
}

/** `/os-keypairs`: the caller's own key pairs (Nova's KeypairAPI; another user's only from 2.10, which Kumo does not serve yet). */
@Injectable()
export class KeypairsService {
  constructor(
    private readonly keyPairs: KeyPairRepository,
    private readonly usage: QuotaRepository,
    private readonly quotas: QuotasService,
    private readonly policy: ComputePolicy,
    @Inject(COMPUTE_CONFIG) private readonly config: ComputeConfig,
  ) {}

  /**
   * Imports or generates a key pair, in Nova's order: the quota (403), then the key (400), then the
   * name (409). The quota is checked again, race-free, where the key pair is stored. A generated
   * key's private half is returned here and never stored.
   */
  async create(auth: AuthContext, req: NewKeyPair): Promise<{ keyPair: KeyPairEntity; privateKey?: string }> {
    const userId = auth.userId;
    this.policy.enforce('os_compute_api:os-keypairs:create', auth, { user_id: userId });
    const limit = (await this.quotas.effectiveLimits(auth.projectId, userId)).key_pairs;
    const { key_pairs: used } = await this.usage.usage({ projectId: '', userId }, ['key_pairs']);
    if (limit >= 0 && used + 1 > limit) throw new KeypairLimitExceeded();
    let publicKey: string;
    let fingerprint: string;
    let privateKey: string | undefined;
    if (req.publicKey !== undefined) {
      fingerprint = sshFingerprint(req.publicKey);
      publicKey = req.publicKey;
    } else {
      ({ publicKey, fingerprint, privateKey } = await generateSshKeyPair(this.config.compute.keypair_rsa_bits));
    }
    const r = await this.keyPairs.insertWithinQuota({ userId, name: req.name, fingerprint, publicKey, type: 'ssh' }, limit);
    if (!r.ok) throw r.reason === 'exists' ? new KeyPairExists(req.name) : new KeypairLimitExceeded();
    return { keyPair: r.keyPair, privateKey };
  }

  async list(auth: AuthContext): Promise<KeyPairEntity[]> {
    this.policy.enforce('os_compute_api:os-keypairs:index', auth, { user_id: auth.userId });
    return this.keyPairs.list(auth.userId);
  }

  async get(auth: AuthContext, name: string): Promise<KeyPairEntity> {
    this.policy.enforce('os_compute_api:os-keypairs:show', auth, { user_id: auth.userId });
    const kp = await this.keyPairs.find(auth.userId, name);
    if (!kp) throw new KeypairNotFound(name, auth.userId);
    return kp;
  }

  async delete(auth: AuthContext, name: string): Promise<void> {
    this.policy.enforce('os_compute_api:os-keypairs:delete', auth, { user_id: auth.userId });
    if (!(await this.keyPairs.delete(auth.userId, name))) throw new KeypairNotFound(name, auth.userId);
  }
}
