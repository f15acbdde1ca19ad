import { AsyncLocalStorage } from 'node:async_hooks';
import type { BatchContext } from './batch-call.js';
import type { OutputSink } from './output-buffer.js';

/**
 * Live progress of one run, read by the worker's periodic sync. Shared by reference between the
 * handler's `JobContext` and the worker's `RunningTask` (or fed from a child process).
 */
export class ProgressState {
  percent: number | null = null;
  message: string | null = null;
  /** Set on every change; the sync clears it once written. */
  dirty = false;

  constructor(private readonly onChange?: () => void) {}

  update(percent: number | null, message: string | null): void {
    this.percent = percent;
    this.message = message;
    this.dirty = true;
    this.onChange?.();
  }

  /** `progress(percent, message?)` as handlers call it: percent rounded into 0-100; no message keeps the last. */
  report(percent: number, message: string | undefined): void {
    this.update(Math.max(0, Math.min(100, Math.round(Number(percent) || 0))), message ?? this.message);
  }
}

/** Builds contexts: the handler runner's privilege (set once, by `JobContext`'s static block). */
let construct: (
  taskId: number,
  uuid: string,
  jobName: string,
  attempt: number,
  payload: unknown,
  user: unknown,
  userId: string | null,
  scheduledFor: number,
  signal: AbortSignal | { readonly signal: AbortSignal },
  output: OutputSink,
  progressState: ProgressState,
) => JobContext;

/**
 * What a handler knows about the run it is performing. Passed as the last argument, and
 * available anywhere in the call chain through `SchedulerContext.current()`. Kronos builds it;
 * applications receive it (its constructor is private).
 * @publicApi
 */
export class JobContext<TPayload = unknown, TUser = unknown> {
  static {
    construct = (...args) => new JobContext(...args);
  }

  private constructor(
    /** Task id: stable across attempts, use it to make handlers idempotent. */
    readonly taskId: number,
    /** The task's uuid (idempotency key). */
    readonly uuid: string,
    readonly jobName: string,
    /** 1 for the first attempt, 2 for the first retry, ... */
    readonly attempt: number,
    readonly payload: TPayload,
    /** The user the task runs as (resolved from `runAs`), or null. */
    readonly user: TUser | null,
    /**
     * The `runAs` user id, or null. Always a string, as stored: `runAs: 42` gives `'42'`, the same
     * string the resolver received.
     */
    readonly userId: string | null,
    /** The slot or due time this run is for (epoch ms). */
    readonly scheduledFor: number,
    /** The run's abort signal, or where to read it on first use (it is made only when asked for). */
    signal: AbortSignal | { readonly signal: AbortSignal },
    private readonly output: OutputSink,
    /** Live progress, shared with the worker's running task (or the child's channel) that writes it. */
    private readonly progressState: ProgressState,
  ) {
    this.signalSource = signal;
  }

  private signalSource: AbortSignal | { readonly signal: AbortSignal };

  /** Aborted on timeout, `stop()`, shutdown or lost lease; pass it to fetch/db calls. */
  get signal(): AbortSignal {
    const source = this.signalSource;
    return source instanceof AbortSignal ? source : source.signal;
  }

  /** Report progress (0-100) with an optional message; visible through `status()` while running. */
  progress(percent: number, message?: string): void {
    this.progressState.report(percent, message);
  }

  /** Append a line to the run's output (for admins). A line `!clear!` clears what came before. */
  log(...args: unknown[]): void {
    this.output.log(args);
  }
}

/** The context of one run, for the handler runner (in the worker and in isolation child processes); not public. */
export const createJobContext = (...args: Parameters<typeof construct>): JobContext => construct(...args);

/** The context of the run, or of the batch handler call, in progress (one store: a call chain is in one or the other). */
const storage = new AsyncLocalStorage<JobContext | BatchContext>();

/**
 * Access to the current run from anywhere in its call chain, including other injected services.
 * @publicApi
 */
export const SchedulerContext: {
  /**
   * The context of the run in progress, or undefined outside a run. Undefined inside a batch
   * handler too: a call runs several tasks at once, and a `JobContext` is one task's; use
   * `currentBatch()` there.
   */
  current<TPayload = unknown, TUser = unknown>(): JobContext<TPayload, TUser> | undefined;
  /**
   * The context of the batch handler call in progress (`@Job(name, { batch })`): the same
   * `BatchContext` the handler received, its tasks, user, signal, `log` and `progress`.
   * Undefined outside a batch handler call (in a single task's run, `current()` is set instead).
   */
  currentBatch<TPayload = unknown, TUser = unknown>(): BatchContext<TPayload, TUser> | undefined;
} = Object.freeze({
  current<TPayload = unknown, TUser = unknown>(): JobContext<TPayload, TUser> | undefined {
    const store = storage.getStore();
    return store instanceof JobContext ? (store as JobContext<TPayload, TUser>) : undefined;
  },
  currentBatch<TPayload = unknown, TUser = unknown>(): BatchContext<TPayload, TUser> | undefined {
    const store = storage.getStore();
    return store === undefined || store instanceof JobContext ? undefined : (store as BatchContext<TPayload, TUser>);
  },
});

/** Calls `fn(...args)` with `context` as the current run (the handler runner's; not public). */
export function runInContext<T, A extends unknown[]>(context: JobContext, fn: (...args: A) => T, ...args: A): T {
  return storage.run(context, fn, ...args);
}

/** Calls `fn(...args)` with `context` as the current batch handler call (`BatchCall`'s; not public). */
export function runInBatchContext<T, A extends unknown[]>(context: BatchContext, fn: (...args: A) => T, ...args: A): T {
  return storage.run(context, fn, ...args);
}
