/** Swift's quorum: a majority of the replicas. */
export function quorum(replicas: number): number {
  return Math.floor(replicas / 2) + 1;
}

/** The status the client sees: the most common one among those reaching quorum, else the best. */
export function bestStatus(statuses: number[], replicas: number): number {
  const need = quorum(replicas);
  for (const cls of [2, 4, 3]) {
    const matching = statuses.filter((s) => Math.floor(s / 100) === cls);
    if (matching.length >= need) {
      const counts = new Map<number, number>();
      for (const s of matching) counts.set(s, (counts.get(s) ?? 0) + 1);
      return [...counts].sort((a, b) => b[1] - a[1])[0][0];
    }
  }
  return 503;
}

/** How long the last replicas of a write may take once a quorum has stored it (Swift's post_quorum_timeout). */
export const POST_QUORUM_MS = 500;

/**
 * The answers of a write's replicas: all of them, or those in POST_QUORUM_MS after a quorum answered
 * 2xx (the others count as not yet answered, status 0, and go on in the background; the replicator
 * evens out a replica that then fails). A replica whose fsync waits behind the disk's writeback does
 * not hold the client, as in Swift.
 */
export function quorumOrAll<T extends { status: number }>(answers: Array<Promise<T>>, need: number, graceMs = POST_QUORUM_MS): Promise<Array<T | { status: 0 }>> {
  return new Promise((resolve) => {
    const got: Array<T | undefined> = answers.map(() => undefined);
    let left = answers.length;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      resolve(got.map((r) => r ?? { status: 0 as const }));
    };
    if (left === 0) return finish();
    answers.forEach((p, i) =>
      void p.then((r) => {
        got[i] = r;
        if (--left === 0) return finish();
        if (!timer && got.filter((x) => x && x.status >= 200 && x.status < 300).length >= need) timer = setTimeout(finish, graceMs);
      }),
    );
  });
}
