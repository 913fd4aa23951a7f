import type { AuthContext } from '@kumo/auth';

/** A container ACL (X-Container-Read / X-Container-Write), parsed: Swift's comma-separated grants. */
export function parseAcl(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
}

/** `.r:*` (or `.r:<referrer>` matching) lets anyone read objects. */
export function allowsReferrer(grants: string[], referer: string | undefined): boolean {
  return grants.some((g) => {
    if (!g.startsWith('.r:')) return false;
    const ref = g.slice(3);
    if (ref === '*') return true;
    if (ref.startsWith('-') || !referer) return false;
    try {
      const host = new URL(referer).hostname;
      return ref.startsWith('.') ? host.endsWith(ref) : host === ref;
    } catch {
      return false;
    }
  });
}

export function allowsListings(grants: string[]): boolean {
  return grants.includes('.rlistings');
}

/** `<project_id>:<user_id>`, `<project_id>:*`, `*:<user_id>`, `<project_name>:<user_name>`, or `*:*`. */
export function grantsUser(grants: string[], auth: AuthContext): boolean {
  return grants.some((g) => {
    const i = g.indexOf(':');
    if (i < 0 || g.startsWith('.')) return false;
    const project = g.slice(0, i);
    const user = g.slice(i + 1);
    const projectOk = project === '*' || project === auth.projectId || (auth.projectName !== undefined && project === auth.projectName);
    const userOk = user === '*' || user === auth.userId || user === auth.userName;
    return projectOk && userOk;
  });
}

/**
 * Swift's clean_acl: an X-Container-Read / X-Container-Write value normalized (`.ref:x` → `.r:x`,
 * spaces and empty grants dropped), or an Error whose message says why it is refused (a referrer in a
 * write ACL, a referrer without a host, an unknown `.designator`).
 */
export function cleanAcl(header: string, value: string): string {
  const out: string[] = [];
  for (const raw of value.split(',').map((v) => v.trim())) {
    if (!raw) continue;
    const i = raw.indexOf(':');
    if (i < 0) {
      out.push(raw);
      continue;
    }
    const first = raw.slice(0, i).trim();
    let second = raw.slice(i + 1).trim();
    if (!first || !first.startsWith('.')) {
      out.push(raw);
      continue;
    }
    if (!['.r', '.ref', '.referer', '.referrer'].includes(first)) throw new Error(`Unknown designator '${first}' in ACL: '${raw}'`);
    if (header.toLowerCase().includes('write')) throw new Error(`Referrers not allowed in write ACL: '${raw}'`);
    let negate = false;
    if (second.startsWith('-')) {
      negate = true;
      second = second.slice(1).trim();
    }
    if (second && second !== '*' && second.startsWith('*')) second = second.slice(1).trim();
    if (!second || second === '.') throw new Error(`No host/domain value after referrer designation in ACL: '${raw}'`);
    out.push(`.r:${negate ? '-' : ''}${second}`);
  }
  return out.join(',');
}
