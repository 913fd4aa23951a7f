// Managed save against libvirtd's test driver: save stops the domain with an image kept, the next
// start resumes it, remove discards the image.
import { randomUUID } from 'node:crypto';
import type { LibvirtClient } from '../src/client';
import { DomainState } from '../src/generated/constants';
import { domainHasManagedSaveImage, domainManagedSave, domainManagedSaveRemove } from '../src/managed-save';
import {
  connectedClient,
  ensureLibvirtd,
  lockLibvirtd,
  removeTestDomains,
  uniqueName,
} from './support/libvirtd';

jest.setTimeout(60_000);

describe('managed save (test:///default)', () => {
  let client: LibvirtClient;
  let unlock: (() => void) | undefined;

  beforeAll(async () => {
    unlock = await lockLibvirtd();
    await ensureLibvirtd();
    client = await connectedClient('test:///default');
  });

  afterAll(async () => {
    if (client) {
      await removeTestDomains(client);
      await client.close();
    }
  });
  afterAll(() => unlock?.());

  it('saves, resumes from the image, and removes it', async () => {
    const dom = await client.domainDefineXML(
      `<domain type='test'><name>${uniqueName('msave')}</name><uuid>${randomUUID()}</uuid><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>`,
    );
    await client.domainCreate(dom);
    await expect(domainHasManagedSaveImage(client, dom)).resolves.toBe(false);
    await domainManagedSave(client, dom);
    expect((await client.domainGetState(dom)).state).toBe(DomainState.SHUTOFF);
    await expect(domainHasManagedSaveImage(client, dom)).resolves.toBe(true);
    await client.domainCreate(dom);
    expect((await client.domainGetState(dom)).state).toBe(DomainState.RUNNING);
    await expect(domainHasManagedSaveImage(client, dom)).resolves.toBe(false);
    await domainManagedSave(client, dom);
    await domainManagedSaveRemove(client, dom);
    await expect(domainHasManagedSaveImage(client, dom)).resolves.toBe(false);
  });
});
