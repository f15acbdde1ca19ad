/**
 * What a rescue does with an attempt lost with its worker, written once for the three engines
 * (PostgreSQL applies it in SQL, MySQL and SQLite in TypeScript):
 *
 * - a recurring task is queued again at once, for a fresh occurrence (its attempt reset to 0);
 * - a one-off task is retried while `attempt <= retries` (the lost attempt counts) and FAILED
 *   otherwise;
 * - the attempt is recorded as a LOST run whose message names the worker
 *   ({@link workerLostMessage}), also the message of the `lost` lifecycle event.
 */

/** The columns the rule reads off the lost task's row. */
export interface LostAttempt {
  schedule: unknown;
  attempt: number;
  retries: number;
}

/** Whether the lost attempt's task goes back to the queue (else it is FAILED). */
export const requeuesLostAttempt = (task: LostAttempt): boolean =>
  task.schedule !== null || task.attempt <= task.retries;

/** {@link requeuesLostAttempt} as a SQL condition on the task row aliased `alias`. */
export const requeuesLostAttemptSql = (alias: string): string =>
  `(${alias}.schedule IS NOT NULL OR ${alias}.attempt <= ${alias}.retries)`;

/** The message of a LOST run: `worker lost: <worker> stopped heartbeating`. */
export const WORKER_LOST_MESSAGE = {
  before: 'worker lost: ',
  after: ' stopped heartbeating',
  unknownWorker: 'unknown',
} as const;

/** The message of the LOST run of an attempt that ran on `worker`. */
export const workerLostMessage = (worker: string | null): string =>
  `${WORKER_LOST_MESSAGE.before}${worker ?? WORKER_LOST_MESSAGE.unknownWorker}${WORKER_LOST_MESSAGE.after}`;

/** {@link workerLostMessage} as a SQL expression over the worker column `column` (`||` concatenation: PostgreSQL, SQLite). */
export const workerLostMessageSql = (column: string): string =>
  `'${WORKER_LOST_MESSAGE.before}' || COALESCE(${column}, '${WORKER_LOST_MESSAGE.unknownWorker}') || '${WORKER_LOST_MESSAGE.after}'`;
