import { WorkerProcess, workerLaunch } from '../support/child.js';
import type { WorkerReport } from '../support/protocol.js';
import { percentile, sleep, wallMs } from '../support/stats.js';
import type { Backend, Configuration } from '../systems/system.js';

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
  /** Tasks that had not started when the run was cut; their latency counts as "at least". */
  notStarted: number;
  /** True when a percentile is only a lower bound (some tasks never started in time). */
  lowerBound: boolean;
  problems: string[];
}

export interface LatencyOptions {
  tasks: number;
  ratePerSec: number;
  warmup: number;
  /** After the last enqueue, wait at most this long for the rest to start. */
  graceMs: number;
  /** The process enqueues itself (embedded default) instead of a separate producer. */
  selfEnqueue?: boolean;
}

function summarise(
  config: string,
  options: LatencyOptions,
  enqueued: ArrayLike<number>,
  calls: number[] | null,
  report: WorkerReport,
  cutAt: number,
): LatencyResult {
  const latencies: number[] = [];
  const afterCommit: number[] = [];
  let notStarted = 0;
  let twice = 0;
  for (let n = 0; n < options.tasks; n++) {
    const start = report.starts![n];
    if (report.counts[n] > 1) twice++;
    if (start > 0) {
      latencies.push(start - enqueued[n]);
      if (calls) afterCommit.push(start - enqueued[n] - calls[n]);
    } else {
      notStarted++;
      latencies.push(cutAt - enqueued[n]);
    }
  }
  const problems: string[] = [];
  if (twice) problems.push(`${twice} task(s) ran more than once`);
  if (notStarted)
    problems.push(
      `${notStarted} of ${options.tasks} task(s) had not started ${options.graceMs} ms after the last enqueue`,
    );
  return {
    config,
    tasks: options.tasks,
    ratePerSec: options.ratePerSec,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
    enqueueP50: calls ? percentile(calls, 50) : null,
    enqueueP99: calls ? percentile(calls, 99) : null,
    afterCommitP50: calls && afterCommit.length ? percentile(afterCommit, 50) : null,
    afterCommitP99: calls && afterCommit.length ? percentile(afterCommit, 99) : null,
    notStarted,
    lowerBound: notStarted > 0,
    problems,
  };
}

/**
 * Tasks enqueued one at a time at a fixed rate into an idle worker process; latency is the time
 * from just before the enqueue call to the handler's first line (both wall clocks of one
 * machine). A few warm-up tasks go first so connection set-up and statement preparation are not
 * counted.
 */
export async function latency(
  backend: Backend,
  config: Configuration,
  options: LatencyOptions,
): Promise<LatencyResult> {
  const { tasks, warmup, ratePerSec } = options;
  const expected = tasks + warmup;
  const gap = 1000 / ratePerSec;
  await backend.reset(config);
  const spec = {
    label: `${config.system} ${config.name}`,
    settings: config.settings,
    expected,
    keepStarts: true,
    selfEnqueue: options.selfEnqueue ? { count: tasks, warmup, ratePerSec } : undefined,
  };
  const worker = await WorkerProcess.start(workerLaunch(config), spec);
  try {
    let enqueued: ArrayLike<number> | undefined;
    let calls: number[] | null = null;
    let lastEnqueue: number;
    if (options.selfEnqueue) {
      const planned = warmup * gap + 1000 + tasks * gap;
      lastEnqueue = wallMs() + planned;
      while (worker.total < expected && wallMs() < lastEnqueue + options.graceMs) await sleep(20);
    } else {
      await sleep(1000); // let the worker settle into its idle wait
      const producer = await backend.producer(config);
      const times = new Float64Array(tasks);
      calls = [];
      try {
        for (let i = 0; i < warmup; i++) {
          await producer.enqueue(tasks + i);
          await sleep(gap);
        }
        await sleep(1000);
        const t0 = wallMs();
        for (let n = 0; n < tasks; n++) {
          await sleep(t0 + n * gap - wallMs());
          times[n] = wallMs();
          await producer.enqueue(n);
          calls.push(wallMs() - times[n]);
        }
        lastEnqueue = wallMs();
        while (worker.total < expected && wallMs() < lastEnqueue + options.graceMs) await sleep(20);
      } finally {
        await producer.close();
      }
      enqueued = times;
    }
    const cutAt = wallMs();
    const report = await worker.report();
    return summarise(config.name, options, enqueued ?? report.enqueued!, calls, report, cutAt);
  } finally {
    await worker.stop();
  }
}
