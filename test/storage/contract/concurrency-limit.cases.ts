import type { ClaimedTask } from '../../../lib/storage/engine.js';
import { addJob, claimRequest, type ContractContext, JOB, newTask, outcome } from './fixtures.js';

/** Per-job concurrency limits: `maxRunning` holds across concurrent claimers. */
export function concurrencyLimitCases(get: () => ContractContext): void {
  it('claims no more than maxRunning minus the tasks of that job already running', async () => {
    const { dataSource, engine } = get();
    await addJob(dataSource, JOB);
    await engine.enqueue(Array.from({ length: 6 }, () => newTask()));
    const first = await engine.claim(claimRequest({ maxRunning: 2, limit: 10 }));
    expect(first).toHaveLength(2);
    expect(await engine.claim(claimRequest({ worker: 'worker-b', maxRunning: 2, limit: 10 }))).toEqual([]);
    await engine.complete([outcome(first[0], 'worker-a')]);
    expect(await engine.claim(claimRequest({ worker: 'worker-b', maxRunning: 2, limit: 10 }))).toHaveLength(1);
  });

  it('holds under contention: 6 concurrent claimers never run more than 3 at once', async () => {
    const { dataSource, engine } = get();
    await addJob(dataSource, JOB);
    await engine.enqueue(Array.from({ length: 40 }, () => newTask()));
    let running = 0;
    let peak = 0;
    let done = 0;
    const loop = async (worker: string) => {
      while (done < 40) {
        const claimed: ClaimedTask[] = await engine.claim(claimRequest({ worker, maxRunning: 3, limit: 2 }));
        running += claimed.length;
        peak = Math.max(peak, running);
        if (claimed.length === 0) {
          await new Promise((r) => setTimeout(r, 2));
          continue;
        }
        await new Promise((r) => setTimeout(r, 5));
        running -= claimed.length;
        await engine.complete(claimed.map((task) => outcome(task, worker)));
        done += claimed.length;
      }
    };
    await Promise.all(['w1', 'w2', 'w3', 'w4', 'w5', 'w6'].map(loop));
    expect(done).toBe(40);
    expect(peak).toBeLessThanOrEqual(3);
  });
}
