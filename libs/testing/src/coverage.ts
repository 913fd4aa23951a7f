import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The entry points that make an app an HTTP service (`src/main.api.ts`, `src/main.proxy.ts`). */
export const HTTP_ENTRY_POINTS = ['src/main.api.ts', 'src/main.proxy.ts'];

/**
 * The apps under `appsDir` that serve HTTP but have no `test/fuzz/*.fuzz-spec.ts`: a new service
 * joins the fuzz tier by existing, and this list says which one has not yet.
 */
export function appsWithoutFuzzSpec(appsDir: string): string[] {
  if (!existsSync(appsDir)) return [];
  return readdirSync(appsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .filter((app) => HTTP_ENTRY_POINTS.some((entry) => existsSync(join(appsDir, app, entry))))
    .filter((app) => {
      const dir = join(appsDir, app, 'test', 'fuzz');
      return !existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith('.fuzz-spec.ts'));
    })
    .sort();
}
