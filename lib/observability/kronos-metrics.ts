import type { Attributes, BatchObservableResult, Counter, Histogram, Meter, ObservableGauge } from '@opentelemetry/api';
import type { DataSource } from 'typeorm';
import type { AttemptResult } from '../execution/attempt.js';
import type { ClaimedTask, LostRun, TaskOutcome } from '../storage/engine.js';
import type { OpenTelemetryApi } from './open-telemetry.js';
import { backlogCounts, type BacklogCount } from './backlog-counts.js';
import type { Metrics } from './telemetry.js';

/** At most this many QUEUED (and as many RUNNING) index entries are read per collection. */
export const BACKLOG_CAP = 100_000;
/** Histogram buckets in seconds, from a few milliseconds to an hour (the SDK's default suits milliseconds). */
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** Collections closer together than this reuse the last reading (several readers, frequent scrapes). */
const BACKLOG_TTL_MS = 5_000;

/** Where the backlog gauges read from: the database and the jobs this process knows. */
export interface BacklogSource {
  dataSource: DataSource;
  /** Job name → group of the registered jobs: reported as 0 while they have nothing queued. */
  jobs: () => Iterable<{ name: string; group: string }>;
}

/**
 * Kronos' metrics through the OpenTelemetry metrics API (names and units: docs/observability.md).
 * Exists only while a meter provider is registered; the worker records into it after each
 * attempt, the housekeeping after each heartbeat and rescue, and the backlog gauges query the
 * database once per collection (capped, cached for a few seconds).
 */
export class KronosMetrics implements Metrics {
  private readonly runs: Counter;
  private readonly duration: Histogram;
  private readonly waitTime: Histogram;
  private readonly retries: Counter;
  private readonly lostRuns: Counter;
  private readonly heartbeats: Counter;
  private readonly queued: ObservableGauge;
  private readonly running: ObservableGauge;
  private reading?: { at: number; counts: Promise<BacklogCount[]> };
  private readonly meter: Meter;
  private readonly observeBacklogBound = (observer: BatchObservableResult) => this.observeBacklog(observer);

  constructor(
    api: OpenTelemetryApi,
    private readonly backlog: BacklogSource,
  ) {
    const meter = (this.meter = api.metrics.getMeter('nestjs-kronos'));
    this.runs = meter.createCounter('kronos.runs', {
      description: 'Attempts finished, by job and run status',
      unit: '{run}',
    });
    this.duration = meter.createHistogram('kronos.run.duration', {
      description: 'How long attempts ran',
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
    this.waitTime = meter.createHistogram('kronos.task.wait_time', {
      description: 'From a task being due to its attempt starting',
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
    this.retries = meter.createCounter('kronos.retries', {
      description: 'Failed or timed-out attempts re-queued for another attempt',
      unit: '{retry}',
    });
    this.lostRuns = meter.createCounter('kronos.runs.lost', {
      description: 'Attempts rescued from a worker that stopped heartbeating',
      unit: '{run}',
    });
    this.heartbeats = meter.createCounter('kronos.worker.heartbeats', {
      description: 'Worker heartbeats written',
      unit: '{heartbeat}',
    });
    this.queued = meter.createObservableGauge('kronos.tasks.queued', {
      description: `QUEUED tasks by job and group (read up to ${BACKLOG_CAP})`,
      unit: '{task}',
    });
    this.running = meter.createObservableGauge('kronos.tasks.running', {
      description: `RUNNING tasks by job and group (read up to ${BACKLOG_CAP})`,
      unit: '{task}',
    });
    meter.addBatchObservableCallback(this.observeBacklogBound, [this.queued, this.running]);
  }

  /** The application shuts down: its database is no longer read for the gauges. */
  close(): void {
    this.meter.removeBatchObservableCallback(this.observeBacklogBound, [this.queued, this.running]);
  }

  /** One finished attempt: its run, duration, wait and, when re-queued for another try, a retry. */
  attempt(task: ClaimedTask, result: AttemptResult, outcome: TaskOutcome | null): void {
    const status: Attributes = {
      'kronos.job': task.jobName,
      'kronos.group': task.group,
      'kronos.run.status': result.status,
    };
    this.runs.add(1, status);
    this.duration.record(Math.max(0, result.stopTime - result.startTime) / 1000, status);
    if (result.status !== 'INTERRUPTED') {
      this.waitTime.record(Math.max(0, result.startTime - task.scheduledFor) / 1000, {
        'kronos.job': task.jobName,
        'kronos.group': task.group,
      });
    }
    if (
      outcome &&
      outcome.taskStatus === 'QUEUED' &&
      outcome.nextAttempt === outcome.attempt &&
      (result.status === 'FAILED' || result.status === 'TIMEOUT')
    ) {
      this.retries.add(1, { 'kronos.job': task.jobName, 'kronos.group': task.group });
    }
  }

  /** Attempts this process's rescue recorded as LOST (`count` when the runs are not itemised). */
  lost(runs: readonly LostRun[] | null, count: number): void {
    if (runs === null) {
      if (count > 0) this.lostRuns.add(count);
      return;
    }
    for (const run of runs) this.lostRuns.add(1, { 'kronos.job': run.jobName });
  }

  /** A heartbeat of this process's worker came back. */
  heartbeat(worker: string): void {
    this.heartbeats.add(1, { 'kronos.worker': worker });
  }

  private async observeBacklog(observer: BatchObservableResult): Promise<void> {
    const now = Date.now();
    if (!this.reading || now - this.reading.at >= BACKLOG_TTL_MS)
      this.reading = { at: now, counts: backlogCounts(this.backlog.dataSource, BACKLOG_CAP) };
    let counts: BacklogCount[];
    try {
      counts = await this.reading.counts;
    } catch {
      this.reading = undefined; // the database did not answer: no reading this time, a fresh query next time
      return;
    }
    const seen = new Set<string>();
    for (const c of counts) {
      seen.add(`${c.status}\0${c.job}\0${c.group}`);
      observer.observe(c.status === 'QUEUED' ? this.queued : this.running, c.count, {
        'kronos.job': c.job,
        'kronos.group': c.group,
      });
    }
    for (const job of this.backlog.jobs()) {
      for (const [status, gauge] of [
        ['QUEUED', this.queued],
        ['RUNNING', this.running],
      ] as const) {
        if (!seen.has(`${status}\0${job.name}\0${job.group}`))
          observer.observe(gauge, 0, { 'kronos.job': job.name, 'kronos.group': job.group });
      }
    }
  }
}
