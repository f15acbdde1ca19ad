import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { Job, Run, Task } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { executions, fleetClosedAfterEach, startWorkerProcess, type WorkerProcess } from '../support/processes.js';
import { bootApp, freshDatabase, waitFor } from '../support/test-app.js';

const GROUP_LIMIT = 20;
const SMS_LIMIT = 15;
const PER_MS = 1000;
const PER_JOB = 60;
const ROUNDS = 3;

/** The same declarations as the worker processes' (test/fixtures/worker-process.ts, KRONOS_FIXTURE_GROUP_RATED=1). */
@Injectable()
class GroupRatedJobs {
  @Job('bulk.mail', { group: 'bulk' })
  async mail() {}

  @Job('bulk.sms', { group: 'bulk', rateLimit: { limit: SMS_LIMIT, per: PER_MS } })
  async sms() {}
}

interface Claim {
  taskId: number;
  job: string;
  claimedAt: number;
}

/** What the worker processes' handlers recorded: each run's task, job and claim instant (`<log>.claimed`). */
function claims(workers: WorkerProcess[]): Claim[] {
  return workers.flatMap((worker) => {
    const file = `${worker.log}.claimed`;
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [taskId, job, claimedAt] = line.split(' ');
        return { taskId: Number(taskId), job, claimedAt: Number(claimedAt) };
      });
  });
}

/** Starts per window `[k × PER_MS, (k + 1) × PER_MS)`, by claim instant. */
function perWindow(claimed: Claim[]): Map<number, number> {
  const windows = new Map<number, number>();
  for (const { claimedAt } of claimed) {
    const window = Math.floor(claimedAt / PER_MS);
    windows.set(window, (windows.get(window) ?? 0) + 1);
  }
  return windows;
}

describeForDialects('a group rate limit across three worker processes', (dialect) => {
  const fleet = fleetClosedAfterEach();

  it(`no window of ${PER_MS} ms has more than ${GROUP_LIMIT} claims (starts) of the group's two jobs together (nor ${SMS_LIMIT} of the one with its own limit); every task runs exactly once, none fails; ${ROUNDS} rounds`, async () => {
    const db = await freshDatabase(dialect);
    // The enqueuing process has no worker: only the three child processes run tasks.
    fleet.web = await bootApp(db, [GroupRatedJobs], { worker: false });
    fleet.workers = await Promise.all(
      [0, 1, 2].map(() =>
        startWorkerProcess(db.options, {
          KRONOS_FIXTURE_GROUP_RATED: '1',
          KRONOS_FIXTURE_GROUPS: 'main,bulk',
          // Leases that a loaded machine's slow heartbeats do not lose: this spec is about the limit, not fencing.
          KRONOS_FIXTURE_HEARTBEAT_MS: '1000',
          KRONOS_FIXTURE_DEAD_AFTER_MS: '20000',
        }),
      ),
    );
    const web = fleet.web;
    const tasks = web.dataSource.getRepository(Task);
    const total = 2 * PER_JOB;
    const seen = new Set<number>();

    for (let round = 0; round < ROUNDS; round++) {
      const queued = [
        ...(await web.scheduler.enqueueMany(
          'bulk.mail',
          Array.from({ length: PER_JOB }, (_, n) => ({ n, round })),
        )),
        ...(await web.scheduler.enqueueMany(
          'bulk.sms',
          Array.from({ length: PER_JOB }, (_, n) => ({ n, round })),
        )),
      ].map((task) => task.id);

      // Over the limit, tasks wait QUEUED: they are never failed.
      await waitFor(
        async () => (await tasks.countBy({ id: In(queued), status: 'COMPLETED' })) === total,
        60_000,
        `round ${round}: all tasks COMPLETED`,
      );
      const runs = await web.dataSource.getRepository(Run).findBy({ taskId: In(queued) });
      expect(runs).toHaveLength(total);
      expect(runs.every((run) => run.status === 'COMPLETED')).toBe(true);
      expect(new Set(runs.map((run) => run.taskId)).size).toBe(total);
      for (const id of queued) seen.add(id);

      // What the limit counts is the claim (a handler starts a little later, longer on a loaded
      // machine): each task's claim instant, read by its handler from the task row.
      const ids = new Set(queued);
      const claimed = claims(fleet.workers).filter((claim) => ids.has(claim.taskId));
      expect(claimed).toHaveLength(total);
      const group = perWindow(claimed);
      expect([...group.entries()].filter(([, starts]) => starts > GROUP_LIMIT)).toEqual([]);
      const sms = perWindow(claimed.filter((claim) => claim.job === 'bulk.sms'));
      expect([...sms.entries()].filter(([, starts]) => starts > SMS_LIMIT)).toEqual([]);
      // 120 starts at 20 per window take at least 6 windows; the limit was the brake, not idleness.
      expect(group.size).toBeGreaterThanOrEqual(Math.ceil(total / GROUP_LIMIT));
      expect(Math.max(...group.values())).toBe(GROUP_LIMIT);
    }

    // Every task of every round ran exactly once, in one of the processes, and none failed.
    const executed = fleet.workers.flatMap(executions);
    expect(executed).toHaveLength(seen.size);
    expect(new Set(executed)).toEqual(seen);
    expect(await tasks.countBy({ status: In(['FAILED', 'QUEUED', 'RUNNING']) })).toBe(0);
    // More than one process took part.
    expect(fleet.workers.filter((w) => executions(w).length > 0).length).toBeGreaterThanOrEqual(2);
  }, 480_000);
});
