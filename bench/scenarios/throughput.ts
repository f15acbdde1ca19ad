import { WorkerProcess, workerLaunch } from '../support/child.js';
import type { WorkerReport } from '../support/protocol.js';
import { workerBackendCpuMs } from '../support/pg-cpu.js';
import { sleep, wallMs } from '../support/stats.js';
import type { Backend, Configuration } from '../systems/system.js';

export interface ThroughputResult {
  config: string;
  processes: number;
  tasks: number;
  jobsPerSec: number;
  durationMs: number;
  peakRssMb: number;
  /** RSS when the first handler started: the process with its framework loaded, before any task ran. */
  rssAtFirstTaskMb: number;
  /** Every task ran exactly once (at most once for a time-boxed run) and the database agrees. */
  exactlyOnce: boolean;
  problems: string[];
  /** The run was cut at the time box; `completed` tasks were finished by then. */
  timeBoxed: boolean;
  completed: number;
  /** CPU time per 1,000 finished tasks: the worker processes, and their PostgreSQL backends (null: not measured). */
  workerCpuMsPer1k: number;
  databaseCpuMsPer1k: number | null;
  /** Per second from the first handler start (sustained scenario): handler starts and worker RSS. */
  series?: ThroughputSeries;
}

/** Seconds since the first handler start, handler starts in that second (all processes), highest worker RSS. */
export interface ThroughputSeries {
  t: number[];
  jobsPerSec: number[];
  rssMb: number[];
}

export interface ThroughputOptions {
  tasks: number;
  processes: number;
  /** Measure over this window from the first start instead of draining (too slow to drain). */
  timeBoxMs?: number;
  /** Give up (and fail) after this long. */
  limitMs?: number;
  /** Measure the CPU time of the PostgreSQL backends serving the workers. */
  databaseCpu?: boolean;
  /** Keep the per-second series of handler starts and worker RSS. */
  series?: boolean;
}

/** Handler calls so far of one process at wall time `t`, interpolated between its samples. */
function callsAt(samples: number[], t: number): number {
  let before = 0;
  for (let i = 0; i < samples.length; i += 3) {
    const at = samples[i];
    if (at >= t) {
      if (i === 0) return samples[1];
      const t0 = samples[i - 3];
      const c0 = samples[i - 2];
      return c0 + ((samples[i + 1] - c0) * (t - t0)) / (at - t0 || 1);
    }
    before = samples[i + 1];
  }
  return before;
}

/** Per-second handler starts summed over the processes, and the highest RSS any of them had in that second. */
export function seriesOf(reports: WorkerReport[], first: number, end: number): ThroughputSeries {
  const series: ThroughputSeries = { t: [], jobsPerSec: [], rssMb: [] };
  const seconds = Math.ceil((end - first) / 1000);
  for (let k = 0; k < seconds; k++) {
    const from = first + k * 1000;
    const to = Math.min(end, from + 1000);
    const calls = reports.reduce((sum, r) => sum + callsAt(r.samples, to) - callsAt(r.samples, from), 0);
    let rss = 0;
    for (const r of reports) {
      for (let i = 0; i < r.samples.length; i += 3) {
        if (r.samples[i] >= from - 250 && r.samples[i] <= to) rss = Math.max(rss, r.samples[i + 2]);
      }
    }
    series.t.push(k + 1);
    series.jobsPerSec.push(Math.round((calls * 1000) / (to - from)));
    series.rssMb.push(Math.round(rss * 10) / 10);
  }
  return series;
}

/** Handler calls per task number over all worker processes: what ran twice, what never ran. */
export function checkCounts(reports: WorkerReport[], tasks: number, complete: boolean): string[] {
  const problems: string[] = [];
  let twice = 0;
  let never = 0;
  for (let n = 0; n < tasks; n++) {
    const runs = reports.reduce((sum, r) => sum + (r.counts[n] ?? 0), 0);
    if (runs > 1) twice++;
    if (runs === 0) never++;
  }
  const unexpected = reports.reduce((sum, r) => sum + r.unexpected, 0);
  if (twice) problems.push(`${twice} task(s) ran more than once`);
  if (complete && never) problems.push(`${never} task(s) never ran`);
  if (unexpected) problems.push(`${unexpected} handler call(s) for unknown task numbers`);
  return problems;
}

/**
 * `tasks` no-op tasks are enqueued up front, then `processes` worker processes drain them.
 * Jobs/s count from the first handler start (in any process) to the moment the database shows
 * every task finished and recorded; the benchmark polls for that only once every task started.
 */
export async function throughput(
  backend: Backend,
  config: Configuration,
  options: ThroughputOptions,
): Promise<ThroughputResult> {
  const { tasks, processes } = options;
  await backend.reset(config);
  await backend.enqueueBulk(tasks);
  const spec = {
    label: `${config.system} ${config.name}`,
    settings: config.settings,
    expected: tasks,
    keepStarts: false,
  };
  const workers = await Promise.all(
    Array.from({ length: processes }, () => WorkerProcess.start(workerLaunch(config), spec)),
  );
  const started = () => workers.reduce((sum, w) => sum + w.total, 0);
  const limit = wallMs() + (options.limitMs ?? 300_000);
  let timeBoxed = false;
  try {
    while (started() === 0 && wallMs() < limit) await sleep(1);
    const cpuBefore = options.databaseCpu ? await workerBackendCpuMs() : null;
    if (options.timeBoxMs) {
      const boxEnd = wallMs() + options.timeBoxMs;
      while (started() < tasks && wallMs() < boxEnd) await sleep(5);
      timeBoxed = started() < tasks;
    } else {
      while (started() < tasks && wallMs() < limit) await sleep(5);
    }
    if (!timeBoxed) {
      while (!(await backend.drained())) {
        if (wallMs() > limit)
          throw new Error(`${spec.label}: tasks not drained after ${options.limitMs ?? 300_000} ms`);
        await sleep(1);
      }
    }
    const end = wallMs();
    const cpuAfter = cpuBefore === null ? null : await workerBackendCpuMs();
    const completed = timeBoxed ? await backend.completed() : tasks;
    const reports = await Promise.all(workers.map((w) => w.report()));
    const first = Math.min(...reports.filter((r) => r.first > 0).map((r) => r.first));
    const problems = checkCounts(reports, tasks, !timeBoxed);
    if (!timeBoxed) problems.push(...(await backend.verify(tasks)));
    const durationMs = end - first;
    return {
      config: config.name,
      processes,
      tasks,
      jobsPerSec: completed / (durationMs / 1000),
      durationMs,
      peakRssMb: Math.max(...reports.map((r) => r.peakRssMb)),
      rssAtFirstTaskMb: Math.max(...reports.map((r) => r.rssAtFirstMb)),
      exactlyOnce: problems.length === 0,
      problems,
      timeBoxed,
      completed,
      // A time-boxed run finished a handful of jobs: CPU per job would mean nothing.
      workerCpuMsPer1k: timeBoxed ? Number.NaN : (reports.reduce((sum, r) => sum + r.cpuMs, 0) / completed) * 1000,
      databaseCpuMsPer1k:
        timeBoxed || cpuBefore === null || cpuAfter === null ? null : ((cpuAfter - cpuBefore) / completed) * 1000,
      series: options.series ? seriesOf(reports, first, end) : undefined,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}
