import type { DedupRequest, NewTask, UniqueEnqueueResult } from './engine.js';

/**
 * The steps of `enqueueUnique`, the same on every database; each dialect supplies the SQL of a
 * step and runs the flow on its own connection or the caller's transaction (synchronously on
 * SQLite's engine connection, asynchronously elsewhere).
 *
 * The unique index on (job, dedup_key) is the arbiter; nothing is decided on a read alone:
 *
 * 1. insert the task holding the key, skipping it on any unique conflict (the key, or the uuid);
 *    a concurrent insert of the same key waits for the other transaction and then skips;
 * 2. on a conflict, read the row holding the key and whether its window is still open;
 * 3. open: keep it, or extend its window / replace its payload and times with an UPDATE whose
 *    WHERE repeats the condition (a concurrent change is seen, and the flow starts again);
 * 4. passed: clear its key with `UPDATE ... WHERE dedup_key = key AND dedup_until <= now`, so
 *    exactly one of the enqueuers racing for a passed window frees it, and try the insert again:
 *    the index lets one of them in, the others find its row at step 2.
 *
 * So two tasks of one job never hold one key at once, and a key is only taken over once the
 * window of the task holding it has passed.
 */
export type DedupStep =
  | { kind: 'insert' }
  | { kind: 'holder' }
  | { kind: 'byUuid' }
  | { kind: 'extend'; id: number }
  | { kind: 'replace'; id: number }
  | { kind: 'free'; id: number };

/** What a step returned: the rows of a read, the rows inserted, or the count of rows updated. */
export interface StepResult {
  rows: Record<string, unknown>[];
  affected: number;
}

/** How many times the flow starts again (a passed window freed, a holder gone meanwhile) before giving up. */
const MAX_ROUNDS = 10;

export function* dedupFlow(task: NewTask, dedup: DedupRequest): Generator<DedupStep, UniqueEnqueueResult, StepResult> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const inserted = yield { kind: 'insert' };
    if (inserted.rows[0]) return { id: Number(inserted.rows[0].id), uuid: task.uuid, created: true };
    const holder = (yield { kind: 'holder' }).rows[0];
    if (holder) {
      const id = Number(holder.id);
      const uuid = holder.uuid as string;
      if (uuid === task.uuid) return { id, uuid, created: false, existing: content(holder) };
      if (Number(holder.live) === 1 || holder.live === true) {
        if (dedup.onConflict === 'keep') return { id, uuid, created: false, deduplicated: 'kept' };
        if (dedup.onConflict === 'extend') {
          if ((yield { kind: 'extend', id }).affected > 0)
            return { id, uuid, created: false, deduplicated: 'extended' };
          continue;
        }
        const replaced = (yield { kind: 'replace', id }).affected > 0;
        return { id, uuid, created: false, deduplicated: replaced ? 'replaced' : 'kept' };
      }
      yield { kind: 'free', id };
      continue;
    }
    const sameUuid = (yield { kind: 'byUuid' }).rows[0];
    if (sameUuid) return { id: Number(sameUuid.id), uuid: task.uuid, created: false, existing: content(sameUuid) };
  }
  throw new Error(
    `Kronos: the deduplication key ${JSON.stringify(dedup.key)} of job "${task.jobName}" changed hands ${MAX_ROUNDS} times during one enqueue`,
  );
}

const content = (row: Record<string, unknown>) => ({
  jobName: row.job_name as string,
  payload: row.payload as string | null,
  runAs: row.run_as as string | null,
});

/** Drive the flow with an asynchronous step runner. */
export async function runDedupFlow(
  task: NewTask,
  dedup: DedupRequest,
  step: (s: DedupStep) => Promise<StepResult>,
): Promise<UniqueEnqueueResult> {
  const flow = dedupFlow(task, dedup);
  let next = flow.next();
  while (!next.done) next = flow.next(await step(next.value));
  return next.value;
}

/** Drive the flow with a synchronous step runner (inside a better-sqlite3 transaction). */
export function runDedupFlowSync(
  task: NewTask,
  dedup: DedupRequest,
  step: (s: DedupStep) => StepResult,
): UniqueEnqueueResult {
  const flow = dedupFlow(task, dedup);
  let next = flow.next();
  while (!next.done) next = flow.next(step(next.value));
  return next.value;
}
