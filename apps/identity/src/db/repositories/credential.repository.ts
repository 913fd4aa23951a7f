import { Inject, Injectable } from '@nestjs/common';
import { DataSource, LessThan } from 'typeorm';
import { ApplicationCredentialEntity, RevocationEventEntity } from '../entities';
import { DATA_SOURCE, rethrowDuplicate } from './resource.repository';

/** Application credentials and token revocation events. */
@Injectable()
export class CredentialRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  private get appCreds() {
    return this.ds.getRepository(ApplicationCredentialEntity);
  }
  private get revocations() {
    return this.ds.getRepository(RevocationEventEntity);
  }

  findAppCred(id: string): Promise<ApplicationCredentialEntity | null> {
    return this.appCreds.findOneBy({ id });
  }
  findAppCredByName(userId: string, name: string): Promise<ApplicationCredentialEntity | null> {
    return this.appCreds.findOneBy({ userId, name });
  }
  listAppCreds(userId: string, name?: string): Promise<ApplicationCredentialEntity[]> {
    return this.appCreds.find({ where: name === undefined ? { userId } : { userId, name }, order: { name: 'ASC' } });
  }
  async insertAppCred(a: Omit<ApplicationCredentialEntity, 'createdAt'>): Promise<void> {
    try {
      await this.appCreds.insert(a);
    } catch (err) {
      rethrowDuplicate(err, `Conflict occurred attempting to store application_credential - Duplicate entry found with name ${a.name}.`);
    }
  }
  async deleteAppCred(id: string): Promise<void> {
    await this.appCreds.delete({ id });
  }

  async insertRevocation(e: Omit<RevocationEventEntity, 'id'>): Promise<void> {
    await this.revocations.insert(e);
  }
  /** Live revocation events (expired ones can match no valid token any more). */
  listRevocations(now: Date): Promise<RevocationEventEntity[]> {
    return this.revocations.createQueryBuilder('r').where('r.expires_at > :now', { now }).getMany();
  }
  async purgeRevocations(now: Date): Promise<void> {
    await this.revocations.delete({ expiresAt: LessThan(now) });
  }
}
