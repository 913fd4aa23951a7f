/** mysql2's duplicate-key error (wrapped by TypeORM's QueryFailedError): the key's name, or undefined. */
export function duplicateKey(err: unknown): string | undefined {
  const e = err as { code?: string; driverError?: { code?: string; sqlMessage?: string }; sqlMessage?: string };
  const code = e?.driverError?.code ?? e?.code;
  if (code !== 'ER_DUP_ENTRY') return undefined;
  const m = /for key '(?:[^.']*\.)?([^']+)'/.exec(e.driverError?.sqlMessage ?? e.sqlMessage ?? '');
  return m?.[1] ?? 'PRIMARY';
}

/** A deadlock or lock wait timeout: the transaction was rolled back and may be run again. */
export function isRetryableLockError(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } };
  const code = e?.driverError?.code ?? e?.code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}

/** Runs `work` again (at most `attempts` times in all) when InnoDB chose its transaction as a deadlock victim. */
export async function retryOnDeadlock<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (err) {
      if (i >= attempts || !isRetryableLockError(err)) throw err;
      await new Promise((r) => setTimeout(r, 5 * i + Math.floor(Math.random() * 10)));
    }
  }
}
