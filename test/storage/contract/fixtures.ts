import { randomUUID } from 'node:crypto';
import { In, type DataSource } from 'typeorm';
import { JobDefinition, Run, Task, Worker } from '../../../lib/entities/index.js';
import type {
  ClaimedTask,
  ClaimRequest,
  NewTask,
  StorageEngine,
  TaskOutcome,
  WorkerRecord,
} from '../../../lib/storage/engine.js';
import type { Dialect } from '../../support/databases.js';

/** What every contract case works with, set up once per suite and emptied before each case. */
export interface ContractContext {
  dialect: Dialect;
  dataSource: DataSource;
  engine: StorageEngine;
}

/** A fixed test clock (epoch ms) for cases whose behaviour depends on time. */
export const T0 = 1_700_000_000_000;
export const JOB = 'contract.job';
export const GROUP = 'main';

export function newTask(overrides: Partial<NewTask> = {}): NewTask {
  return {
    uuid: randomUUID(),
    jobName: JOB,
    payload: '{"n":1}',
    group: GROUP,
    priority: 0,
    nextRunTime: T0,
    stopTime: null,
    timeoutMs: 30_000,
    retries: 0,
    runAs: 'user-7',
    queuedBy: 'test',
    schedule: null,
    repeats: 0,
    ...overrides,
  };
}

export function claimRequest(overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  return { worker: 'worker-a', groups: [GROUP], jobNames: [JOB], limit: 10, now: T0, ...overrides };
}

/** The write-back of a successful attempt of `task`; override what a case needs. */
export function outcome(task: ClaimedTask, worker: string, overrides: Partial<TaskOutcome> = {}): TaskOutcome {
  return {
    taskId: task.id,
    claimToken: task.claimToken,
    jobName: task.jobName,
    worker,
    attempt: task.attempt,
    runAs: task.runAs,
    scheduledFor: task.scheduledFor,
    runStatus: 'COMPLETED',
    startTime: T0 + 10,
    stopTime: T0 + 25,
    result: '{"synced":12}',
    message: 'done',
    output: 'line 1\nline 2',
    traceback: null,
    taskStatus: 'COMPLETED',
    nextRunTime: null,
    delayMs: 0,
    timesRun: task.timesRun + 1,
    timesFailed: task.timesFailed,
    nextAttempt: task.attempt,
    ...overrides,
  };
}

export function workerRecord(name: string, overrides: Partial<WorkerRecord> = {}): WorkerRecord {
  return { name, groups: [GROUP], hostname: 'host-1', pid: 4242, running: 0, completed: 0, failed: 0, ...overrides };
}

/** Store a job definition row, as discovery would. */
export async function addJob(
  dataSource: DataSource,
  name: string,
  flags: { active?: boolean; missing?: boolean } = {},
): Promise<void> {
  await dataSource.getRepository(JobDefinition).insert({
    name,
    kind: 'queued',
    schedule: null,
    scheduleNormalized: null,
    timezone: null,
    active: flags.active ?? true,
    activeSetBy: 'code',
    description: null,
    timeoutMs: null,
    retries: 0,
    group: GROUP,
    priority: 0,
    kwargs: null,
    source: 'code',
    missing: flags.missing ?? false,
    firstSeen: T0,
    lastSeen: T0,
    updatedAt: T0,
  });
}

export const taskRow = (ctx: ContractContext, id: number): Promise<Task> =>
  ctx.dataSource.getRepository(Task).findOneByOrFail({ id });

export const runsOf = (ctx: ContractContext, taskId: number): Promise<Run[]> =>
  ctx.dataSource.getRepository(Run).find({ where: { taskId }, order: { id: 'ASC' } });

export const workerRow = (ctx: ContractContext, name: string): Promise<Worker | null> =>
  ctx.dataSource.getRepository(Worker).findOneBy({ name });

/** Enqueue one task and claim it (explicit clock), for cases that start from a RUNNING task. */
export async function running(
  ctx: ContractContext,
  worker: string,
  task: Partial<NewTask> = {},
  now = T0,
): Promise<ClaimedTask> {
  const [{ id }] = await ctx.engine.enqueue([newTask({ nextRunTime: now, ...task })]);
  const claimed = await ctx.engine.claim(
    claimRequest({ worker, now, limit: 1, jobNames: [task.jobName ?? JOB], groups: [task.group ?? GROUP] }),
  );
  const mine = claimed.find((c) => c.id === id);
  if (!mine) throw new Error(`task ${id} was not claimed`);
  return mine;
}

export async function emptyTables(dataSource: DataSource): Promise<void> {
  for (const entity of [Run, Task, Worker, JobDefinition]) await dataSource.getRepository(entity).clear();
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Claimers working at once, one a request, each claiming on the database clock (`now: null`) and
 * completing what it got, until `total` tasks are claimed (20 s at most). Gives the claimed_at of
 * every task claimed: the clock its claim's window was judged by.
 */
export async function claimConcurrently(
  { dataSource, engine }: ContractContext,
  total: number,
  claimers: Partial<ClaimRequest>[],
): Promise<number[]> {
  const starts: number[] = [];
  let done = 0;
  const deadline = Date.now() + 20_000;
  const loop = async (request: Partial<ClaimRequest>) => {
    const worker = request.worker ?? 'worker-a';
    while (done < total && Date.now() < deadline) {
      const tasks = await engine.claim(claimRequest({ ...request, now: null }));
      if (tasks.length === 0) {
        await sleep(5);
        continue;
      }
      done += tasks.length;
      const claimed = await dataSource.getRepository(Task).findBy({ id: In(tasks.map((task) => task.id)) });
      starts.push(...claimed.map((task) => task.claimedAt!));
      await engine.complete(tasks.map((task) => outcome(task, worker)));
    }
  };
  await Promise.all(claimers.map(loop));
  return starts;
}

/** Claims counted per fixed window of `perMs`: the most any window saw, and how many windows saw one. */
export function claimsPerWindow(starts: number[], perMs: number): { most: number; windows: number } {
  const perWindow = new Map<number, number>();
  for (const at of starts) {
    const window = Math.floor(at / perMs);
    perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
  }
  return { most: Math.max(...perWindow.values()), windows: perWindow.size };
}
