import type { ClaimedTask } from './engine.js';

const num = (value: unknown): number => Number(value);
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
// A text column comes back as a string, a number or a bigint, depending on the driver.
// eslint-disable-next-line @typescript-eslint/no-base-to-string -- never an object (see above)
const textOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/**
 * A claimed task row (snake_case columns as every engine's claim returns them) as a
 * `ClaimedTask`. Drivers hand BIGINT back as strings on PostgreSQL and MySQL; epoch-ms values
 * fit a JS number exactly. An engine that knows the claim's token (one per claim) passes it
 * rather than reading it back from every row.
 */
export function claimedTaskFromRow(row: Record<string, unknown>, claimToken = String(row.claim_token)): ClaimedTask {
  return {
    id: num(row.id),
    uuid: String(row.uuid),
    jobName: String(row.job_name),
    payload: textOrNull(row.payload),
    group: String(row.group_name),
    priority: num(row.priority),
    timeoutMs: numOrNull(row.timeout_ms),
    retries: num(row.retries),
    attempt: num(row.attempt),
    timesRun: num(row.times_run),
    timesFailed: num(row.times_failed),
    repeats: num(row.repeats),
    schedule: textOrNull(row.schedule),
    scheduledFor: num(row.next_run_time),
    runAs: textOrNull(row.run_as),
    claimToken,
    traceContext: textOrNull(row.trace_context),
  };
}
