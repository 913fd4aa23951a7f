// Managed save (virDomainManagedSave*): the guest's memory written to a file libvirt keeps for the
// domain, the domain shut off; the next start restores it. Nova's suspend. Functions over a
// LibvirtClient's connection, kept beside the client (procedures 182-184 of remote_protocol.x).
import type { LibvirtClient } from './client';
import { domainToWire, type Domain } from './domain';

/** Saves the running guest's state and stops it (virDomainManagedSave). flags: DomainSaveRestoreFlags. */
export async function domainManagedSave(client: LibvirtClient, dom: Domain, flags = 0): Promise<void> {
  await client.rpc.call('DOMAIN_MANAGED_SAVE', { dom: domainToWire(dom), flags });
}

/** Whether the domain has a managed save image (its next start resumes it). */
export async function domainHasManagedSaveImage(client: LibvirtClient, dom: Domain): Promise<boolean> {
  return (
    (await client.rpc.call('DOMAIN_HAS_MANAGED_SAVE_IMAGE', { dom: domainToWire(dom), flags: 0 })).result !==
    0
  );
}

/** Discards the managed save image (the next start boots afresh). */
export async function domainManagedSaveRemove(client: LibvirtClient, dom: Domain): Promise<void> {
  await client.rpc.call('DOMAIN_MANAGED_SAVE_REMOVE', { dom: domainToWire(dom), flags: 0 });
}
