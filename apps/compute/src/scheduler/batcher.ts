/**
 * Group commit: what is submitted while a flush runs goes together into the next flush (and what
 * arrives in one turn of the event loop into the same one), so that the database sees one
 * statement per batch instead of a few per item, and an idle process adds no delay: a lone item is
 * flushed at the next turn. `submit` resolves with the item's own result once its batch is done,
 * or rejects with the error its flush threw (so an RPC handler acks only what was written).
 */
export class Batcher<T, R = void> {
  private queue: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  private running = false;
  private scheduled = false;

  /**
   * @param flush writes a batch; returns one result per item, in order (an array shorter than the
   *   batch, e.g. for `void`, resolves the rest with undefined)
   * @param max at most this many items per flush
   */
  constructor(
    private readonly flush: (items: T[]) => Promise<R[] | void>,
    private readonly max = 256,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Items waiting for a flush (not counting the one in flight). */
  get waiting(): number {
    return this.queue.length;
  }

  private async drain(): Promise<void> {
    this.scheduled = false;
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.max);
        try {
          const results = (await this.flush(batch.map((b) => b.item))) ?? [];
          batch.forEach((b, i) => b.resolve(results[i] as R));
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
