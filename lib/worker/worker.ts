import { Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import type { TaskEvents } from '../events/task-events.js';
import type { AbortKind, AttemptResult } from '../execution/attempt.js';
import { RunningTask, type RunnerDeps } from '../execution/task-runner.js';
import { BatchCall } from '../execution/batch-call.js';
import type { RegisteredJob } from '../registry/registered-job.js';
import { logLine } from '../logging/log-record.js';
import { NO_TELEMETRY, type Telemetry } from '../observability/telemetry.js';
import type { JobRegistry } from '../registry/job-registry.js';
import { engineInstant } from '../scheduler.clock.js';
import type { ResolvedSchedulerOptions } from '../scheduler.options.js';
import type {
  ClaimedTask,
  ClaimRequest,
  Instant,
  NewTask,
  StorageEngine,
  TaskOutcome,
  WorkerRecord,
} from '../storage/engine.js';
import { ClaimAhead } from './claim-ahead.js';
import { RunningTasks } from './running-tasks.js';
import { CompletionBatcher } from './completion-batcher.js';
import { taskOutcome, type OutcomePolicy } from './task-outcome.js';
import { attemptDeadLetter, deadLetterRoutes } from './dead-letter.js';
import type { DeadLetterRoutes } from '../storage/dead-letter-task.js';
import { settledWithin, sleep } from './timing.js';
import { WorkerHousekeeping, type HousekeepingHost } from './worker-housekeeping.js';

type WorkerConfig = Exclude<ResolvedSchedulerOptions['worker'], false>;

/**
 * A worker's state for health checks. `fenced`: no heartbeat back for more than half of
 * `deadAfter`, so it claims nothing and has interrupted its handlers (the lease protocol);
 * `disabled`: a worker command told it to stop claiming; `stopped`: it left or is shutting down.
 */
export interface WorkerHealth {
  name: string;
  state: 'claiming' | 'disabled' | 'fenced' | 'stopped';
  /** Milliseconds since its last heartbeat came back. */
  silentForMs: number;
  deadAfterMs: number;
}

/**
 * The claim loop: keeps up to `concurrency` tasks running (and, for short tasks, a few claimed
 * ahead: see `ClaimAhead`), claims again at once while claims come back full, otherwise waits for
 * a notification or the poll interval. Errors in handlers never
 * reach this loop; errors talking to the database are logged and retried. (Its row in the
 * database is the `Worker` entity.)
 */
export class TaskWorker implements HousekeepingHost {
  readonly name: string;
  readonly running = new RunningTasks();
  readonly counters = { completed: 0, failed: 0 };
  private readonly logger = new Logger('Kronos');
  private readonly batcher: CompletionBatcher;
  private readonly housekeeping: WorkerHousekeeping;
  private readonly stopping = new AbortController();
  private loopDone: Promise<void> = Promise.resolve();
  /** The claim loop, while it waits for a free slot (or a written batch). */
  private slotWaiter?: () => void;
  private stopped?: Promise<void>;
  /** Called once the worker left because of a TERMINATE or KILL command. */
  onLeave?: (command: 'TERMINATE' | 'KILL') => void;
  /** False while disabled by command or while the heartbeat is failing (fencing). */
  claiming = true;
  /** True while `runDue()` owns claiming (testing helpers). */
  private draining = false;
  private claimInFlight: Promise<unknown> = Promise.resolve();
  private readonly ahead: ClaimAhead;
  /** Which jobs are claimed together and which one by one (concurrency limits). */
  private readonly plan: ReturnType<JobRegistry['claimPlan']>;
  /** Where the registered jobs' dead letters go (`JobOptions.deadLetter`), by job name; read by the rescue too. */
  readonly deadLetters: DeadLetterRoutes;
  /** How an attempt's outcome is built: the worker, its retry back-off, the jobs whose completed tasks are deleted. */
  private readonly outcomePolicy: OutcomePolicy;
  /** Claims started so far: an unchanged value means no claim started meanwhile. */
  claims = 0;
  /** The groups claimed from: the configured ones less those paused, as read on the last heartbeat. */
  private claimGroups: string[];
  /**
   * `claimGroups` split by the module's `groups` option: those without a rate limit (claimed
   * together, as before) and those with one, each claimed in a claim of its own that counts its
   * window (docs/flow-control.md).
   */
  private freeGroups: string[];
  private ratedGroups: { group: string; limit: number; perMs: number }[];
  private claimsInFlight = 0;
  /**
   * Batch handler calls (and batches being gathered) minus their tasks in `running`: a call takes
   * one slot of `concurrency`, however many tasks it holds. 0 without batch jobs.
   */
  private batchAdjust = 0;
  /** Batch jobs a batch is being gathered for, and the tasks held meanwhile (claimed, not yet running). */
  private readonly gathering = new Map<string, Promise<void>>();
  private readonly held = new Set<number>();
  /** Set by a batch claim that came back full: claim again at once. */
  private batchMore = false;
  /** Tasks started in batch handler calls (counted by `runDue`). */
  private batchLaunched = 0;

  constructor(
    name: string,
    private readonly engine: StorageEngine,
    private readonly registry: JobRegistry,
    private readonly options: ResolvedSchedulerOptions,
    private readonly config: WorkerConfig,
    private readonly runner: RunnerDeps,
    /** Lifecycle events of this process: written batches, rescues and expiries are told to it. */
    events?: TaskEvents,
    /** OpenTelemetry tracing and metrics of this process; both null when no SDK is registered. */
    private readonly telemetry: Telemetry = NO_TELEMETRY,
  ) {
    this.name = name;
    this.plan = registry.claimPlan();
    this.deadLetters = deadLetterRoutes(registry);
    this.outcomePolicy = {
      worker: name,
      retryBackoffMs: options.retryBackoffMs,
      maxRetryBackoffMs: options.maxRetryBackoffMs,
      removable: new Set(
        registry
          .all()
          .filter((job) => job.removeOnComplete)
          .map((job) => job.name),
      ),
    };
    this.claimGroups = [...config.groups];
    [this.freeGroups, this.ratedGroups] = this.splitGroups(this.claimGroups);
    this.ahead = new ClaimAhead(config.concurrency, config.batchSize);
    this.batcher = new CompletionBatcher(
      engine,
      this.logger,
      (ids) =>
        this.logger.warn(
          logLine(`Lease lost for task(s) ${ids.join(', ')}: results discarded`, { taskIds: ids, worker: this.name }),
        ),
      () => this.wake(),
      events,
    );
    this.housekeeping = new WorkerHousekeeping(name, this, engine, options, config, events, telemetry);
  }

  /** The instant to hand to the engine: the database clock unless a test clock is in use (see `engineInstant`). */
  private instant(): Instant {
    return engineInstant(this.options.clock);
  }

  record(): WorkerRecord {
    return {
      name: this.name,
      groups: this.config.groups,
      hostname: hostname(),
      pid: process.pid,
      running: this.running.size,
      ...this.counters,
    };
  }

  /** Its state as health checks read it: from memory, no query. */
  health(): WorkerHealth {
    const silentForMs = this.housekeeping.silentFor();
    const fenced = silentForMs > this.config.deadAfterMs / 2;
    const state = this.stopped ? 'stopped' : fenced ? 'fenced' : this.claiming ? 'claiming' : 'disabled';
    return { name: this.name, state, silentForMs, deadAfterMs: this.config.deadAfterMs };
  }

  async start(): Promise<void> {
    await this.housekeeping.start();
    this.loopDone = this.loop();
  }

  /**
   * Stop claiming, wait for running tasks up to `graceMs` (default: the shutdown grace period),
   * interrupt the rest (they are re-queued), write everything and leave. Idempotent.
   */
  stop(graceMs = this.config.shutdownGracePeriodMs): Promise<void> {
    this.stopped ??= this.shutdown(graceMs);
    return this.stopped;
  }

  /**
   * Obey a worker command read on the heartbeat: TERMINATE finishes the running tasks, KILL
   * interrupts them (re-queued); either way the worker then leaves and `onLeave` is told.
   */
  obey(command: 'TERMINATE' | 'KILL'): void {
    if (this.stopped) return;
    this.logger.warn(
      logLine(
        `Worker ${this.name} received ${command}: ${command === 'KILL' ? 'interrupting' : 'finishing'} ${this.running.size} running task(s), then leaving`,
        { worker: this.name },
      ),
    );
    void this.stop(command === 'KILL' ? 0 : Number.POSITIVE_INFINITY).then(() => this.onLeave?.(command));
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.stopping.abort();
    this.wake();
    await this.loopDone;
    await Promise.all(this.gathering.values());
    const deadline = Date.now() + graceMs;
    if (graceMs > 0) this.startReady(); // claimed-ahead tasks start as slots free up, within the grace period
    while (this.running.size > 0 && Date.now() < deadline) {
      await settledWithin(Promise.race(this.running.values().map((t) => t.done)), deadline - Date.now());
    }
    if (this.running.size > 0) {
      if (graceMs > 0)
        this.logger.warn(
          logLine(
            `Interrupting ${this.running.size} running task(s) after the shutdown grace period; they are re-queued`,
            { worker: this.name },
          ),
        );
      this.abortAll('shutdown');
      await Promise.all(this.running.values().map((t) => t.done.catch(() => undefined)));
      await sleep(0);
    }
    await this.batcher.drain(Date.now() + 30_000);
    await this.housekeeping.stop();
  }

  abortAll(kind: AbortKind): void {
    // Claimed-ahead tasks never started: without a lease they are dropped (rescue re-queues
    // them), otherwise handed back at once.
    const ready = this.ahead.take();
    if (kind !== 'lease-lost')
      this.release(
        ready,
        `released before it started: ${kind === 'unreachable' ? 'the database could not be reached' : 'the worker is stopping'}; re-queued`,
      );
    for (const task of this.running.values()) task.abort(kind);
  }

  /**
   * The paused groups, read on each heartbeat: this worker's groups among them are left out of
   * its claims (an empty list claims nothing) until they are resumed.
   */
  pausedGroups(paused: ReadonlySet<string>): void {
    const groups = this.config.groups.filter((g) => !paused.has(g));
    if (groups.join('\0') === this.claimGroups.join('\0')) return;
    const resumed = groups.length > this.claimGroups.length;
    this.claimGroups = groups;
    [this.freeGroups, this.ratedGroups] = this.splitGroups(groups);
    const held = this.config.groups.filter((g) => paused.has(g));
    this.logger.log(
      logLine(
        held.length === 0 ? 'Claiming from every group again' : `Not claiming from paused group(s) ${held.join(', ')}`,
        { worker: this.name },
      ),
    );
    if (resumed) this.wake();
  }

  /** Groups without a group rate limit, and those with one (with their limit). */
  private splitGroups(groups: string[]): [string[], { group: string; limit: number; perMs: number }[]] {
    const rates = this.options.groupRates;
    if (rates.size === 0) return [groups, []];
    return [
      groups.filter((group) => !rates.has(group)),
      groups.filter((group) => rates.has(group)).map((group) => ({ group, ...rates.get(group)! })),
    ];
  }

  /** Wake the loop if it waits for a free slot. */
  wake(): void {
    this.slotWaiter?.();
  }

  private async loop(): Promise<void> {
    const signal = this.stopping.signal;
    let failures = 0;
    while (!signal.aborted) {
      const limit =
        this.claiming && !this.draining && !this.batcher.behind
          ? this.ahead.want(this.running.size + this.batchAdjust)
          : 0;
      if (limit <= 0) {
        await this.waitForSlot(this.config.pollIntervalMs);
        continue;
      }
      let claimed: ClaimedTask[];
      try {
        claimed = await this.claim(limit);
        failures = 0;
      } catch (error) {
        failures++;
        // One failed claim (a deadlock the database broke, a dropped connection) is retried at
        // once and quietly; a claim failing again is an ERROR.
        const line = `Claim failed (${failures} in a row), retrying: ${(error as Error).message}`;
        if (failures > 1) this.logger.error(logLine(line, { worker: this.name }));
        else this.logger.verbose(logLine(line, { worker: this.name }));
        await sleep(Math.min(100 * 2 ** failures, 5000));
        continue;
      }
      this.ahead.push(claimed);
      this.startReady();
      if (claimed.length === limit || this.batchMore) continue; // the queue may hold more: fetch again at once
      await this.engine.waitForWork(this.config.pollIntervalMs, signal); // the queue is empty: wait for news
    }
  }

  /**
   * Run everything due now and wait until it is finished and recorded (the testing helpers'
   * `drain()`). The background loop pauses meanwhile, so nothing is claimed behind its back;
   * `prepare` runs once it is paused. Returns how many tasks were run.
   */
  async runDue(timeoutMs: number, prepare?: () => Promise<unknown>): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    this.draining = true;
    let ran = 0;
    try {
      await this.claimInFlight.catch(() => undefined);
      await prepare?.();
      const batchLaunched = this.batchLaunched;
      for (;;) {
        if (Date.now() > deadline) throw new Error(`drain(): tasks still running or due after ${timeoutMs} ms`);
        const free = this.config.concurrency - this.running.size - this.batchAdjust;
        const claimed = free > 0 ? await this.claim(Math.min(free, this.config.batchSize)) : [];
        for (const task of claimed) this.launch(task);
        ran += claimed.length;
        if (claimed.length === 0 && this.running.size === 0) {
          // Everything claimed has finished: once it is recorded, completions may have made more
          // work due (retries, the next slot of a recurring task), so look once more.
          await this.batcher.drain(deadline);
          if (this.batcher.size > 0) continue;
          const more = await this.claim(this.config.batchSize);
          if (more.length === 0 && this.running.size === 0) return ran + this.batchLaunched - batchLaunched;
          this.ahead.push(more);
          this.startReady();
          ran += more.length;
          continue;
        }
        if (claimed.length === 0) await settledWithin(Promise.race(this.running.values().map((t) => t.done)), 100);
      }
    } finally {
      this.draining = false;
      this.wake();
    }
  }

  private claim(limit: number): Promise<ClaimedTask[]> {
    const claim = this.claimPlanned(limit);
    this.claimInFlight = claim;
    this.claims++;
    this.claimsInFlight++;
    void claim.finally(() => this.claimsInFlight--).catch(() => undefined);
    return claim;
  }

  /**
   * Unlimited jobs in one claim; then each job with a concurrency or rate limit in a claim of its
   * own. Groups with a rate limit are left out of those and claimed after them, each group apart
   * (its unlimited jobs together, then each limited job), counting the group's window.
   */
  private async claimPlanned(limit: number): Promise<ClaimedTask[]> {
    if (this.claimGroups.length === 0) return [];
    const now = this.instant();
    const claimed: ClaimedTask[] = [];
    await this.claimJobs({ groups: this.freeGroups }, now, claimed, limit);
    for (const groupRate of this.ratedGroups)
      await this.claimJobs({ groups: [groupRate.group], groupRate }, now, claimed, limit);
    if (this.plan.batched.length > 0) await this.claimBatches(this.plan.batched, claimed.length);
    return claimed;
  }

  /**
   * The plan's jobs in `scope`, into `claimed` until it holds `limit`: the unlimited jobs in one
   * claim, then each job with a concurrency or rate limit in a claim of its own.
   */
  private async claimJobs(
    scope: Pick<ClaimRequest, 'groups' | 'groupRate'>,
    now: Instant,
    claimed: ClaimedTask[],
    limit: number,
  ): Promise<void> {
    if (scope.groups.length === 0) return;
    const { unlimited, limited } = this.plan;
    const base = { ...scope, worker: this.name, now };
    if (unlimited.length > 0 && claimed.length < limit)
      claimed.push(...(await this.engine.claim({ ...base, jobNames: unlimited, limit: limit - claimed.length })));
    for (const job of limited) {
      if (claimed.length >= limit) break;
      claimed.push(
        ...(await this.engine.claim({
          ...base,
          jobNames: [job.name],
          limit: limit - claimed.length,
          maxRunning: job.maxRunning,
          rate: job.rate,
        })),
      );
    }
  }

  /**
   * Each batch job in a claim of its own, up to its `size`, while slots are free (`taken`: slots
   * the tasks just claimed will fill). A batch short of `size` with a `wait` is gathered in the
   * background; otherwise the tasks run at once in one handler call.
   */
  private async claimBatches(jobs: RegisteredJob[], taken: number): Promise<void> {
    this.batchMore = false;
    for (const job of jobs) {
      const batch = job.batch!;
      while (
        !this.gathering.has(job.name) &&
        this.running.size + this.batchAdjust + this.ahead.size + taken < this.config.concurrency
      ) {
        const tasks = await this.claimBatch(job, batch.size);
        if (tasks.length === 0) break;
        if (tasks.length < batch.size && batch.waitMs > 0 && !this.draining) {
          this.gather(job, tasks);
          break;
        }
        this.launchBatch(job, tasks);
        if (tasks.length < batch.size) break;
        this.batchMore = true;
      }
    }
  }

  /** Up to `limit` tasks of a batch job: from the groups without a rate limit, then from each group with one. */
  private async claimBatch(job: RegisteredJob, limit: number): Promise<ClaimedTask[]> {
    const request = {
      worker: this.name,
      now: this.instant(),
      jobNames: [job.name],
      ...(job.maxRunning !== null ? { maxRunning: job.maxRunning } : {}),
      ...(job.rateLimit !== null ? { rate: job.rateLimit } : {}),
    };
    const tasks = await this.engine.claim({ ...request, groups: this.freeGroups, limit });
    for (const groupRate of this.ratedGroups) {
      if (tasks.length >= limit) break;
      tasks.push(
        ...(await this.engine.claim({ ...request, groups: [groupRate.group], groupRate, limit: limit - tasks.length })),
      );
    }
    return tasks;
  }

  /**
   * Hold claimed tasks of a batch job (RUNNING under this worker's lease) for up to its `wait`,
   * claiming more until the batch is full, then run them in one call. Stops gathering early when
   * the worker stops or stops claiming.
   */
  private gather(job: RegisteredJob, first: ClaimedTask[]): void {
    const { size, waitMs } = job.batch!;
    const tasks = [...first];
    for (const task of tasks) this.held.add(task.id);
    this.batchAdjust++;
    const until = Date.now() + waitMs;
    const step = Math.min(250, Math.max(20, Math.floor(waitMs / 5)));
    const gathered = (async () => {
      try {
        while (
          tasks.length < size &&
          Date.now() < until &&
          this.claiming &&
          this.claimGroups.length > 0 &&
          !this.stopping.signal.aborted
        ) {
          await sleep(Math.min(step, until - Date.now()));
          const more = await this.claimBatch(job, size - tasks.length);
          for (const task of more) this.held.add(task.id);
          tasks.push(...more);
        }
      } catch (error) {
        this.logger.verbose(
          logLine(
            `Claim for batch job ${job.name} failed while gathering; running the ${tasks.length} task(s) held: ${(error as Error).message}`,
            { worker: this.name },
          ),
        );
      } finally {
        this.batchAdjust--;
        for (const task of tasks) this.held.delete(task.id);
        this.gathering.delete(job.name);
        this.launchBatch(job, tasks);
        this.wake();
      }
    })();
    this.gathering.set(job.name, gathered);
  }

  /**
   * Run claimed tasks of a batch job: one handler call per `runAs` user (a call never mixes
   * users), each task its own `RunningTask` (timeout, stop, lease, outcome) settled by the call.
   */
  private launchBatch(job: RegisteredJob, tasks: ClaimedTask[]): void {
    const byUser = new Map<string | null, ClaimedTask[]>();
    for (const task of tasks) {
      const group = byUser.get(task.runAs);
      if (group) group.push(task);
      else byUser.set(task.runAs, [task]);
    }
    for (const group of byUser.values()) {
      const call = new BatchCall(job, this.runner.resolveUser);
      const deps: RunnerDeps = { ...this.runner, executorFor: () => call };
      const launched = performance.now();
      let remaining = group.length;
      this.batchAdjust += 1 - group.length;
      this.batchLaunched += group.length;
      // Observed like single tasks: one span for the call (linked to each task's enqueue), metrics per task.
      const { tracing, metrics } = this.telemetry;
      const span = tracing?.startBatch(job.name, group, this.name);
      let failed = 0;
      for (const task of group) {
        const running: RunningTask = new RunningTask(task, job, deps, (attempt) => {
          if (attempt.status === 'FAILED' || attempt.status === 'TIMEOUT') failed++;
          if (--remaining > 0) this.batchAdjust++;
          else span?.end(failed);
          const outcome = this.settled(running, task, attempt, launched);
          metrics?.attempt(task, attempt, outcome);
        });
        this.running.add(running);
      }
      if (span) void span.within(() => call.start());
      else void call.start();
    }
  }

  /** True when every finished attempt is written and no claim is in flight. */
  get quiet(): boolean {
    return this.batcher.idle && this.claimsInFlight === 0 && this.ahead.size === 0;
  }

  /**
   * Release tasks the database says this worker runs but it does not: a claim whose reply was
   * lost with the connection (committed on the server, never received), or an attempt it aborted
   * when its lease could not be renewed. They are re-queued with an INTERRUPTED run, fenced by
   * their claim token.
   */
  releasePhantoms(tasks: ClaimedTask[]): void {
    const phantoms = tasks.filter(
      (task) => !this.running.has(task.id) && !this.ahead.holds(task.id) && !this.held.has(task.id),
    );
    this.release(
      phantoms,
      'released: this worker no longer runs it (its claim or lease was lost with the connection); re-queued',
    );
  }

  /** Hand claimed tasks back unrun: re-queued with an INTERRUPTED run, fenced by their claim token. */
  private release(tasks: ClaimedTask[], message: string): void {
    for (const task of tasks) {
      const now = this.options.clock.now();
      this.batcher.add(
        taskOutcome(
          task,
          {
            status: 'INTERRUPTED',
            retryable: true,
            startTime: now,
            stopTime: now,
            result: null,
            message,
            output: null,
            traceback: null,
          },
          this.outcomePolicy,
        ),
      );
    }
  }

  /** Start claimed tasks while slots are free. */
  private startReady(): void {
    for (
      let task = this.ahead.next(this.running.size + this.batchAdjust);
      task;
      task = this.ahead.next(this.running.size + this.batchAdjust)
    )
      this.launch(task);
  }

  private waitForSlot(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.slotWaiter === done) this.slotWaiter = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.slotWaiter = done;
    });
  }

  private launch(task: ClaimedTask): void {
    const job = this.registry.require(task.jobName);
    const launched = performance.now();
    const { tracing, metrics } = this.telemetry;
    if (tracing || metrics) {
      this.launchObserved(task, job, launched);
      return;
    }
    const running: RunningTask = new RunningTask(task, job, this.runner, (attempt) => {
      this.settled(running, task, attempt, launched);
    });
    // An attempt settles in a later microtask at the earliest, so this comes first.
    this.running.add(running);
  }

  /**
   * `launch` while OpenTelemetry is on: the attempt runs inside its `kronos.run` span (when
   * tracing) and is measured when it settles (when metering). Kept apart so that the plain
   * launch tests one condition and nothing more.
   */
  private launchObserved(task: ClaimedTask, job: ReturnType<JobRegistry['require']>, launched: number): void {
    const { tracing, metrics } = this.telemetry;
    const span = tracing?.startRun(task, this.name);
    const start = () =>
      new RunningTask(task, job, this.runner, (attempt) => {
        span?.end(attempt);
        const outcome = this.settled(running, task, attempt, launched);
        metrics?.attempt(task, attempt, outcome);
      });
    const running: RunningTask = span ? span.within(start) : start();
    this.running.add(running);
  }

  /** The dead letter of a failed attempt (see `JobOptions.deadLetter`), or undefined. */
  private deadLetterOf(task: ClaimedTask, outcome: TaskOutcome): NewTask | undefined {
    const route = this.deadLetters.get(task.jobName);
    if (!route) return undefined;
    return attemptDeadLetter(task, outcome, route, engineInstant(this.options.clock)) ?? undefined;
  }

  /** Book a settled attempt: free its slot, count it, queue its outcome for writing. */
  private settled(
    running: RunningTask,
    task: ClaimedTask,
    attempt: AttemptResult,
    launched: number,
  ): TaskOutcome | null {
    this.running.remove(running);
    this.ahead.finished(performance.now() - launched);
    this.startReady();
    if (attempt.status === 'COMPLETED') this.counters.completed++;
    else this.counters.failed++;
    let outcome: TaskOutcome | null = null;
    if (!attempt.leaseLost) {
      outcome = taskOutcome(task, attempt, this.outcomePolicy);
      if (outcome.taskStatus === 'QUEUED' && outcome.nextRunTime === null && !this.options.clock.isSystemClock) {
        outcome.nextRunTime = this.options.clock.now() + outcome.delayMs;
      }
      // A last failure of a job with a deadLetter job carries its dead letter: written with the outcome.
      if (attempt.status !== 'COMPLETED' && this.deadLetters.size > 0) {
        const letter = this.deadLetterOf(task, outcome);
        if (letter) outcome.deadLetter = letter;
      }
      this.batcher.add(outcome);
    }
    this.wake();
    return outcome;
  }
}
