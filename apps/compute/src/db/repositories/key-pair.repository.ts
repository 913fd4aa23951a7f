import { DataSource, Repository } from 'typeorm';
import { KeyPairEntity } from '../entities';
import { duplicateKey, retryOnDeadlock } from './db-errors';
import { addUsage, consumeUsage, lockUsage } from './quota.repository';

export type KeyPairInsertResult = { ok: true; keyPair: KeyPairEntity } | { ok: false; reason: 'over-quota' | 'exists' };

/** The usage row key pairs are counted in: a user's, whatever project they work in (as Nova counts them). */
const usageScope = (userId: string) => ({ projectId: '', userId });

/** Users' key pairs (table key_pair), counted in quota_usage as `key_pairs`. */
export class KeyPairRepository {
  private readonly keyPairs: Repository<KeyPairEntity>;

  constructor(private readonly ds: DataSource) {
    this.keyPairs = ds.getRepository(KeyPairEntity);
  }

  find(userId: string, name: string): Promise<KeyPairEntity | null> {
    return this.keyPairs.findOne({ where: { userId, name } });
  }

  /** The user's key pairs by name. */
  list(userId: string): Promise<KeyPairEntity[]> {
    return this.keyPairs.find({ where: { userId }, order: { name: 'ASC' } });
  }

  /**
   * Stores a key pair if the user stays within `limit` key pairs (-1: unlimited), race-free: the
   * usage row is locked, checked, increased and the key pair inserted in one transaction; a name the
   * user already has rolls all of it back. The quota is checked first, as Nova does.
   */
  async insertWithinQuota(fields: Pick<KeyPairEntity, 'userId' | 'name' | 'fingerprint' | 'publicKey' | 'type'>, limit: number): Promise<KeyPairInsertResult> {
    return retryOnDeadlock(async () => {
      const outcome: { reason?: 'over-quota' | 'exists' } = {};
      try {
        const id = await this.ds.transaction(async (m) => {
          if ((await consumeUsage(m, usageScope(fields.userId), 'key_pairs', 1, limit)) === undefined) {
            outcome.reason = 'over-quota';
            throw new Error('rollback');
          }
          try {
            const { identifiers } = await m.getRepository(KeyPairEntity).insert(fields);
            return identifiers[0].id as number;
          } catch (err) {
            if (duplicateKey(err)) outcome.reason = 'exists';
            throw err;
          }
        });
        return { ok: true, keyPair: await this.keyPairs.findOneByOrFail({ id }) };
      } catch (err) {
        if (outcome.reason) return { ok: false, reason: outcome.reason };
        throw err;
      }
    });
  }

  /** Deletes the user's key pair and gives its quota back, in one transaction; whether it existed. */
  async delete(userId: string, name: string): Promise<boolean> {
    return retryOnDeadlock(() =>
      this.ds.transaction(async (m) => {
        // the usage row first, as insertWithinQuota locks it: the same order, no deadlock between the two
        await lockUsage(m, usageScope(userId), 'key_pairs');
        const { affected } = await m.getRepository(KeyPairEntity).delete({ userId, name });
        if (!affected) return false;
        await addUsage(m, usageScope(userId), 'key_pairs', -1);
        return true;
      }),
    );
  }
}
