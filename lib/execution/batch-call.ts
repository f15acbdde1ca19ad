import type { RegisteredJob } from '../registry/registered-job.js';
import type { JsonValue } from '../types.js';
import { CallSecrets } from './call-secrets.js';
import type { AttemptIO, TaskExecutor } from './executor.js';
import {
  fromError,
  fromValue,
  resolveRunAs,
  type HandlerSettlement,
  type Invocation,
  type ResolveUser,
} from './handler-run.js';
import { runInBatchContext } from './job-context.js';
import { formatLogLine } from './output-buffer.js';
import type { Result } from './result.js';

/**
 * One task of a batch handler call (`BatchContext.tasks`), in the order of the payloads. Its
 * `log` and `progress` write to this task's run alone, as `JobContext`'s do for a single task.
 */
export interface BatchTask<T = unknown> {
  taskId: number;
  uuid: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
  /** When the task was due (epoch ms). */
  scheduledFor: number;
  payload: T;
  /**
   * Report this task's progress (0-100) with an optional message; visible through `status()`
   * and the dashboard while it runs. Ignored once the task has ended (stopped, timed out).
   */
  progress(percent: number, message?: string): void;
  /**
   * Append a line to this task's run output (for admins), built like `console.log`'s; a line
   * `!clear!` clears what came before. Ignored once the task has ended (stopped, timed out).
   */
  log(...args: unknown[]): void;
}

/**
 * The second argument of a batch handler (`@Job(name, { batch: { size } })`): the tasks of the
 * call, in the order of the payloads, the user they run as (tasks of different `runAs` users are
 * never in one call) and a signal that fires once every task of the call is cut short (the call's
 * timeout, shutdown, a lost lease, or stop requests for all of them; a task stopped alone ends
 * STOPPED and its result is ignored, the others go on). Also `SchedulerContext.currentBatch()`
 * anywhere in the handler's call chain.
 *
 * Output and progress belong to each task's run: `tasks[i].log(...)` and `tasks[i].progress(...)`
 * write to task `i`; `log(...)` and `progress(...)` here write to every task of the call still
 * running. In the texts a task receives, the sensitive payload values (the job's `sensitive`
 * option) of the call's other tasks are replaced by `[redacted]`; its own are redacted by the
 * dashboard, as a single task's are.
 * @publicApi
 */
export interface BatchContext<T = unknown, TUser = unknown> {
  jobName: string;
  tasks: BatchTask<T>[];
  /** The `runAs` id shared by every task of the call, or null. */
  userId: string | null;
  /** That user, as the impersonation resolver returned it (null without `runAs`). */
  user: TUser | null;
  signal: AbortSignal;
  /**
   * Report the progress of the whole call: every task of the call still running gets this
   * percent (0-100) and message as its own progress (a later `tasks[i].progress` overrides it
   * for that task). Progress is kept per task while it runs, as for single tasks.
   */
  progress(percent: number, message?: string): void;
  /**
   * Append a line to the run output of every task of the call still running, built like
   * `console.log`'s; a task that has ended (stopped, timed out) receives nothing more.
   */
  log(...args: unknown[]): void;
}

/**
 * What a batch handler returns for one task, at the task's index: a JSON result (COMPLETED), a
 * `Result` (its status and message), or an `Error` (FAILED, retried unless it has
 * `retryable: false`). A missing entry (or `undefined`) completes the task with no result.
 * @publicApi
 */
export type BatchItemResult = JsonValue | Result | Error | undefined;

/** One task of a call, as the handler sees it (`BatchTask`); its writes go to its attempt's IO. */
class CallTask<T = unknown> implements BatchTask<T> {
  readonly taskId: number;
  readonly uuid: string;
  readonly attempt: number;
  readonly scheduledFor: number;
  readonly #io: AttemptIO;
  readonly #index: number;
  readonly #secrets: CallSecrets | null;

  constructor(
    invocation: Invocation,
    readonly payload: T,
    io: AttemptIO,
    index: number,
    secrets: CallSecrets | null,
  ) {
    this.taskId = invocation.taskId;
    this.uuid = invocation.uuid;
    this.attempt = invocation.attempt;
    this.scheduledFor = invocation.scheduledFor;
    this.#io = io;
    this.#index = index;
    this.#secrets = secrets;
  }

  /** True until the task has ended: an ended task's output and progress are final. */
  get running(): boolean {
    return !this.#io.signal.aborted;
  }

  progress(percent: number, message?: string): void {
    if (this.running) this.#io.progress.report(percent, message === undefined ? undefined : this.text(message));
  }

  log(...args: unknown[]): void {
    if (this.running) this.#io.output.log(this.#secrets ? [this.text(formatLogLine(args))] : args);
  }

  /** Write a line already formatted (a call-wide one). */
  logLine(line: string): void {
    if (this.running) this.#io.output.log([this.text(line)]);
  }

  /** A text as this task may store it. */
  private text(value: string): string {
    return this.#secrets ? this.#secrets.forTask(String(value), this.#index) : value;
  }
}

/** The handler's `BatchContext`: call-wide writes go to each task still running. */
class CallContext<T = unknown, TUser = unknown> implements BatchContext<T, TUser> {
  readonly #tasks: readonly CallTask<T>[];

  constructor(
    readonly jobName: string,
    readonly tasks: CallTask<T>[],
    readonly userId: string | null,
    readonly user: TUser | null,
    readonly signal: AbortSignal,
  ) {
    this.#tasks = [...tasks]; // the handler may reorder or empty `tasks`; the call's writes still reach every task
  }

  progress(percent: number, message?: string): void {
    for (const task of this.#tasks) task.progress(percent, message);
  }

  log(...args: unknown[]): void {
    const line = formatLogLine(args);
    for (const task of this.#tasks) task.logLine(line);
  }
}

interface Member {
  invocation: Invocation;
  io: AttemptIO;
  resolve: (settlement: HandlerSettlement) => void;
}

/**
 * One call of a batch handler for several claimed tasks. Each task still runs as its own
 * `RunningTask` (its own timeout, stop, lease and outcome); this executor collects their
 * invocations, calls the handler once with every payload, and settles each task with the
 * result at its index (or all of them with the error the handler threw).
 */
export class BatchCall implements TaskExecutor {
  readonly terminates = false;
  private readonly members: Member[] = [];

  constructor(
    private readonly job: RegisteredJob,
    private readonly resolveUser: ResolveUser,
  ) {}

  run(_job: RegisteredJob, invocation: Invocation, io: AttemptIO): Promise<HandlerSettlement> {
    return new Promise((resolve) => this.members.push({ invocation, io, resolve }));
  }

  /** Call the handler once every task of the call is registered. Never rejects. */
  async start(): Promise<void> {
    const members = this.members;
    for (const member of members) member.io.started();
    const userId = members[0]?.invocation.userId ?? null;
    let settlements: HandlerSettlement[];
    try {
      const user = userId === null ? null : await resolveRunAs(this.job.name, userId, this.resolveUser);
      const secrets = CallSecrets.of(
        this.job.sensitive,
        members.map(({ invocation }) => invocation.payload),
      );
      const tasks = members.map(
        ({ invocation, io }, index) =>
          new CallTask(
            invocation,
            invocation.payload === null ? (this.job.payload ?? null) : (JSON.parse(invocation.payload) as unknown),
            io,
            index,
            secrets,
          ),
      );
      const signal = allAborted(members.map(({ io }) => io.signal));
      const context = new CallContext(this.job.name, tasks, userId, user, signal);
      const handler = this.job.handler as unknown as (payloads: unknown[], ctx: BatchContext) => unknown;
      const returned = await runInBatchContext(
        context,
        handler,
        tasks.map((task) => task.payload),
        context,
      );
      settlements = members.map((member, index) => this.itemSettlement(returned, index, member));
    } catch (error) {
      const failed = fromError(error);
      settlements = members.map(() => failed);
    }
    members.forEach((member, index) => member.resolve(settlements[index]));
  }

  private itemSettlement(returned: unknown, index: number, member: Member): HandlerSettlement {
    const value: unknown = Array.isArray(returned) ? returned[index] : undefined;
    if (value instanceof Error) return fromError(value);
    return fromValue(this.job.name, value, member.io.output);
  }
}

/** A signal that fires once every one of `signals` has (with the reason of the last). */
function allAborted(signals: AbortSignal[]): AbortSignal {
  const controller = new AbortController();
  let left = signals.length;
  const aborted = (signal: AbortSignal) => {
    if (--left === 0) controller.abort(signal.reason);
  };
  for (const signal of signals) {
    if (signal.aborted) aborted(signal);
    else signal.addEventListener('abort', () => aborted(signal), { once: true });
  }
  return controller.signal;
}
