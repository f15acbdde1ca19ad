import { Logger } from '@nestjs/common';
import { expiredEvent, lostEvent } from '../events/event-builders.js';
import type { TaskEvents } from '../events/task-events.js';
import type { AbortKind } from '../execution/attempt.js';
import { logLine } from '../logging/log-record.js';
import type { Telemetry } from '../observability/telemetry.js';
import { engineInstant } from '../scheduler.clock.js';
import type { ResolvedSchedulerOptions } from '../scheduler.options.js';
import type {
  ClaimedTask,
  ExpiredTask,
  LostRun,
  ProgressUpdate,
  StorageEngine,
  WorkerRecord,
} from '../storage/engine.js';
import { Liveness } from './liveness.js';
import type { DeadLetterRoutes } from '../storage/dead-letter-task.js';
import type { RunningTasks } from './running-tasks.js';

type WorkerConfig = Exclude<ResolvedSchedulerOptions['worker'], false>;

/**
 * What housekeeping needs of the claim loop it serves (`TaskWorker` implements it): the worker
 * row it heartbeats, the attempts it runs, and the few levers the lease protocol pulls.
 */
export interface HousekeepingHost {
  /** The worker row each heartbeat writes. */
  record(): WorkerRecord;
  /** The attempts in progress, by task id. */
  readonly running: RunningTasks;
  /** Claims started so far: an unchanged value means no claim started meanwhile. */
  readonly claims: number;
  /** True when every finished attempt is written and no claim is in flight. */
  readonly quiet: boolean;
  /** Claim or not: the command read on the heartbeat (ACTIVE), or false while fenced. */
  claiming: boolean;
  /** Interrupt every running attempt (and hand back those claimed ahead). */
  abortAll(kind: AbortKind): void;
  /** Obey a TERMINATE or KILL command read on the heartbeat. */
  obey(command: 'TERMINATE' | 'KILL'): void;
  /** Re-queue tasks the database says this worker runs but it does not. */
  releasePhantoms(tasks: ClaimedTask[]): void;
  /** The groups paused by an administrator, read after each heartbeat. */
  pausedGroups(paused: ReadonlySet<string>): void;
  /** Where dead letters go, by job: a task the rescue fails for good gets its dead letter in the rescue's transaction. */
  readonly deadLetters: DeadLetterRoutes;
}

/**
 * The worker's periodic duties besides claiming:
 * - heartbeat: keeps the worker row fresh and reads the command addressed to it;
 * - sync: writes progress and output of running tasks (fenced) and reads stop requests;
 * - rescue: re-queues tasks of dead workers and expires tasks past their stop time.
 * The lease protocol (docs/architecture.md, "Leases, heartbeats and rescue"): when no heartbeat
 * has come back for half of `deadAfter`, the worker fences itself: it stops claiming and
 * interrupts its handlers (re-queued, fenced by their claim tokens), so it never finishes an
 * attempt another worker may rescue. It rescues others only once its own heartbeats have come
 * back without a break for `deadAfter`, so nobody is declared dead for a database outage.
 */
export class WorkerHousekeeping {
  private readonly logger = new Logger('Kronos');
  private readonly timers: NodeJS.Timeout[] = [];
  /** Duties in progress: `stop()` waits for them, so none touches a closed connection. */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Consecutive failures of each duty, by name. */
  private readonly failures = new Map<string, number>();
  private readonly liveness: Liveness;

  constructor(
    private readonly name: string,
    private readonly host: HousekeepingHost,
    private readonly engine: StorageEngine,
    private readonly options: ResolvedSchedulerOptions,
    private readonly config: WorkerConfig,
    /** Lifecycle events of this process: rescues and expiries are told to it. */
    private readonly events: TaskEvents | undefined,
    private readonly telemetry: Telemetry,
  ) {
    this.liveness = new Liveness(config.deadAfterMs);
  }

  async start(): Promise<void> {
    await this.heartbeat(); // the row exists before the first claim, so rescue never mistakes us for dead
    this.every('heartbeat', this.config.heartbeatIntervalMs, () => this.heartbeat());
    // Checked often and apart from the heartbeat itself, which may hang on a silent connection.
    this.repeat(Math.max(50, Math.floor(this.config.deadAfterMs / 20)), () => this.fenceIfSilent());
    this.every('reconcile', Math.max(5000, this.config.heartbeatIntervalMs * 2), () => this.reconcile());
    this.every('progress sync', this.config.syncIntervalMs, () => this.sync());
    this.every('rescue and expiry', Math.max(1000, Math.floor(this.config.deadAfterMs / 2)), () => this.rescue());
  }

  /** Milliseconds since a heartbeat last came back (since start before the first one). */
  silentFor(): number {
    return this.liveness.silentFor();
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all(this.inFlight);
    await this.sync().catch(() => undefined);
    await this.engine
      .removeWorker(this.name)
      .catch((error: unknown) =>
        this.logger.warn(logLine(`Could not remove worker row: ${(error as Error).message}`, { worker: this.name })),
      );
  }

  /**
   * Run a duty now, logging (never throwing) its errors under the duty's name, and remember it
   * until it ends. The next beat is the retry: a single failure (a deadlock the database broke,
   * a dropped connection) is a verbose line, a duty failing twice in a row an ERROR.
   */
  private track(duty: string, task: () => Promise<unknown>): Promise<unknown> {
    const running = task().then(
      () => this.failures.delete(duty),
      (error) => {
        const failures = (this.failures.get(duty) ?? 0) + 1;
        this.failures.set(duty, failures);
        const line = `Worker duty "${duty}" failed (${failures} in a row), retrying on its next beat: ${(error as Error).message}`;
        if (failures > 1) this.logger.error(logLine(line, { worker: this.name }));
        else this.logger.verbose(logLine(line, { worker: this.name }));
      },
    );
    this.inFlight.add(running);
    void running.finally(() => this.inFlight.delete(running));
    return running;
  }

  /** Run `task` every `ms`, skipping a beat while the previous run is still in progress. */
  private every(duty: string, ms: number, task: () => Promise<unknown>): void {
    let busy = false;
    this.repeat(ms, () => {
      if (busy) return;
      busy = true;
      void this.track(duty, task).finally(() => (busy = false));
    });
  }

  private repeat(ms: number, tick: () => void): void {
    const timer = setInterval(tick, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private async heartbeat(): Promise<void> {
    try {
      // Liveness is real time (the database clock), even under a test clock that jumps ahead.
      const status = await this.engine.heartbeat(this.host.record(), null);
      this.telemetry.metrics?.heartbeat(this.name);
      const silence = this.liveness.heard();
      if (silence !== null && silence > this.config.deadAfterMs / 2) {
        this.logger.warn(
          logLine(
            `Database reachable again after ${Math.round(silence)} ms without a heartbeat: claiming and writing finished results again; rescuing other workers only after ${this.config.deadAfterMs} ms of heartbeats`,
            { worker: this.name },
          ),
        );
      }
      this.host.claiming = status === 'ACTIVE';
      // Leaving stops this very housekeeping, which waits for its duties: obey outside of them.
      if (status === 'TERMINATE' || status === 'KILL') setImmediate(() => this.host.obey(status));
    } catch (error) {
      this.liveness.failed();
      this.logger.error(
        logLine(
          `Heartbeat failed (${Math.round(this.liveness.silentFor())} ms without one): ${(error as Error).message}`,
          { worker: this.name },
        ),
      );
      this.fenceIfSilent();
      return;
    }
    await this.readPausedGroups();
  }

  /**
   * Queue control: the paused groups, read once per heartbeat, so a pause takes effect within one
   * heartbeat interval (plus a claim already in flight). A failed read keeps the last set and is
   * not a failed heartbeat.
   */
  private pausedReadFailed = false;

  private async readPausedGroups(): Promise<void> {
    try {
      this.host.pausedGroups(new Set((await this.engine.pausedGroups()).map((g) => g.name)));
      this.pausedReadFailed = false;
    } catch (error) {
      if (!this.pausedReadFailed)
        this.logger.warn(
          logLine(
            `Could not read the paused groups (is the KronosGroups migration applied?): ${(error as Error).message}`,
            { worker: this.name },
          ),
        );
      this.pausedReadFailed = true;
    }
  }

  /**
   * Silent for half of `deadAfter`: others may declare this worker dead once the database is back
   * and they have been heard for `deadAfter`. Stop before that (no zombies): claim nothing more and
   * interrupt running handlers; their INTERRUPTED outcomes wait, with the finished ones, to be
   * written fenced by claim token when the database answers again.
   */
  private fenceIfSilent(): void {
    if (this.liveness.silentFor() <= this.config.deadAfterMs / 2) return;
    this.host.claiming = false;
    if (this.host.running.size > 0) {
      this.logger.error(
        logLine(
          `Interrupting ${this.host.running.size} running task(s): no heartbeat for ${Math.round(this.liveness.silentFor())} ms, others may soon rescue them; they are re-queued when the database answers`,
          { worker: this.name },
        ),
      );
      this.host.abortAll('unreachable');
    }
  }

  /** Find tasks assigned to this worker in the database that it does not run (see `releasePhantoms`). */
  private async reconcile(): Promise<void> {
    if (!this.host.quiet) return;
    const before = this.host.claims;
    const held = await this.engine.tasksHeldBy(this.name);
    if (!this.host.quiet || this.host.claims !== before) return; // a claim ran meanwhile: look again later
    const phantoms = held.filter((task) => !this.host.running.has(task.id));
    if (phantoms.length === 0) return;
    this.logger.warn(
      logLine(
        `Releasing ${phantoms.length} task(s) assigned to this worker that it no longer runs: ${phantoms.map((t) => t.id).join(', ')}`,
        {
          taskIds: phantoms.map((t) => t.id),
          worker: this.name,
        },
      ),
    );
    this.host.releasePhantoms(phantoms);
  }

  private async sync(): Promise<void> {
    const updates: ProgressUpdate[] = [];
    for (const running of this.host.running.values()) {
      const progress = running.progress;
      const progressChanged = progress.dirty;
      const outputChanged = running.output.takeDirty();
      if (!progressChanged && !outputChanged) continue;
      progress.dirty = false;
      updates.push({
        taskId: running.task.id,
        claimToken: running.task.claimToken,
        progress: progress.percent,
        progressMessage: progress.message,
        output: running.output.value(),
      });
    }
    if (updates.length > 0) {
      for (const id of await this.engine.saveProgress(updates)) this.host.running.get(id)?.abort('lease-lost');
    }
    if (this.host.running.size > 0) {
      for (const id of await this.engine.stopRequests(this.name)) this.host.running.get(id)?.abort('stop');
      await this.checkLeases();
    }
  }

  /**
   * Abort attempts whose lease is gone (another worker rescued and re-claimed the task, e.g.
   * after this one was too slow to heartbeat): their signal fires at once, not only when their
   * fenced write-back is refused.
   */
  private async checkLeases(): Promise<void> {
    const asOf = Date.now();
    const candidates = this.host.running.values().filter((running) => running.launchedAt < asOf);
    if (candidates.length === 0) return;
    const tokens = await this.engine.leaseTokens(candidates.map((running) => running.task.id));
    for (const running of candidates) {
      if (tokens.get(running.task.id) === running.task.claimToken || this.host.running.get(running.task.id) !== running)
        continue;
      const { id, jobName, attempt, runAs } = running.task;
      this.logger.warn(
        logLine(`Lease lost for task ${id} (${jobName}): another worker holds it now; aborting this attempt`, {
          job: jobName,
          taskId: id,
          attempt,
          userId: runAs,
          worker: this.name,
        }),
      );
      running.abort('lease-lost');
    }
  }

  private async rescue(): Promise<void> {
    // Judge others only after a whole `deadAfter` of reachable database (see `Liveness`).
    const events = this.events?.active ? this.events : undefined; // nobody listening: nothing reported
    if (this.liveness.mayRescue()) {
      const metrics = this.telemetry.metrics;
      const cluster = this.events?.cluster; // set only with events: { cluster: true } on PostgreSQL
      const lost: LostRun[] | undefined = events || metrics || cluster ? [] : undefined;
      const report = await this.engine.rescueOrphans(this.config.deadAfterMs, null, lost, this.host.deadLetters);
      if (report.requeued + report.failed > 0) {
        this.logger.warn(
          logLine(`Rescued tasks of dead workers: ${report.requeued} re-queued, ${report.failed} failed`, {
            worker: this.name,
          }),
        );
      }
      if (events && lost!.length > 0) events.publish(() => lost!.map(lostEvent));
      if (cluster && lost!.length > 0) cluster.sendLost(lost!);
      metrics?.lost(lost ?? null, report.requeued + report.failed);
    }
    const expired: ExpiredTask[] | undefined = events && [];
    await this.engine.expire(engineInstant(this.options.clock), expired);
    if (expired && expired.length > 0) events!.publish(() => expired.map(expiredEvent));
  }
}
