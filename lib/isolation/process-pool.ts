import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { InProcessExecutor, type AttemptIO, type TaskExecutor } from '../execution/executor.js';
import type { HandlerSettlement, Invocation, ResolveUser } from '../execution/handler-run.js';
import type { RegisteredJob } from '../registry/registered-job.js';
import { activeTraceContext } from '../observability/trace-context.js';
import { InvalidSchedulerOptionError } from '../errors.js';
import { isolationOf, type ResolvedIsolation } from './isolation-options.js';
import { defaultEntry, describeExit, PoolChild } from './pool-child.js';

/** Shutdown waits at least this long for a child to close its application before killing it. */
const MIN_SHUTDOWN_GRACE_MS = 3000;

const failed = (message: string): HandlerSettlement => ({
  status: 'FAILED',
  retryable: true,
  result: null,
  message,
  traceback: null,
});

/**
 * The worker's pool of isolation child processes. Each child boots the application once and runs
 * one handler at a time; children are started on demand up to `size`, reused, and replaced when
 * they die (killed after a timeout, crashed). Runs beyond `size` wait for a free child; their
 * timeout starts when their handler does.
 */
export class ProcessPool implements TaskExecutor {
  readonly terminates = true;
  private readonly logger = new Logger('Kronos');
  private readonly children = new Set<PoolChild>();
  /** Free children, most recently used last (reused first: its caches are warm). */
  private readonly idle: PoolChild[] = [];
  private readonly waiters: Array<(child: PoolChild | null) => void> = [];
  private nextRunId = 1;
  private closed = false;
  private readonly onParentExit = () => {
    for (const child of this.children) child.kill();
  };

  constructor(
    private readonly config: ResolvedIsolation,
    readonly size: number,
  ) {}

  /** Check the files children need, and boot one child so the first task does not wait for it. */
  start(): void {
    const entry = this.config.entry ?? defaultEntry();
    if (!existsSync(entry)) {
      throw new InvalidSchedulerOptionError(
        'isolation.entry',
        entry,
        'does not exist: Kronos seems to run from TypeScript sources; point isolation.entry at a compiled isolation/child-main.js',
      );
    }
    if (!existsSync(this.config.appModule.path)) {
      throw new InvalidSchedulerOptionError(
        'isolation.appModule.path',
        this.config.appModule.path,
        'does not exist: it must name the compiled module file (.js)',
      );
    }
    process.once('exit', this.onParentExit);
    this.idle.push(this.spawn());
  }

  /** Process ids of the live children (booting, idle or busy). */
  pids(): number[] {
    return [...this.children].map((c) => c.pid).filter((pid): pid is number => pid !== undefined);
  }

  async run(job: RegisteredJob, invocation: Invocation, io: AttemptIO): Promise<HandlerSettlement> {
    const traceContext = activeTraceContext(); // the run span, read before any wait for a process
    const child = await this.acquire(io.signal);
    if (!child)
      return failed(this.closed ? 'the isolation pool is closed' : 'aborted before an isolation process was free');
    const bootError = await Promise.race([child.ready, aborted(io.signal)]);
    if (io.signal.aborted) {
      this.release(child);
      return failed('aborted before its isolation process was ready');
    }
    if (bootError) {
      this.logger.error(`An isolation process could not boot the application: ${bootError.message}`);
      child.kill();
      return {
        ...failed(
          `Job "${job.name}" was not run: its isolation process could not boot the application: ${bootError.message}`,
        ),
        traceback: bootError.stack ?? null,
      };
    }
    const settlement = await child.execute(this.nextRunId++, job.name, invocation, io, traceContext);
    this.release(child);
    return settlement;
  }

  /** Ask every child to close its application and exit; kill those that do not in time. */
  async close(): Promise<void> {
    this.closed = true;
    for (const resolve of this.waiters.splice(0)) resolve(null);
    this.idle.length = 0;
    const grace = Math.max(this.config.killGraceMs, MIN_SHUTDOWN_GRACE_MS);
    await Promise.all([...this.children].map((child) => child.stop(grace)));
    process.off('exit', this.onParentExit);
  }

  private acquire(signal: AbortSignal): Promise<PoolChild | null> {
    if (this.closed || signal.aborted) return Promise.resolve(null);
    const child = this.idle.pop() ?? (this.children.size < this.size ? this.spawn() : undefined);
    if (child) return Promise.resolve(child);
    return new Promise((resolve) => {
      const waiter = (free: PoolChild | null) => {
        signal.removeEventListener('abort', onAbort);
        resolve(free);
      };
      const onAbort = () => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        resolve(null);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private release(child: PoolChild): void {
    if (child.gone || this.closed) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter(child);
    else this.idle.push(child);
  }

  private spawn(): PoolChild {
    const child = new PoolChild(this.config);
    this.children.add(child);
    void child.exited.then((exit) => this.onChildExit(child, exit.code, exit.signal));
    return child;
  }

  /** A dead child is forgotten and replaced: at once if runs wait, else when it had booted (stay warm). */
  private onChildExit(child: PoolChild, code: number | null, signal: NodeJS.Signals | null): void {
    this.children.delete(child);
    const at = this.idle.indexOf(child);
    if (at >= 0) this.idle.splice(at, 1);
    if (this.closed) return;
    if (child.booted)
      this.logger.warn(`Isolation process ${child.pid} ended (${describeExit({ code, signal })}); replacing it`);
    const waiter = this.waiters.shift();
    if (waiter) waiter(this.spawn());
    else if (child.booted) this.idle.push(this.spawn());
  }
}

function aborted(signal: AbortSignal): Promise<null> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(null);
    else signal.addEventListener('abort', () => resolve(null), { once: true });
  });
}

/**
 * The process pool for the jobs that run isolated (none: null), and the executor of each job.
 * Each child runs one task at a time, so the pool defaults to the worker's concurrency (at most
 * the number of CPUs); children start on demand.
 */
export function createIsolation(
  jobs: RegisteredJob[],
  isolation: ResolvedIsolation | null,
  concurrency: number,
  resolveUser: ResolveUser,
) {
  if (!isolation || !jobs.some((job) => isolationOf(job, isolation) === 'process')) return null;
  const size = isolation.poolSize ?? Math.max(1, Math.min(concurrency, availableParallelism()));
  const pool = new ProcessPool(isolation, size);
  const inProcess = new InProcessExecutor(resolveUser);
  const executorFor = (job: RegisteredJob): TaskExecutor =>
    isolationOf(job, isolation) === 'process' ? pool : inProcess;
  return { pool, executorFor };
}
