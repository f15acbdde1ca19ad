import { formatValue } from './format-value.js';

/**
 * Every failure a user can act on has its own exported class. Messages name the job, the field
 * and the offending value, and say what to do.
 */
export class KronosError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

const show = formatValue;

/** A schedule spec (or one of its fields) cannot be parsed or is out of range. */
export class InvalidScheduleError extends KronosError {
  constructor(
    readonly job: string,
    readonly field: string,
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`Invalid schedule for job "${job}": ${field} ${show(value)} ${reason}.`);
  }
}

/** A job option (timeout, retries, group, priority, ...) is invalid. */
export class InvalidJobOptionError extends KronosError {
  constructor(
    readonly job: string,
    readonly field: string,
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`Invalid option for job "${job}": ${field} ${show(value)} ${reason}.`);
  }
}

/** A decorator was used where Kronos cannot use it (non-method target, bad arguments). */
export class InvalidJobDeclarationError extends KronosError {
  constructor(
    readonly provider: string,
    readonly method: string,
    readonly reason: string,
  ) {
    super(`Invalid job declaration on ${provider}.${method}: ${reason}.`);
  }
}

/** An `@OnTaskEvent` listener names an unknown event, a bad `job` filter, or is not on a method. */
export class InvalidTaskEventListenerError extends KronosError {
  constructor(
    readonly provider: string,
    readonly method: string,
    readonly reason: string,
  ) {
    super(`Invalid task event listener on ${provider}.${method}: ${reason}.`);
  }
}

/** Two handlers declare the same job name. */
export class DuplicateJobError extends KronosError {
  constructor(
    readonly job: string,
    readonly first: string,
    readonly second: string,
  ) {
    super(`Duplicate job name "${job}": declared by ${first} and by ${second}. Job names must be unique.`);
  }
}

/** `enqueue`/`runNow`/`activate`... named a job no provider declares. */
export class UnknownJobError extends KronosError {
  constructor(readonly job: string) {
    super(`Unknown job "${job}": no @Job or @ScheduledTask with this name is registered.`);
  }
}

/**
 * No task has this id: it does not exist (any more), or it is no task id at all (not a positive
 * integer within the id column's range, e.g. `'abc'` or `2 ** 40`), which no database is asked.
 */
export class TaskNotFoundError extends KronosError {
  constructor(
    /** The id as it was given. */
    readonly taskId: unknown,
    /** Why no task can have it, when it is no task id at all. */
    readonly reason?: string,
  ) {
    super(
      reason === undefined ? `Task ${show(taskId)} does not exist.` : `Task ${show(taskId)} does not exist: ${reason}.`,
    );
  }
}

/** The payload cannot be stored as JSON (function, BigInt, cycle, symbol, ...). */
export class PayloadNotSerializableError extends KronosError {
  constructor(
    readonly job: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Payload for job "${job}" is not JSON-serialisable at ${path}: ${reason}.`);
  }
}

/**
 * An idempotency `uuid` given to `enqueue` already belongs to a task that is not the same work:
 * another job, another payload (compared as canonical JSON: key order does not matter) or another
 * `runAs` user. The same job, payload and user return the existing task instead.
 */
export class IdempotencyConflictError extends KronosError {
  constructor(
    readonly uuid: string,
    /** The existing task's id and job. */
    readonly taskId: number,
    readonly job: string,
    /** What differs between the existing task and this enqueue: `job`, `payload`, `runAs`. */
    readonly differences: readonly ('job' | 'payload' | 'runAs')[],
    /** The job this enqueue asked for. */
    readonly requestedJob: string,
  ) {
    super(
      `Idempotency key ${JSON.stringify(uuid)} is already used by task ${taskId} of job "${job}" with ${describeDifferences(differences, requestedJob)}; ` +
        'the same uuid returns the existing task only for the same job, payload and runAs. Use a new uuid for different work.',
    );
  }
}

function describeDifferences(differences: readonly string[], requestedJob: string): string {
  const parts = differences.map((field) =>
    field === 'job'
      ? `another job (this enqueue is for "${requestedJob}")`
      : field === 'payload'
        ? 'a different payload'
        : 'a different runAs user',
  );
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts[0];
}

/**
 * One item of `SchedulerService.enqueueMany` was refused: nothing of the batch was written. The
 * item's `index` (0-based, in the array given) and the refusal itself (`cause`: an
 * `UnknownJobError`, `PayloadNotSerializableError`, `PayloadTooLargeError`,
 * `InvalidEnqueueOptionError` or `IdempotencyConflictError`) say which item and why.
 */
export class BulkEnqueueItemError extends KronosError {
  constructor(
    /** 0-based position of the refused item in the array given to `enqueueMany`. */
    readonly index: number,
    /** The item's job name (as given, which may be no job at all). */
    readonly job: string,
    /** The refusal of that item, as `enqueue` would have thrown it. */
    override readonly cause: Error,
  ) {
    super(
      `enqueueMany item ${index} (job ${JSON.stringify(job)}) was refused, so nothing was enqueued: ${cause.message}`,
    );
  }
}

/**
 * A task was enqueued with `dependsOn` naming a task id that does not exist: dependencies must
 * exist before their dependents (so no cycle can ever form). Nothing was written.
 */
export class UnknownDependencyError extends KronosError {
  constructor(
    /** The job of the task that was to wait. */
    readonly job: string,
    /** The dependency id that names no task. */
    readonly dependencyId: number,
  ) {
    super(
      `Task of job "${job}" cannot depend on task ${dependencyId}: no task has this id (dependsOn must name tasks that already exist).`,
    );
  }
}

/** No batch has this id (`SchedulerService.batch`, `stopBatch`). */
export class BatchNotFoundError extends KronosError {
  constructor(readonly batchId: number) {
    super(`No batch has id ${batchId}.`);
  }
}

/**
 * A handler returned a value (or `Result` data) that cannot be stored as JSON (BigInt, a cycle,
 * a `toJSON` that throws): the run ends FAILED, and is not retried (the handler ran to its end).
 */
export class ResultNotSerializableError extends KronosError {
  constructor(
    readonly job: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(
      `Result of job "${job}" is not JSON-serialisable at ${path}: ${reason}; the handler ran to its end but its result cannot be stored.`,
    );
  }
}

/** The serialised payload is larger than `maxPayloadBytes`. */
export class PayloadTooLargeError extends KronosError {
  constructor(
    readonly job: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`Payload for job "${job}" is ${bytes} bytes, over the limit of ${limit} bytes (option maxPayloadBytes).`);
  }
}

/** An enqueue option is invalid (negative delay, stopAt before startAt, ...). */
export class InvalidEnqueueOptionError extends KronosError {
  constructor(
    readonly job: string,
    readonly field: string,
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`Invalid enqueue option for job "${job}": ${field} ${show(value)} ${reason}.`);
  }
}

/** A group name given to `pauseGroup` / `resumeGroup` is not one a task can have. */
export class InvalidGroupError extends KronosError {
  constructor(readonly value: unknown) {
    super(`Invalid group ${show(value)}: a group is a non-empty name of at most 64 characters.`);
  }
}

/**
 * A group's settings in the module options (`groups: { emails: { rateLimit } }`) are invalid:
 * names the group, the field (`name`, `rateLimit`, `rateLimit.limit`, `rateLimit.per`, or the
 * unknown key) and the value.
 */
export class InvalidGroupOptionError extends KronosError {
  constructor(
    readonly group: string,
    readonly field: string,
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`Invalid option for group "${group}": ${field} ${show(value)} ${reason}.`);
  }
}

/** A module option is invalid. */
export class InvalidSchedulerOptionError extends KronosError {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`Invalid SchedulerModule option ${field} ${show(value)}: ${reason}.`);
  }
}

/** The TypeORM DataSource uses a database Kronos has no engine for. */
export class UnsupportedDatabaseError extends KronosError {
  constructor(readonly type: string) {
    super(
      `Kronos does not support the TypeORM database type "${type}". Supported: postgres, better-sqlite3, mysql, mariadb.`,
    );
  }
}

/** A task's `runAs` user no longer resolves: the run fails rather than run anonymously. */
export class UserNotFoundError extends KronosError {
  constructor(
    readonly job: string,
    readonly userId: string,
  ) {
    super(`Job "${job}" was queued to run as user "${userId}", who no longer exists; it was not run.`);
  }
}

/** A run exceeded its timeout. */
export class TaskTimeoutError extends KronosError {
  constructor(
    readonly job: string,
    readonly timeoutMs: number,
  ) {
    super(`Job "${job}" timed out after ${timeoutMs} ms.`);
  }
}

/** `runNow` on a job an admin deactivated. */
export class JobInactiveError extends KronosError {
  constructor(readonly job: string) {
    super(`Job "${job}" is deactivated; activate it before running it.`);
  }
}
