import { WorkerProcess, workerLaunch } from '../support/child.js';
import type { WorkerReport } from '../support/protocol.js';
import { histogram, percentile, sleep, wallMs, type Histogram } from '../support/stats.js';
import type { Backend, Configuration, Producer } from '../systems/system.js';

export interface LatencyResult {
  config: string;
  tasks: number;
  ratePerSec: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** How long the enqueue call itself took (its insert and commit), p50 and p99, ms; null when not measured. */
  enqueueP50: number | null;
  enqueueP99: number | null;
  /** From the enqueue call's return (its commit) to the handler's start: the wake-up, claim and dispatch, ms. */
  afterCommitP50: number | null;
  afterCommitP99: number | null;
  /** Enqueues actually issued per second over the run (below `ratePerSec` when the producer could not keep up). */
  achievedRatePerSec?: number;
  /** Tasks that had not started when the run was cut; their latency counts as "at least". */
  notStarted: number;
  /** Enqueue calls that failed (a peer's pool timing out under the rate): left out of every figure. */
  refused?: number;
  /** True when a percentile is only a lower bound (some tasks never started in time). */
  lowerBound: boolean;
  /**
   * Every task's figures counted in 2%-wide buckets (end to end; the enqueue call; from its return
   * to the handler), so the report can pool the rounds; absent in results written before them.
   */
  histograms?: { e2e: Histogram; enqueue: Histogram | null; afterCommit: Histogram | null };
  problems: string[];
}

/** One enqueue rate of a latency run: `tasks` tasks at `ratePerSec`. */
export interface LatencyStep {
  tasks: number;
  ratePerSec: number;
}

export interface LatencyOptions {
  /** Rates measured one after the other into the same idle worker process, each after a pause. */
  steps: LatencyStep[];
  warmup: number;
  /** After the last enqueue of a step, wait at most this long for the rest to start. */
  graceMs: number;
  /** The process enqueues itself (embedded default) instead of a separate producer (one step only). */
  selfEnqueue?: boolean;
}

function summarise(
  config: string,
  step: LatencyStep,
  graceMs: number,
  offset: number,
  enqueued: ArrayLike<number>,
  calls: ArrayLike<number> | null,
  report: WorkerReport,
  cutAt: number,
): LatencyResult {
  const latencies: number[] = [];
  const afterCommit: number[] = [];
  const callTimes: number[] = [];
  let notStarted = 0;
  let twice = 0;
  let refused = 0;
  for (let i = 0; i < step.tasks; i++) {
    const n = offset + i;
    const start = report.starts![n];
    if (report.counts[n] > 1) twice++;
    if (calls && Number.isNaN(calls[i])) {
      refused++; // never enqueued: nothing to start
      continue;
    }
    if (calls) callTimes.push(calls[i]);
    if (start > 0) {
      latencies.push(start - enqueued[i]);
      if (calls) afterCommit.push(start - enqueued[i] - calls[i]);
    } else {
      notStarted++;
      latencies.push(cutAt - enqueued[i]);
    }
  }
  const problems: string[] = [];
  if (twice) problems.push(`${twice} task(s) ran more than once`);
  if (refused) problems.push(`${refused} of ${step.tasks} enqueue call(s) at ${step.ratePerSec}/s failed`);
  if (notStarted)
    problems.push(
      `${notStarted} of ${step.tasks} task(s) enqueued at ${step.ratePerSec}/s had not started ${graceMs} ms after the last enqueue`,
    );
  const span = enqueued.length > 1 ? enqueued[enqueued.length - 1] - enqueued[0] : 0;
  return {
    config,
    tasks: step.tasks,
    ratePerSec: step.ratePerSec,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
    enqueueP50: calls ? percentile(callTimes, 50) : null,
    enqueueP99: calls ? percentile(callTimes, 99) : null,
    afterCommitP50: calls && afterCommit.length ? percentile(afterCommit, 50) : null,
    afterCommitP99: calls && afterCommit.length ? percentile(afterCommit, 99) : null,
    achievedRatePerSec: span > 0 ? ((enqueued.length - 1) * 1000) / span : undefined,
    notStarted,
    refused,
    lowerBound: notStarted > 0,
    histograms: {
      e2e: histogram(latencies),
      enqueue: calls ? histogram(callTimes) : null,
      afterCommit: calls && afterCommit.length ? histogram(afterCommit) : null,
    },
    problems,
  };
}

/**
 * Open-loop enqueues: task `i` is due at `t0 + i / rate`; every due task is sent without waiting
 * for the previous one to return (a producer serving many requests), so a slow enqueue does not
 * lower the rate. Records each call's start (just before the call) and its duration.
 */
async function enqueueAtRate(
  producer: Producer,
  step: LatencyStep,
  offset: number,
): Promise<{ times: Float64Array; calls: Float64Array; failures: string[] }> {
  const times = new Float64Array(step.tasks);
  const calls = new Float64Array(step.tasks);
  const failures: string[] = [];
  const gap = 1000 / step.ratePerSec;
  const pending: Promise<void>[] = [];
  const t0 = wallMs();
  let next = 0;
  while (next < step.tasks) {
    const now = wallMs();
    while (next < step.tasks && t0 + next * gap <= now) {
      const i = next++;
      const at = wallMs();
      times[i] = at;
      pending.push(
        producer.enqueue(offset + i).then(
          () => {
            calls[i] = wallMs() - at;
          },
          // A refused enqueue (a peer's pool timing out under the rate) is that task's figure:
          // NaN, left out of the latencies and counted, never an unhandled rejection.
          (error: unknown) => {
            calls[i] = Number.NaN;
            failures.push((error as Error).message);
          },
        ),
      );
    }
    if (next < step.tasks) await sleep(t0 + next * gap - wallMs());
  }
  await Promise.all(pending);
  return { times, calls, failures };
}

/**
 * Tasks enqueued one at a time at fixed rates into an idle worker process, each rate in turn
 * (a pause between them lets the worker go idle again); latency is the time from just before the
 * enqueue call to the handler's first line (both wall clocks of one machine). A few warm-up tasks
 * go first so connection set-up and statement preparation are not counted.
 */
export async function latency(
  backend: Backend,
  config: Configuration,
  options: LatencyOptions,
): Promise<LatencyResult[]> {
  const { steps, warmup } = options;
  const total = steps.reduce((sum, s) => sum + s.tasks, 0);
  const expected = total + warmup;
  await backend.reset(config);
  const self = options.selfEnqueue ? steps[0] : undefined;
  const spec = {
    label: `${config.system} ${config.name}`,
    settings: config.settings,
    expected,
    keepStarts: true,
    selfEnqueue: self ? { count: self.tasks, warmup, ratePerSec: self.ratePerSec } : undefined,
  };
  const worker = await WorkerProcess.start(workerLaunch(config), spec);
  try {
    if (self) {
      const planned = (warmup * 1000) / self.ratePerSec + 1000 + (self.tasks * 1000) / self.ratePerSec;
      const lastEnqueue = wallMs() + planned;
      while (worker.total < expected && wallMs() < lastEnqueue + options.graceMs) await sleep(20);
      const cutAt = wallMs();
      const report = await worker.report();
      return [summarise(config.name, self, options.graceMs, 0, report.enqueued!, null, report, cutAt)];
    }
    await sleep(1000); // let the worker settle into its idle wait
    const producer = await backend.producer(config);
    const runs: { step: LatencyStep; offset: number; times: Float64Array; calls: Float64Array; cutAt: number }[] = [];
    try {
      for (let i = 0; i < warmup; i++) {
        await producer.enqueue(total + i);
        await sleep(1000 / 50);
      }
      let offset = 0;
      let expectedSoFar = warmup;
      for (const step of steps) {
        await sleep(1000); // idle again: the wake-up is part of what is measured
        const { times, calls, failures } = await enqueueAtRate(producer, step, offset);
        if (failures.length > 0)
          console.log(
            `bench: latency ${spec.label} at ${step.ratePerSec}/s: ${failures.length} enqueue call(s) failed, the first with: ${failures[0]}`,
          );
        expectedSoFar += step.tasks;
        const lastEnqueue = wallMs();
        while (worker.total < expectedSoFar && wallMs() < lastEnqueue + options.graceMs) await sleep(20);
        runs.push({ step, offset, times, calls, cutAt: wallMs() });
        offset += step.tasks;
      }
    } finally {
      await producer.close();
    }
    const report = await worker.report();
    return runs.map((r) =>
      summarise(config.name, r.step, options.graceMs, r.offset, r.times, r.calls, report, r.cutAt),
    );
  } finally {
    await worker.stop();
  }
}
