import { createHash } from 'node:crypto';
import type { HashPath } from '../ring/ring';

/** The hash of a name as Swift keeps it on disk: md5(prefix + /a[/c[/o]] + suffix), hex. */
export function hashPath(hp: HashPath, account: string, container?: string, object?: string): string {
  const path = `/${[account, container, object].filter((p) => p !== undefined).join('/')}`;
  return createHash('md5').update(`${hp.prefix}${path}${hp.suffix}`).digest('hex');
}
