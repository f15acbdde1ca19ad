/**
 * Idle workers of this process waiting for work, for engines without a notification channel
 * (SQLite, MySQL): an enqueue or an activation in this process wakes them at once; workers in
 * other processes find new work by polling.
 */
export class LocalWakeups {
  private readonly waiters = new Set<() => void>();

  /** Resolve on `wakeAll()`, after `timeoutMs`, or when `signal` aborts. */
  wait(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
      if (signal.aborted) done();
    });
  }

  wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
