import { UnknownDependencyError } from '../errors.js';
import type { TaskStatus } from '../types.js';
import type {
  BatchCounts,
  BatchState,
  EnqueueResult,
  FlowEnqueueResult,
  FlowTask,
  Instant,
  NewBatch,
  NewTask,
} from './engine.js';

/**
 * Dependencies and batches (docs/flow-control.md), the same steps on every database: each dialect
 * runs the statements this module yields on its own connection (synchronously on SQLite inside
 * one `BEGIN IMMEDIATE`, asynchronously elsewhere) and answers with the rows. SQL uses `?`
 * placeholders (PostgreSQL numbers them) and `{now}` for the database clock in milliseconds.
 *
 * Tasks that take no part (no dependents, no batch: `flow = 0`) never come here: the claim
 * statement only sees QUEUED rows (a task that waits is WAITING), and the completion only reports
 * the ids of tasks whose `flow` is set.
 */
export type FlowStep =
  { kind: 'sql'; sql: string; params: unknown[]; returnsId?: boolean } | { kind: 'enqueue'; task: NewTask };

/** Rows a step read (or `[{ id }]` for an insert that returns its id, `[{ id, created }]` for an enqueue). */
export type FlowRows = Record<string, unknown>[];

export interface FlowTables {
  task: string;
  dependency: string;
  batch: string;
}

/** Statuses after which a task never runs again. */
export const ENDED: readonly TaskStatus[] = ['COMPLETED', 'FAILED', 'TIMEOUT', 'STOPPED', 'EXPIRED', 'CANCELLED'];
/** Ends that count as a failure of a dependency or of a batch. */
const FAILURES: readonly TaskStatus[] = ['FAILED', 'TIMEOUT', 'EXPIRED', 'CANCELLED'];

export const HAS_DEPENDENTS = 1;
export const IN_BATCH = 2;

const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');
const sql = (text: string, params: unknown[], returnsId = false): FlowStep => ({
  kind: 'sql',
  sql: text,
  params,
  returnsId,
});
const NOW = 'COALESCE(?, {now})';

/** Each batch callback as stored: the callback task without its payload's counts. */
export interface StoredCallbacks {
  complete?: NewTask;
  success?: NewTask;
  failure?: NewTask;
}

/**
 * Insert a batch (when given) and tasks that wait for others or belong to it, in the caller's
 * transaction. The dependencies are locked first (`flow = flow | 1`), so none of them can finish
 * between the read of their status and the commit without seeing the new dependents. A task
 * whose dependencies all COMPLETED already is QUEUED at once; one with a dependency that ended
 * otherwise is CANCELLED (or WAITING, `onDependencyFailure: 'wait'`).
 */
export function* enqueueFlow(
  t: FlowTables,
  tasks: FlowTask[],
  batch: NewBatch | null,
): Generator<FlowStep, FlowEnqueueResult, FlowRows> {
  let batchId: number | null = null;
  if (batch) {
    const rows = yield sql(
      `INSERT INTO ${t.batch} (description, stopped, callbacks, created_at) VALUES (?, false, ?, ${NOW})`,
      [batch.description, batch.callbacks, batch.now],
      true,
    );
    batchId = Number(rows[0].id);
  }
  const deps = [...new Set(tasks.flatMap((task) => task.dependsOn))];
  const status = new Map<number, TaskStatus>();
  if (deps.length > 0) {
    yield sql(`UPDATE ${t.task} SET flow = flow | ${HAS_DEPENDENTS} WHERE id IN (${marks(deps.length)})`, deps);
    for (const row of yield sql(`SELECT id, status FROM ${t.task} WHERE id IN (${marks(deps.length)})`, deps))
      status.set(Number(row.id), row.status as TaskStatus);
    for (const task of tasks)
      for (const id of task.dependsOn) if (!status.has(id)) throw new UnknownDependencyError(task.jobName, id);
  }
  const uuids = [...new Set(tasks.map((task) => task.uuid))];
  const existing = new Map<string, Record<string, unknown>>();
  for (const row of yield sql(
    `SELECT id, uuid, job_name, payload, run_as, status FROM ${t.task} WHERE uuid IN (${marks(uuids.length)})`,
    uuids,
  ))
    existing.set(row.uuid as string, row);
  const results: EnqueueResult[] = [];
  const cancelled: number[] = [];
  const flagged = new Set<number>(deps);
  for (const task of tasks) {
    const found = existing.get(task.uuid);
    if (found) {
      results.push({
        id: Number(found.id),
        uuid: task.uuid,
        created: false,
        existing: {
          jobName: found.job_name as string,
          payload: found.payload as string | null,
          runAs: found.run_as as string | null,
        },
      });
      status.set(Number(found.id), found.status as TaskStatus);
      continue;
    }
    // Earlier tasks of this call it waits for (a batch's own order): known here, marked once.
    const earlier = (task.dependsOnItems ?? []).map((index) => results[index].id);
    const fresh = earlier.filter((id) => !flagged.has(id));
    if (fresh.length > 0) {
      yield sql(`UPDATE ${t.task} SET flow = flow | ${HAS_DEPENDENTS} WHERE id IN (${marks(fresh.length)})`, fresh);
      for (const id of fresh) flagged.add(id);
    }
    const ends = [...task.dependsOn, ...earlier].map((id) => status.get(id) as TaskStatus);
    const initial: TaskStatus = ends.every((s) => s === 'COMPLETED')
      ? 'QUEUED'
      : ends.some((s) => FAILURES.includes(s) || s === 'STOPPED') && task.onDependencyFailure === 'cancel'
        ? 'CANCELLED'
        : 'WAITING';
    const rows = yield sql(
      `INSERT INTO ${t.task} (uuid, job_name, payload, status, group_name, priority, next_run_time, stop_time, timeout_ms, retries,
         attempt, times_run, times_failed, repeats, schedule, run_as, queued_by, stop_requested, created_at, updated_at,
         trace_context, flow, batch_id)
       VALUES (?, ?, ?, ?, ?, ?, COALESCE(?, {now}), ?, ?, ?, 0, 0, 0, ?, ?, ?, ?, false, {now}, {now}, ?, ?, ?)`,
      [
        task.uuid,
        task.jobName,
        task.payload,
        initial,
        task.group,
        task.priority,
        task.nextRunTime,
        task.stopTime,
        task.timeoutMs,
        task.retries,
        task.repeats,
        task.schedule,
        task.runAs,
        task.queuedBy,
        task.traceContext ?? null,
        batchId === null ? 0 : IN_BATCH,
        batchId,
      ],
      true,
    );
    const id = Number(rows[0].id);
    existing.set(task.uuid, { id, job_name: task.jobName, payload: task.payload, run_as: task.runAs, status: initial });
    const own = [...new Set([...task.dependsOn, ...earlier])];
    if (own.length > 0) {
      yield sql(
        `INSERT INTO ${t.dependency} (depends_on, task_id, on_failure) VALUES ${own.map(() => '(?, ?, ?)').join(', ')}`,
        own.flatMap((dep) => [dep, id, task.onDependencyFailure]),
      );
    }
    if (initial === 'CANCELLED') cancelled.push(id);
    status.set(id, initial);
    results.push({ id, uuid: task.uuid, created: true });
  }
  return { batchId, tasks: results, settle: cancelled };
}

/**
 * After tasks ended (given by id; ids of tasks that did not end are ignored): queue the WAITING
 * dependents whose dependencies all COMPLETED, cancel those with a failed dependency (unless they
 * wait on failure; cancelling goes on down the chain), and account for their batches, queuing a
 * batch's callbacks when due. Every write is conditional (`status = 'WAITING'`) and callbacks
 * have a uuid derived from the batch, so running this twice, or on two nodes at once, changes
 * nothing more. Returns how many tasks were queued.
 */
export function* settleFlow(t: FlowTables, taskIds: number[], now: Instant): Generator<FlowStep, number, FlowRows> {
  let queue = [...new Set(taskIds)];
  let released = 0;
  const batches = new Set<number>();
  while (queue.length > 0) {
    const rows = yield sql(
      `SELECT id, status, flow, batch_id FROM ${t.task} WHERE id IN (${marks(queue.length)})`,
      queue,
    );
    queue = [];
    const ended = rows.filter((row) => ENDED.includes(row.status as TaskStatus));
    for (const row of ended)
      if (Number(row.flow) & IN_BATCH && row.batch_id !== null) batches.add(Number(row.batch_id));
    const parents = ended.filter((row) => Number(row.flow) & HAS_DEPENDENTS).map((row) => Number(row.id));
    if (parents.length === 0) continue;
    const waiting = (yield sql(
      `SELECT DISTINCT d.task_id FROM ${t.dependency} d JOIN ${t.task} w ON w.id = d.task_id
          WHERE d.depends_on IN (${marks(parents.length)}) AND w.status = 'WAITING'`,
      parents,
    )).map((row) => Number(row.task_id));
    if (waiting.length === 0) continue;
    const edges = yield sql(
      `SELECT d.task_id, d.on_failure, p.status FROM ${t.dependency} d JOIN ${t.task} p ON p.id = d.depends_on
        WHERE d.task_id IN (${marks(waiting.length)})`,
      waiting,
    );
    const verdict = new Map<number, { done: boolean; failed: boolean; cancel: boolean }>();
    for (const edge of edges) {
      const id = Number(edge.task_id);
      const v = verdict.get(id) ?? { done: true, failed: false, cancel: edge.on_failure === 'cancel' };
      const s = edge.status as TaskStatus;
      if (s !== 'COMPLETED') v.done = false;
      if (FAILURES.includes(s) || s === 'STOPPED') v.failed = true;
      verdict.set(id, v);
    }
    const release = [...verdict].filter(([, v]) => v.done).map(([id]) => id);
    const cancel = [...verdict].filter(([, v]) => v.failed && v.cancel).map(([id]) => id);
    if (release.length > 0) {
      const changed = yield sql(
        // It keeps its own start time (`startAt`/`delay`, else when it was enqueued): due at once, or then.
        `UPDATE ${t.task} SET status = 'QUEUED', updated_at = ${NOW} WHERE id IN (${marks(release.length)}) AND status = 'WAITING'`,
        [now, ...release],
      );
      released += Number(changed[0]?.affected ?? release.length);
    }
    if (cancel.length > 0) {
      yield sql(
        `UPDATE ${t.task} SET status = 'CANCELLED', updated_at = ${NOW} WHERE id IN (${marks(cancel.length)}) AND status = 'WAITING'`,
        [now, ...cancel],
      );
      queue = cancel; // their own dependents, and their batches
    }
  }
  for (const batchId of batches) yield* settleBatch(t, batchId, now);
  return released;
}

/**
 * What `settleFlow` would have done for tasks that ended elsewhere than in a completion or a
 * stop (an expiry, a rescue that failed them, or a process that died between its completion and
 * the settle): the ended tasks that still have WAITING dependents, and the batches whose tasks
 * all ended but that are not marked finished, are settled. Cheap: it starts from WAITING rows
 * (the status index) and unfinished batches.
 */
export function* sweepFlow(t: FlowTables, now: Instant): Generator<FlowStep, number, FlowRows> {
  const ended = ENDED.map((s) => `'${s}'`).join(', ');
  const parents = (yield sql(
    `SELECT DISTINCT d.depends_on FROM ${t.task} w JOIN ${t.dependency} d ON d.task_id = w.id JOIN ${t.task} p ON p.id = d.depends_on
        WHERE w.status = 'WAITING' AND p.status IN (${ended})`,
    [],
  )).map((row) => Number(row.depends_on));
  const released = parents.length > 0 ? yield* settleFlow(t, parents, now) : 0;
  const batches = yield sql(
    `SELECT b.id FROM ${t.batch} b WHERE b.finished_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM ${t.task} x WHERE x.batch_id = b.id AND x.status IN ('WAITING', 'QUEUED', 'RUNNING'))`,
    [],
  );
  for (const batch of batches) yield* settleBatch(t, Number(batch.id), now);
  return released;
}

/** Counts a batch's tasks by status. */
export function* batchCounts(t: FlowTables, batchId: number): Generator<FlowStep, BatchCounts, FlowRows> {
  const rows = yield sql(`SELECT status, COUNT(*) AS n FROM ${t.task} WHERE batch_id = ? GROUP BY status`, [batchId]);
  return countsOf(rows);
}

export function countsOf(rows: FlowRows): BatchCounts {
  const counts: BatchCounts = { total: 0, pending: 0, completed: 0, failed: 0, cancelled: 0, stopped: 0 };
  for (const row of rows) {
    const n = Number(row.n);
    const s = row.status as TaskStatus;
    counts.total += n;
    if (s === 'COMPLETED') counts.completed += n;
    else if (s === 'CANCELLED') counts.cancelled += n;
    else if (s === 'STOPPED') counts.stopped += n;
    else if (FAILURES.includes(s)) counts.failed += n;
    else counts.pending += n;
  }
  return counts;
}

function* settleBatch(t: FlowTables, batchId: number, now: Instant): Generator<FlowStep, void, FlowRows> {
  const counts = yield* batchCounts(t, batchId);
  const [batch] = yield sql(`SELECT id, callbacks, finished_at FROM ${t.batch} WHERE id = ?`, [batchId]);
  if (!batch) return;
  const callbacks = (batch.callbacks ? JSON.parse(batch.callbacks as string) : {}) as StoredCallbacks;
  const fire = (on: 'complete' | 'success' | 'failure', task: NewTask): FlowStep => ({
    kind: 'enqueue',
    task: {
      ...task,
      uuid: `kronos:batch:${batchId}:${on}`,
      payload: `{"batchId":${batchId},"counts":${JSON.stringify(counts)},"payload":${task.payload ?? 'null'}}`,
    },
  });
  if (callbacks.failure && counts.failed + counts.cancelled > 0) yield fire('failure', callbacks.failure);
  if (counts.pending > 0) return;
  if (batch.finished_at === null)
    yield sql(`UPDATE ${t.batch} SET finished_at = ${NOW} WHERE id = ? AND finished_at IS NULL`, [now, batchId]);
  if (callbacks.complete) yield fire('complete', callbacks.complete);
  if (callbacks.success && counts.completed === counts.total) yield fire('success', callbacks.success);
}

/** Stop a batch: its WAITING and QUEUED tasks become STOPPED (running ones finish). Returns their ids, or null for no batch. */
export function* stopBatch(
  t: FlowTables,
  batchId: number,
  now: Instant,
): Generator<FlowStep, number[] | null, FlowRows> {
  const [batch] = yield sql(`SELECT id FROM ${t.batch} WHERE id = ?`, [batchId]);
  if (!batch) return null;
  yield sql(`UPDATE ${t.batch} SET stopped = true WHERE id = ?`, [batchId]);
  const ids = (yield sql(`SELECT id FROM ${t.task} WHERE batch_id = ? AND status IN ('WAITING', 'QUEUED')`, [
    batchId,
  ])).map((row) => Number(row.id));
  if (ids.length > 0) {
    yield sql(
      `UPDATE ${t.task} SET status = 'STOPPED', updated_at = ${NOW} WHERE id IN (${marks(ids.length)}) AND status IN ('WAITING', 'QUEUED')`,
      [now, ...ids],
    );
  }
  return ids;
}

/** A batch's state, or null. */
export function* readBatch(t: FlowTables, batchId: number): Generator<FlowStep, BatchState | null, FlowRows> {
  const [batch] = yield sql(`SELECT id, description, stopped, created_at, finished_at FROM ${t.batch} WHERE id = ?`, [
    batchId,
  ]);
  if (!batch) return null;
  return stateOf(batch, yield* batchCounts(t, batchId));
}

/** The latest batches, newest first, with their counts. */
export function* listBatches(t: FlowTables, limit: number): Generator<FlowStep, BatchState[], FlowRows> {
  const batches = yield sql(
    `SELECT id, description, stopped, created_at, finished_at FROM ${t.batch} ORDER BY id DESC LIMIT ${Math.max(1, Math.floor(limit))}`,
    [],
  );
  const states: BatchState[] = [];
  for (const batch of batches) states.push(stateOf(batch, yield* batchCounts(t, Number(batch.id))));
  return states;
}

const stateOf = (batch: Record<string, unknown>, counts: BatchCounts): BatchState => ({
  id: Number(batch.id),
  description: (batch.description as string | null) ?? null,
  stopped: batch.stopped === true || Number(batch.stopped) === 1,
  createdAt: Number(batch.created_at),
  finishedAt: batch.finished_at === null || batch.finished_at === undefined ? null : Number(batch.finished_at),
  counts,
});

/** Run a flow whose every step is synchronous (SQLite, inside its transaction). */
export function runFlowSync<R>(flow: Generator<FlowStep, R, FlowRows>, step: (s: FlowStep) => FlowRows): R {
  let next = flow.next();
  while (!next.done) next = flow.next(step(next.value));
  return next.value;
}

/** Run a flow step by step on an asynchronous connection. */
export async function runFlow<R>(
  flow: Generator<FlowStep, R, FlowRows>,
  step: (s: FlowStep) => Promise<FlowRows>,
): Promise<R> {
  let next = flow.next();
  while (!next.done) next = flow.next(await step(next.value));
  return next.value;
}
