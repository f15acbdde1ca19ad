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

const show = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

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

/** A task id that does not exist. */
export class TaskNotFoundError extends KronosError {
  constructor(readonly taskId: number) {
    super(`Task ${taskId} does not exist.`);
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
    super(`Kronos does not support the TypeORM database type "${type}". Supported: postgres, better-sqlite3, mysql, mariadb.`);
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
