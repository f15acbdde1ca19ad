import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AttemptIO } from '../execution/executor.js';
import type { HandlerSettlement, Invocation } from '../execution/handler-run.js';
import type { ResolvedIsolation } from './isolation-options.js';
import {
  isChildMessage,
  KRONOS_CHILD_APP_ENV,
  KRONOS_CHILD_ENV,
  type ChildBoot,
  type ChildMessage,
  type ParentMessage,
} from './protocol.js';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** How much of a child's stderr is kept for the traceback of a crashed run. */
const STDERR_TAIL = 4096;

/** `--inspect` flags would make every child fight for the parent's debugger port. */
const inheritedExecArgv = () => process.execArgv.filter((arg) => !/^--inspect(-brk|-port|-wait)?(=|$)/.test(arg));

export function describeExit({ code, signal }: ChildExit): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

interface CurrentRun {
  runId: number;
  jobName: string;
  io: AttemptIO;
  resolve: (settlement: HandlerSettlement) => void;
  killTimer?: NodeJS.Timeout;
  /** Set when the pool killed the process because the aborted handler ignored its signal. */
  killed?: boolean;
}

/**
 * One child process of the pool: boots the application once (`ready`), then runs one handler at
 * a time. Output and progress it streams feed the run's `AttemptIO`; an aborted run is told so
 * and gets `killGrace` to settle before the process is killed with SIGKILL.
 */
export class PoolChild {
  readonly process: ChildProcess;
  /** Resolves with null once booted, or with the reason it could not boot. */
  readonly ready: Promise<Error | null>;
  readonly exited: Promise<ChildExit>;
  /** True once the process has exited (it is never reused then). */
  gone = false;
  /** True once the application booted in this process. */
  booted = false;
  private current?: CurrentRun;
  private stderrTail = '';

  constructor(private readonly config: ResolvedIsolation) {
    const boot: ChildBoot = {
      path: config.appModule.path,
      export: config.appModule.export,
      logLevels: config.logLevels,
    };
    this.process = fork(config.entry ?? defaultEntry(), [], {
      execArgv: config.execArgv ?? inheritedExecArgv(),
      env: { ...process.env, [KRONOS_CHILD_ENV]: '1', [KRONOS_CHILD_APP_ENV]: JSON.stringify(boot) },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    this.process.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    this.exited = new Promise((resolve) => {
      // 'close' (not 'exit'): the stdio streams are drained, so the stderr tail is complete.
      this.process.once('close', (code, signal) => {
        this.gone = true;
        const exit = { code, signal };
        this.onExit(exit);
        resolve(exit);
      });
    });
    this.process.on('error', () => undefined); // a failed spawn or send also ends in 'close'
    this.ready = new Promise<Error | null>((resolve) => {
      let settled = false;
      const settle = (error: Error | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.booted = error === null;
        resolve(error);
      };
      const timer = setTimeout(() => {
        settle(new Error(`it did not boot within ${config.startTimeoutMs} ms (isolation.startTimeout)`));
        this.kill();
      }, config.startTimeoutMs);
      this.process.on('message', (message) => {
        if (!isChildMessage(message)) return;
        if (message.kronos === 'ready') settle(null);
        else if (message.kronos === 'boot-error')
          settle(Object.assign(new Error(message.message), { stack: message.stack ?? undefined }));
        else this.onRunMessage(message);
      });
      void this.exited.then((exit) =>
        settle(new Error(`it exited while booting (${describeExit(exit)})${this.stderrSuffix()}`)),
      );
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  /** Run one handler; resolves with its settlement, or a crash settlement when the process ends first. */
  execute(
    runId: number,
    jobName: string,
    invocation: Invocation,
    io: AttemptIO,
    traceContext: string | null = null,
  ): Promise<HandlerSettlement> {
    return new Promise((resolve) => {
      const run: CurrentRun = { runId, jobName, io, resolve };
      this.current = run;
      this.stderrTail = '';
      const onAbort = () => this.abort(run);
      io.signal.addEventListener('abort', onAbort, { once: true });
      run.resolve = (settlement) => {
        io.signal.removeEventListener('abort', onAbort);
        clearTimeout(run.killTimer);
        if (this.current === run) this.current = undefined;
        resolve(settlement);
      };
      if (this.gone)
        return run.resolve(this.crashSettlement(run, { code: this.process.exitCode, signal: this.process.signalCode }));
      this.send({ kronos: 'run', runId, invocation, traceContext });
      io.started();
    });
  }

  /**
   * Ask the process to close the application and exit; kill it if it has not after `graceMs`.
   * One still booting is killed at once: it has nothing to finish.
   */
  async stop(graceMs: number): Promise<void> {
    if (this.gone) return;
    if (!this.booted) this.kill();
    this.send({ kronos: 'shutdown' });
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (!this.gone) this.process.kill('SIGKILL');
  }

  private abort(run: CurrentRun): void {
    const reason = run.io.signal.reason as { kind?: string; message?: string } | undefined;
    this.send({
      kronos: 'abort',
      runId: run.runId,
      kind: reason?.kind ?? 'abort',
      reason: reason?.message ?? 'aborted',
    });
    const kill = () => {
      run.killed = true;
      this.kill();
    };
    if (this.config.killGraceMs === 0) kill();
    else run.killTimer = setTimeout(kill, this.config.killGraceMs);
  }

  private onRunMessage(message: Exclude<ChildMessage, { kronos: 'ready' | 'boot-error' }>): void {
    const run = this.current;
    if (!run || run.runId !== message.runId) return;
    if (message.kronos === 'output') {
      for (const op of message.ops) {
        if ('log' in op) run.io.output.log([op.log]);
        else run.io.output.appendBlock(op.block);
      }
      if (message.progress) run.io.progress.update(message.progress.percent, message.progress.message);
    } else if (message.kronos === 'result') {
      run.resolve(message.settlement);
    }
  }

  private onExit(exit: ChildExit): void {
    const run = this.current;
    if (run) run.resolve(this.crashSettlement(run, exit));
  }

  private crashSettlement(run: CurrentRun, exit: ChildExit): HandlerSettlement {
    const pid = this.process.pid;
    const oom = /heap out of memory|Allocation failed|ERR_WORKER_OUT_OF_MEMORY/i.test(this.stderrTail);
    const message = run.killed
      ? `its process (pid ${pid}) ignored the abort for ${this.config.killGraceMs} ms and was killed (isolation.killGrace)`
      : `Job "${run.jobName}" ended its isolated process (pid ${pid}) before settling: ${describeExit(exit)}${oom ? ', out of memory' : ''}`;
    return {
      status: 'FAILED',
      retryable: true,
      result: null,
      message,
      traceback: this.stderrTail.trim() || null,
      crashed: true,
    };
  }

  private stderrSuffix(): string {
    const tail = this.stderrTail.trim();
    return tail ? `: ${tail.split('\n').slice(-5).join('\n')}` : '';
  }

  private send(message: ParentMessage): void {
    if (this.gone || !this.process.connected) return;
    this.process.send(message, undefined, undefined, () => undefined);
  }
}

/** Kronos' own entry script, next to this file once compiled. */
export function defaultEntry(): string {
  return fileURLToPath(new URL('./child-main.js', import.meta.url));
}
