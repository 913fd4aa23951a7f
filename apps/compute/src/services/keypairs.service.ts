import { Inject, Injectable } from '@nestjs/common';
import type { AuthContext } from '@kumo/auth';
import { COMPUTE_CONFIG, ComputeConfig } from '../config';
import type { KeyPairEntity, KeyPairType } from '../db/entities';
import { KeyPairRepository } from '../db/repositories/key-pair.repository';
import { QuotaRepository } from '../db/repositories/quota.repository';
import { ComputePolicy } from './compute-policy';
import { KeypairLimitExceeded, KeypairNotFound, KeyPairExists } from './errors';
import { QuotasService } from './quotas.service';
import { generateSshKeyPair, sshFingerprint } from './ssh-keys';
import { CommandExecutor, LocalExecutor } from '../drivers/command-executor';
import { generateX509KeyPair, x509Fingerprint } from './x509-certs';

/** A key pair to create (`name` only: generate one) or import (`publicKey`), `ssh` unless 2.2+ asked for `x509`. */
export interface NewKeyPair {
  name: string;
  publicKey?: string;
  type: KeyPairType;
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

  /** openssl for x509 generation (made on first use: most clouds never generate one). */
  private commands?: CommandExecutor;

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
    const bits = this.config.compute.keypair_rsa_bits;
    if (req.publicKey !== undefined) {
      fingerprint = req.type === 'x509' ? x509Fingerprint(req.publicKey) : sshFingerprint(req.publicKey);
      publicKey = req.publicKey;
    } else if (req.type === 'x509') {
      this.commands ??= new LocalExecutor();
      ({ publicKey, fingerprint, privateKey } = await generateX509KeyPair(this.commands, userId, bits));
    } else {
      ({ publicKey, fingerprint, privateKey } = await generateSshKeyPair(bits));
    }
    const r = await this.keyPairs.insertWithinQuota({ userId, name: req.name, fingerprint, publicKey, type: req.type }, limit);
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
