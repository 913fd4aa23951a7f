// What the serial console's tests against the real libvirtd share: the libvirt suites' lock
// (libs/libvirt/test/support/libvirtd.ts: the reconnect suite restarts libvirtd under the others),
// libvirtd started as the stack does, the kumo-tiny image, and removing a prefix's domains.
import { ensureLibvirtd, kumoTinyImage } from '@kumo/testing';
import { isNoDomain, isOperationInvalid, type LibvirtClient } from '@kumo/libvirt';

export { lockLibvirtd } from '@kumo/testing';

/** Starts libvirtd (deploy/allinone/lib.sh's start_libvirtd) unless one answers; returns the kumo-tiny qcow2's path. */
export async function libvirtdAndTinyImage(): Promise<string> {
  await ensureLibvirtd();
  return kumoTinyImage();
}

/** Destroys and undefines every domain whose name starts with `prefix` (idempotent). */
export async function removeDomains(c: LibvirtClient, prefix: string): Promise<void> {
  for (const dom of await c.connectListAllDomains(0)) {
    if (!dom.name.startsWith(prefix)) continue;
    await c.domainDestroy(dom).catch((e: unknown) => {
      if (!isOperationInvalid(e) && !isNoDomain(e)) throw e;
    });
    await c.domainUndefine(dom, 1 | 4).catch((e: unknown) => {
      if (!isNoDomain(e)) throw e;
    });
  }
}
