import { runHandler, type HandlerSettlement, type Invocation, type ResolveUser } from '../execution/handler-run.js';
import { ProgressState } from '../execution/job-context.js';
import { formatLogLine, type OutputSink } from '../execution/output-buffer.js';
import type { JobRegistry } from '../registry/job-registry.js';
import type { Tracing } from '../observability/telemetry.js';
import { CHILD_SERVER_KEY, isParentMessage, sendToParent, type OutputOp } from './protocol.js';

/** Output and progress are sent at most this often (the first change after a quiet spell at once). */
const FLUSH_MS = 20;

/**
 * The child side of one run: an output sink and a progress state whose changes are sent to the
 * parent, where they feed the worker's `RunningTask`. The first change after a quiet spell goes
 * at once, so the last line before a hang or a crash is not lost; a burst is batched.
 */
class RunChannel implements OutputSink {
  readonly progress = new ProgressState(() => this.schedule());
  private ops: OutputOp[] = [];
  private timer?: NodeJS.Timeout;
  private lastFlush = 0;

  constructor(private readonly runId: number) {}

  log(args: unknown[]): void {
    this.ops.push({ log: formatLogLine(args) });
    this.schedule();
  }

  appendBlock(text: string): void {
    this.ops.push({ block: text });
    this.schedule();
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.ops.length === 0 && !this.progress.dirty) return;
    this.lastFlush = Date.now();
    const progress = this.progress.dirty ? { percent: this.progress.percent, message: this.progress.message } : null;
    this.progress.dirty = false;
    const ops = this.ops;
    this.ops = [];
    sendToParent({ kronos: 'output', runId: this.runId, ops, progress });
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = this.lastFlush + FLUSH_MS - Date.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }
}

/**
 * Serves the parent worker in an isolation child process: runs each requested handler through
 * the same code as an in-process run (`runHandler`), streams its output and progress, aborts
 * its signal on request, and answers with the settlement.
 */
export class ChildServer {
  private readonly runs = new Map<number, { controller: AbortController; channel: RunChannel }>();
  private readonly onMessage = (message: unknown) => this.handle(message);
  /** Output gathered just before the process ends (e.g. `process.exit()` in a handler) is still sent. */
  private readonly onExit = () => {
    for (const run of this.runs.values()) run.channel.flush();
  };

  constructor(
    private readonly registry: JobRegistry,
    private readonly resolveUser: ResolveUser,
    /** This process's tracing (an SDK registered in the child too): handlers continue the parent's run span. */
    private readonly tracing: Tracing | null = null,
  ) {}

  start(): void {
    process.on('message', this.onMessage);
    process.on('exit', this.onExit);
    (globalThis as Record<symbol, unknown>)[CHILD_SERVER_KEY] = this;
  }

  close(): void {
    process.off('message', this.onMessage);
    process.off('exit', this.onExit);
    for (const run of this.runs.values())
      run.controller.abort(abortReason('shutdown', 'the isolation process is shutting down'));
    delete (globalThis as Record<symbol, unknown>)[CHILD_SERVER_KEY];
  }

  private handle(message: unknown): void {
    if (!isParentMessage(message)) return;
    if (message.kronos === 'run') void this.run(message.runId, message.invocation, message.traceContext ?? null);
    if (message.kronos === 'abort')
      this.runs.get(message.runId)?.controller.abort(abortReason(message.kind, message.reason));
  }

  private async run(runId: number, invocation: Invocation, traceContext: string | null): Promise<void> {
    const controller = new AbortController();
    const channel = new RunChannel(runId);
    this.runs.set(runId, { controller, channel });
    const job = this.registry.get(invocation.jobName);
    const settlement: HandlerSettlement = job
      ? await this.traced(traceContext, () =>
          runHandler(job, invocation, this.resolveUser, {
            signal: controller.signal,
            output: channel,
            progress: channel.progress,
          }),
        )
      : {
          status: 'FAILED',
          retryable: false,
          result: null,
          traceback: null,
          message: `Job "${invocation.jobName}" is not registered in the isolation process's application (isolation.appModule); it was not run.`,
        };
    channel.flush();
    this.runs.delete(runId);
    sendToParent({ kronos: 'result', runId, settlement });
  }

  private traced<T>(traceContext: string | null, fn: () => T): T {
    return this.tracing && traceContext ? this.tracing.continueTrace(traceContext, fn) : fn();
  }
}

/** The reason `ctx.signal` carries in a child: an error naming why the run was cut short. */
function abortReason(kind: string, reason: string): Error {
  return Object.assign(new Error(reason), { name: 'AbortError', kind });
}
