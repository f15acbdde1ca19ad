import { inspect } from 'node:util';

/**
 * The structured fields of a Kronos log line. Each line sets the ones it is about: a run's line
 * has `job`, `taskId`, `runId`, `attempt`, `userId` and `worker`; a worker's line has `worker`.
 */
export interface LogFields {
  /** The job's name. */
  job?: string;
  /** The task the line is about. */
  taskId?: number;
  /** Several tasks (lease lost, released): their ids. */
  taskIds?: number[];
  /** The run row of the attempt, or null when none was written. */
  runId?: number | null;
  /** The attempt's number, from 1. */
  attempt?: number;
  /** The task's `runAs` user id, as stored, or null. */
  userId?: string | null;
  /** The worker's name. */
  worker?: string;
  /** The run's status (`FAILED`, `TIMEOUT`, ...). */
  runStatus?: string;
  /** The task's status after the change. */
  status?: string;
  /** The lifecycle event a listener failed on. */
  event?: string;
  /** The listener that failed, `Provider.method`. */
  listener?: string;
  /** Back-off before a retry, ms. */
  retryDelayMs?: number;
  /** Why: the error's message and stack (pino's `err` convention). */
  err?: { message: string; stack: string | null };
}

/**
 * One Kronos log line: `msg` is the readable text, the other own properties are its fields.
 * Kronos hands it to Nest's `Logger` as the message, so:
 * - a JSON logger that merges an object message into the line (nestjs-pino, nest-winston, Nest's
 *   `ConsoleLogger` with `json: true`) gets `msg` and the fields as properties;
 * - Nest's default console logger prints the text, with the stack of an error on the lines
 *   below (it calls `util.inspect`); `String(record)` is the text alone.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the interface below types the copied fields
export class LogRecord implements LogFields {
  readonly msg!: string;

  constructor(msg: string, fields: LogFields) {
    Object.assign(this, fields);
    this.msg = msg;
  }

  /** The text alone. */
  toString(): string {
    return this.msg;
  }

  /** The text, and the error's stack on the lines below: what Nest's console logger prints. */
  [inspect.custom](): string {
    const stack = (this as LogFields).err?.stack;
    return stack ? `${this.msg}\n${stack}` : this.msg;
  }
}

// The fields `Object.assign` copies onto the instance, typed: the class declares only `msg`.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- see above
export interface LogRecord extends LogFields {}

/** A log line with structured fields, for Nest's `Logger`: `logger.warn(logLine('...', { job, taskId }))`. */
export function logLine(msg: string, fields: LogFields): LogRecord {
  return new LogRecord(msg, fields);
}
