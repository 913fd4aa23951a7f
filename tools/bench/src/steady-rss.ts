/**
 * "Steady RSS after load": what each server process holds a few seconds after a load ended, once it
 * settled (Kumo's services run one full GC after 6 s of quiet following a load, see
 * docs/operations.md), against the per-process budget. A peak during the load says what the machine
 * must have; the steady figure says what the service keeps for good.
 */
import { processTree, pssMiB, rssMiB } from './proc';
import { num, sleep } from './util';

/** Every Kumo process's steady RSS budget after load, MiB (docs/operations.md). */
export const STEADY_BUDGET_MIB = 120;

export interface SteadyRss {
  /** the process in the report: "proxy", "storage 1", "server" */
  name: string;
  pid: number;
  /** the process tree's RSS, MiB (rounded); null when it was gone */
  rssMiB: number | null;
  /** its proportional set size (pages shared by the tree's processes counted once), MiB */
  pssMiB: number | null;
}

/** The processes of a target by role: its proxy (or API server) and storage servers, in order. */
export function steadyProcesses(
  proxy: number | null | undefined,
  storage: readonly number[],
  proxyName = 'proxy',
): Array<{ name: string; pid: number }> {
  return [
    ...(proxy ? [{ name: proxyName, pid: proxy }] : []),
    ...storage.map((pid, i) => ({ name: `storage ${i + 1}`, pid })),
  ];
}

/** Waits `settleSeconds`, then reads each process tree's RSS and PSS. */
export async function steadyRss(
  procs: ReadonlyArray<{ name: string; pid: number }>,
  settleSeconds: number,
): Promise<SteadyRss[]> {
  if (procs.length === 0) return [];
  await sleep(settleSeconds * 1000);
  return procs.map(({ name, pid }) => {
    const tree = processTree(pid);
    const rss = rssMiB(tree);
    const pss = pssMiB(tree);
    return {
      name,
      pid,
      rssMiB: rss > 0 ? Math.round(rss) : null,
      pssMiB: Number.isFinite(pss) && pss > 0 ? Math.round(pss) : null,
    };
  });
}

/** Several runs' figures (--rounds) as one: per process name, the highest RSS and PSS of the runs. */
export function highestSteady(runs: ReadonlyArray<SteadyRss[] | undefined>): SteadyRss[] | undefined {
  const given = runs.filter((r): r is SteadyRss[] => r !== undefined && r.length > 0);
  if (given.length === 0) return undefined;
  const by = new Map<string, SteadyRss>();
  const max = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
  for (const run of given)
    for (const p of run) {
      const seen = by.get(p.name);
      by.set(
        p.name,
        seen ? { ...seen, rssMiB: max(seen.rssMiB, p.rssMiB), pssMiB: max(seen.pssMiB, p.pssMiB) } : p,
      );
    }
  return [...by.values()];
}

/** The processes whose steady RSS is over `budgetMiB` (unknown ones are not). */
export function overBudget(list: readonly SteadyRss[], budgetMiB = STEADY_BUDGET_MIB): SteadyRss[] {
  return list.filter((p) => p.rssMiB !== null && p.rssMiB > budgetMiB);
}

/** One line per target: `kumo: proxy 112 MiB (PSS 70), storage 1 98 MiB (PSS 52), ...`. */
export function steadyLine(target: string, list: readonly SteadyRss[]): string {
  const parts = list.map((p) => `${p.name} ${num(p.rssMiB, 0)} MiB (PSS ${num(p.pssMiB, 0)})`);
  return `${target}: ${parts.join(', ') || '-'}`;
}
