// A domain as callers see it: name, UUID as the usual 36-character string, and the id libvirt
// gives a running domain (-1 when it is not running). The wire form carries the UUID's 16 bytes.
import type { NonnullDomain } from './generated/types';
import { VIR_UUID_BUFLEN } from './generated/types';
import { LibvirtError } from './errors';
import { ErrorDomain, ErrorNumber } from './generated/constants';

export interface Domain {
  name: string;
  uuid: string;
  id: number;
}

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export function uuidToString(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function uuidToBytes(uuid: string): Buffer {
  if (!UUID_RE.test(uuid)) {
    throw new LibvirtError(
      `invalid UUID ${JSON.stringify(uuid)}`,
      ErrorNumber.INVALID_ARG,
      ErrorDomain.DOMAIN,
    );
  }
  const b = Buffer.from(uuid.replace(/-/g, ''), 'hex');
  if (b.length !== VIR_UUID_BUFLEN) throw new LibvirtError(`invalid UUID ${uuid}`, ErrorNumber.INVALID_ARG);
  return b;
}

export const domainFromWire = (d: NonnullDomain): Domain => ({
  name: d.name,
  uuid: uuidToString(d.uuid),
  id: d.id,
});

export const domainToWire = (d: Domain): NonnullDomain => ({
  name: d.name,
  uuid: uuidToBytes(d.uuid),
  id: d.id,
});
