/** The JSON result every benchmark writes: `<out>/<benchmark>-<date>.json`, with the machine it ran on. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository's .bench directory (results go there unless --out says otherwise). */
export const DEFAULT_OUT = join(__dirname, '..', '..', '..', '.bench');

/** The machine: name, cores, memory, Node, load averages before (given) and now. */
export function hostInfo(loadavgBefore: number[]) {
  return {
    hostname: hostname(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryMiB: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    loadavgBefore,
    loadavgAfter: loadavg(),
  };
}

/** `<benchmark>-<ISO date with : and . as ->.json` (sortable, no characters a shell minds). */
export function resultName(benchmark: string, date: Date): string {
  return `${benchmark}-${date.toISOString().replace(/[:.]/g, '-')}.json`;
}

/** Writes `doc` as pretty JSON into `out` (created when missing); returns the file's path. */
export function writeResult(benchmark: string, date: Date, doc: unknown, out = DEFAULT_OUT): string {
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, resultName(benchmark, date));
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}
