/**
 * One operation at a time per instance (Nova's per-instance lock): operations on an instance run
 * in arrival order; a build registers an AbortController so that a delete can cancel it.
 */
export class InstanceLocks {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly builds = new Map<string, AbortController>();

  run<T>(instanceId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(instanceId) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(instanceId, tail);
    void tail.then(() => {
      if (this.tails.get(instanceId) === tail) this.tails.delete(instanceId);
    });
    return next;
  }

  busy(instanceId: string): boolean {
    return this.tails.has(instanceId);
  }

  startBuild(instanceId: string): AbortController {
    const ac = new AbortController();
    this.builds.set(instanceId, ac);
    return ac;
  }

  endBuild(instanceId: string, ac: AbortController): void {
    if (this.builds.get(instanceId) === ac) this.builds.delete(instanceId);
  }

  /** Cancels a running build of the instance; true when there was one. */
  cancelBuild(instanceId: string, reason: string): boolean {
    const ac = this.builds.get(instanceId);
    if (!ac) return false;
    ac.abort(new Error(reason));
    return true;
  }
}
