import type { RegisteredJob } from '../registry/registered-job.js';
import {
  runHandler,
  type HandlerIO,
  type HandlerSettlement,
  type Invocation,
  type ResolveUser,
} from './handler-run.js';

/** What a `RunningTask` hands its executor: the handler's IO, and a way to say it started. */
export interface AttemptIO extends HandlerIO {
  /** Call once the handler really starts (the timeout counts from here, not from a wait for a process). */
  started(): void;
}

/**
 * Where an attempt's handler runs: in the worker's own process, or in a child process of the
 * isolation pool. `run` resolves when the handler has settled (or its process ended); it never
 * rejects.
 */
export interface TaskExecutor {
  run(job: RegisteredJob, invocation: Invocation, io: AttemptIO): Promise<HandlerSettlement>;
  /**
   * True when an aborted handler is ended by force (its process killed after a grace period):
   * the attempt then waits for it, so a retry never overlaps the aborted handler. An in-process
   * handler cannot be ended, so its attempt settles at once and a late result is ignored.
   */
  readonly terminates: boolean;
}

/** Runs handlers in this process (the default). */
export class InProcessExecutor implements TaskExecutor {
  readonly terminates = false;

  constructor(private readonly resolveUser: ResolveUser) {}

  run(job: RegisteredJob, invocation: Invocation, io: AttemptIO): Promise<HandlerSettlement> {
    io.started();
    return runHandler(job, invocation, this.resolveUser, io);
  }
}

/** Every job in this process (no isolation configured): one executor for all attempts. */
export function inProcessOnly(resolveUser: ResolveUser): (job: RegisteredJob) => TaskExecutor {
  const executor = new InProcessExecutor(resolveUser);
  return () => executor;
}
