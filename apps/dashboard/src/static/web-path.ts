import { existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';

/** Paths the server answers itself: never the app's page. */
export const SERVER_PATHS = /^\/(api|auth|events|healthcheck)(\/|$)/;

/** Who may run code in the page, load from where: only this origin, no frames, no inline script. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/**
 * The file of `root` a GET path names (`/assets/x.js`), `index.html` for a page of the app (a
 * path without an extension: the app routes it), or undefined (a missing file, a path out of root).
 */
export function resolveWebPath(root: string, urlPath: string): { file: string; asset: boolean } | undefined {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  const rel = normalize(path).replace(/^([/\\])+/, '');
  if (rel.split(sep).includes('..')) return undefined;
  if (rel && extname(rel)) {
    const full = join(root, rel);
    return existsSync(full) && statSync(full).isFile() ? { file: rel, asset: rel.startsWith(`assets${sep}`) } : undefined;
  }
  return { file: 'index.html', asset: false };
}
