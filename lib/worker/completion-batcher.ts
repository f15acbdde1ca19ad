import type { Logger } from '@nestjs/common';
import { batchEvents } from '../events/event-builders.js';
import type { TaskEvents } from '../events/task-events.js';
import { logLine } from '../logging/log-record.js';
import type { StorageEngine, TaskOutcome } from '../storage/engine.js';
import { settledWithin, sleep } from './timing.js';

/**
 * Writes finished attempts in batches: a write starts as soon as the current turn of the event
 * loop is over (a claimed batch of short tasks finishes within one turn, and goes out as one
 * write), and everything that finishes while a write is in flight goes out together in the next
 * one (one statement per batch on PostgreSQL, at most `MAX_BATCH` outcomes). A failed write (database gone) keeps the outcomes and retries with back-off, so
 * results survive a database restart.
 */
/** Outcomes per write: bounds the statement's parameter arrays and the time a row lock is held. */
const MAX_BATCH = 1000;

export class CompletionBatcher {
  private pending: TaskOutcome[] = [];
  private flushing: Promise<void> | null = null;
  private retryDelayMs = 100;
  /** FAILED and TIMEOUT outcomes waiting to be written: their batches ask for run ids, to log them. */
  private failedPending = 0;

  constructor(
    private readonly engine: StorageEngine,
    private readonly logger: Logger,
    private readonly onFenced: (taskIds: number[]) => void,
    /** Called after each batch is written (the worker's claim loop may be waiting on `behind`). */
    private readonly onWritten: () => void = () => undefined,
    /** Lifecycle events: told about each written batch, only while someone listens. */
    private readonly events?: TaskEvents,
  ) {}

  /**
   * True while a full batch of outcomes waits behind the one being written: the database is not
   * keeping up with the handlers. The worker then claims nothing until a write returns, so the
   * results held in memory (and the finished work a crash would lose the record of) stay bounded
   * by about two batches plus the tasks already claimed.
   */
  get behind(): boolean {
    return this.pending.length >= MAX_BATCH;
  }

  get size(): number {
    return this.pending.length;
  }

  /** Nothing waiting and nothing being written. */
  get idle(): boolean {
    return this.pending.length === 0 && this.flushing === null;
  }

  /** Queue an outcome (its `deadLetter`, if any, is written with it, in the same transaction). */
  add(outcome: TaskOutcome): void {
    this.pending.push(outcome);
    if (outcome.runStatus === 'FAILED' || outcome.runStatus === 'TIMEOUT') this.failedPending++;
    if (!this.flushing) this.flushing = this.loop();
  }

  /** Resolves when everything added so far is written (or `deadline` passes). */
  async drain(deadline = Number.POSITIVE_INFINITY): Promise<void> {
    while ((this.flushing || this.pending.length > 0) && Date.now() < deadline) {
      if (!this.flushing) this.flushing = this.loop();
      await settledWithin(this.flushing, Math.min(1000, deadline - Date.now()));
    }
  }

  private async loop(): Promise<void> {
    try {
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.pending.length > 0) {
        const batch = this.pending.length > MAX_BATCH ? this.pending.splice(0, MAX_BATCH) : this.pending;
        if (batch === this.pending) this.pending = [];
        try {
          // Nobody listening, nothing failed, nothing sent to the cluster: no run ids asked for, no events built.
          const cluster = this.events?.cluster;
          const runIds = this.events?.active || cluster || this.failedPending > 0 ? [] : undefined;
          const fenced = await this.engine.complete(batch, runIds);
          this.retryDelayMs = 100;
          if (runIds && cluster) cluster.send(batch, runIds);
          if (runIds && this.failedPending > 0) this.logFailures(batch, runIds);
          if (runIds && this.events?.active) this.events.publish(() => batchEvents(batch, runIds));
          if (fenced.length > 0) this.onFenced(fenced);
          this.onWritten();
        } catch (error) {
          this.pending = batch.concat(this.pending);
          this.logger.error(
            `Could not record ${batch.length} finished run(s), retrying in ${this.retryDelayMs} ms: ${(error as Error).message}`,
          );
          await sleep(this.retryDelayMs);
          this.retryDelayMs = Math.min(this.retryDelayMs * 2, 5000);
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  /**
   * One line per written FAILED or TIMEOUT attempt: WARN while a retry remains, ERROR otherwise,
   * with the run's fields for JSON loggers.
   */
  private logFailures(batch: readonly TaskOutcome[], runIds: readonly number[]): void {
    for (let i = 0; i < batch.length; i++) {
      const o = batch[i];
      if (o.runStatus !== 'FAILED' && o.runStatus !== 'TIMEOUT') continue;
      this.failedPending--;
      if (!(runIds[i] > 0)) continue; // fenced out: nothing was written
      const retrying = o.taskStatus === 'QUEUED' && o.nextAttempt === o.attempt;
      const what = o.runStatus === 'FAILED' ? 'failed' : 'timed out';
      const fields = {
        job: o.jobName,
        taskId: o.taskId,
        runId: runIds[i],
        attempt: o.attempt,
        userId: o.runAs,
        worker: o.worker,
        runStatus: o.runStatus,
        status: o.taskStatus,
        err: { message: o.message ?? o.runStatus, stack: o.traceback },
      };
      if (retrying) {
        this.logger.warn(
          logLine(
            `Task ${o.taskId} (${o.jobName}) attempt ${o.attempt} ${what}, retrying in ${o.delayMs} ms: ${o.message ?? o.runStatus}`,
            { ...fields, retryDelayMs: o.delayMs },
          ),
        );
      } else {
        this.logger.error(
          logLine(
            `Task ${o.taskId} (${o.jobName}) attempt ${o.attempt} ${what}, no retry left: ${o.message ?? o.runStatus}`,
            fields,
          ),
        );
      }
    }
  }
}
