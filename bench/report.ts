import type { BulkEnqueueFigure } from './scenarios/bulk-enqueue.js';
import type { ClaimCostResult } from './scenarios/claim-cost.js';
import type { LatencyResult } from './scenarios/latency.js';
import type { ThroughputResult } from './scenarios/throughput.js';
import type { SystemName } from './systems/system.js';

export interface ConfigRef {
  system: SystemName;
  name: string;
  description: string;
}

export interface ThroughputFigure extends ConfigRef {
  /** The run with the median jobs/s. */
  median: ThroughputResult;
  /** Jobs/s of every run. */
  runs: number[];
  /** Highest peak RSS over all runs, MB. */
  peakRssMb: number;
}

export interface LatencyFigure extends ConfigRef {
  result: LatencyResult;
}

export interface ClusterFigure extends ConfigRef {
  result: ThroughputResult;
}

export interface Target {
  target: string;
  measured: string;
  met: boolean;
}

export interface Results {
  date: string;
  smoke: boolean;
  machine: Record<string, string | number>;
  /** 1-minute load average before and after the run (other work on the machine skews figures). */
  load: { before: number; after: number };
  sizes: Record<string, unknown>;
  throughput: ThroughputFigure[];
  latency: LatencyFigure[];
  peakRss: { system: SystemName; name: string; peakRssMb: number; rssAtFirstTaskMb: number }[];
  claimCost: ClaimCostResult[];
  cluster: ClusterFigure[];
  /** Rows per second of each system's bulk insert (absent in results written before it existed). */
  bulkEnqueue?: BulkEnqueueFigure[];
  sqlite?: { throughput?: ThroughputFigure; latency?: LatencyResult };
  mysql?: { throughput?: ThroughputFigure; skipped?: string };
  targets: Target[];
  /** Runs whose exactly-once check (handler calls and database rows) was made. */
  runsChecked: number;
  problems: string[];
}

const fmt = (value: number | undefined, digits = 0): string =>
  value === undefined || !Number.isFinite(value)
    ? 'n/a'
    : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const ratio = (kronos: number | undefined, peer: number | undefined): string => {
  if (kronos === undefined || peer === undefined || !Number.isFinite(kronos) || !Number.isFinite(peer) || peer === 0)
    return 'n/a';
  const r = kronos / peer;
  return `${r >= 0.01 && r < 1000 ? r.toFixed(2) : r.toPrecision(2)}x`;
};

type ConfigKey = { system: string; name: string };
const key = (c: ConfigKey) => `${c.system} ${c.name}`;

/** Each Kronos configuration against each peer configuration: defaults with defaults and tuned, tuned with tuned. */
function ratioPairs(columns: ConfigKey[]): [ConfigKey, ConfigKey][] {
  const kronos = columns.filter((c) => c.system === 'kronos');
  const peers = columns.filter((c) => c.system !== 'kronos');
  return kronos.flatMap((k) =>
    peers.filter((p) => k.name === 'defaults' || p.name === k.name).map((p): [ConfigKey, ConfigKey] => [k, p]),
  );
}

function table(head: string[], rows: string[][]): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

/** The comparison as Markdown: the same text is printed and written to `bench/results/`. */
export function markdown(r: Results): string {
  const lines: string[] = [];
  const m = r.machine;
  lines.push(`# Kronos benchmark${r.smoke ? ' (smoke run: tiny sizes, figures meaningless)' : ''}`, '');
  lines.push(
    `${r.date} · ${m.cores} cores (${m.cpu}) · ${m.postgres} · ${m.mariadb} · Node ${m.node} · load average ${r.load.before.toFixed(2)} before, ${r.load.after.toFixed(2)} after`,
    '',
  );

  const columns: ConfigKey[] = [...r.throughput, ...r.latency]
    .map((f) => ({ system: f.system, name: f.name }))
    .filter((c, i, all) => all.findIndex((x) => key(x) === key(c)) === i);
  if (columns.length > 0) {
    const tp = new Map(r.throughput.map((f) => [key(f), f]));
    const lat = new Map(r.latency.map((f) => [key(f), f.result]));
    const figures: {
      label: string;
      digits: number;
      get: (c: ConfigKey) => number | undefined;
      pair?: (c: ConfigKey) => number | undefined;
      bound?: (c: ConfigKey) => boolean;
    }[] = [
      {
        label: `throughput, jobs/s (${fmt(Number(r.sizes.throughputTasks))} tasks)`,
        digits: 0,
        get: (c) => tp.get(key(c))?.median.jobsPerSec,
      },
      {
        label: `latency p50, ms (${fmt(Number(r.sizes.latencyTasks))} at ${String(r.sizes.latencyRatePerSec)}/s)`,
        digits: 1,
        get: (c) => lat.get(key(c))?.p50,
        bound: (c) => lat.get(key(c))?.lowerBound ?? false,
      },
      {
        label: 'latency p95, ms',
        digits: 1,
        get: (c) => lat.get(key(c))?.p95,
        bound: (c) => lat.get(key(c))?.lowerBound ?? false,
      },
      {
        label: 'latency p99, ms',
        digits: 1,
        get: (c) => lat.get(key(c))?.p99,
        bound: (c) => lat.get(key(c))?.lowerBound ?? false,
      },
      {
        label: 'the enqueue call alone (insert + commit), p50 / p99 ms',
        digits: 1,
        get: (c) => lat.get(key(c))?.enqueueP50 ?? undefined,
        pair: (c) => lat.get(key(c))?.enqueueP99 ?? undefined,
      },
      {
        label: 'from its return to the handler, p50 / p99 ms',
        digits: 1,
        get: (c) => lat.get(key(c))?.afterCommitP50 ?? undefined,
        pair: (c) => lat.get(key(c))?.afterCommitP99 ?? undefined,
      },
      { label: 'worker peak RSS, MB', digits: 0, get: (c) => tp.get(key(c))?.peakRssMb },
      { label: 'worker RSS at its first task, MB', digits: 0, get: (c) => tp.get(key(c))?.median.rssAtFirstTaskMb },
      { label: 'worker CPU, ms per 1,000 jobs', digits: 0, get: (c) => tp.get(key(c))?.median.workerCpuMsPer1k },
      {
        label: 'PostgreSQL CPU, ms per 1,000 jobs',
        digits: 0,
        get: (c) => tp.get(key(c))?.median.databaseCpuMsPer1k ?? undefined,
      },
    ];
    lines.push('## PostgreSQL, one worker process', '');
    lines.push(
      ...table(
        ['figure', ...columns.map(key)],
        figures.map((f) => [
          f.label,
          ...columns.map(
            (c) =>
              `${f.bound?.(c) ? '≥ ' : ''}${fmt(f.get(c), f.digits)}${f.pair ? ` / ${fmt(f.pair(c), f.digits)}` : ''}`,
          ),
        ]),
      ),
      '',
    );
    const pairs = ratioPairs(columns);
    if (pairs.length > 0) {
      lines.push(
        'Ratios Kronos/peer (throughput: above 1 means Kronos is faster; latency, memory and CPU: below 1 means Kronos needs less).',
        '',
      );
      lines.push(
        ...table(
          ['figure', ...pairs.map(([k, p]) => `${key(k)} / ${key(p)}`)],
          figures.map((f) => [
            f.pair ? f.label.replace('p50 / p99', 'p50') : f.label,
            ...pairs.map(([k, p]) => (f.bound?.(p) ? `≤ ${ratio(f.get(k), f.get(p))}` : ratio(f.get(k), f.get(p)))),
          ]),
        ),
        '',
      );
    }
    const notes = r.throughput
      .filter((f) => f.median.timeBoxed)
      .map(
        (f) =>
          `${key(f)} throughput is measured over a ${fmt(f.median.durationMs / 1000, 1)} s window (${f.median.completed} jobs finished): it cannot drain ${fmt(f.median.tasks)} tasks in reasonable time, so its CPU per job is not given.`,
      );
    notes.push(
      ...r.latency
        .filter((f) => f.result.lowerBound)
        .map(
          (f) =>
            `${key(f)} latency is a lower bound: ${f.result.notStarted} of ${f.result.tasks} tasks had not started when the run was cut; their latency counts as the time they had waited.`,
        ),
    );
    if (r.throughput.some((f) => f.runs.length > 1))
      notes.push(
        `Throughput, RSS at first task and CPU are from the median of ${Math.max(...r.throughput.map((f) => f.runs.length))} runs per configuration (every run in results.json); peak RSS is the highest of those runs.`,
      );
    lines.push(...notes.map((n) => `- ${n}`), '');
  }

  if (r.claimCost.length) {
    const histories = [...new Set(r.claimCost.map((c) => c.history))];
    const get = (system: string, h: number) =>
      r.claimCost.find((c) => c.system === system && c.history === h)?.medianMs;
    lines.push('## Claim cost against history (median ms per claim of 50 due tasks)', '');
    lines.push(
      ...table(
        ['finished rows in the tables', 'kronos', 'pg-boss', 'Kronos/pg-boss'],
        histories.map((h) => [
          fmt(h),
          fmt(get('kronos', h), 2),
          fmt(get('pg-boss', h), 2),
          ratio(get('kronos', h), get('pg-boss', h)),
        ]),
      ),
      '',
    );
    const first = histories[0];
    const last = histories[histories.length - 1];
    const change = (s: string) => ((get(s, last)! / get(s, first)! - 1) * 100).toFixed(0);
    lines.push(
      `- ${fmt(last)} rows vs ${fmt(first)}: Kronos ${change('kronos')}%, pg-boss ${change('pg-boss')}%. graphile-worker deletes finished jobs, so it keeps no history to measure.`,
      '',
    );
  }

  if (r.cluster.length) {
    const kronosCluster = r.cluster.find((c) => c.system === 'kronos')?.result.jobsPerSec;
    lines.push(
      `## ${r.cluster[0].result.processes} worker processes on one database (${fmt(r.cluster[0].result.tasks)} tasks)`,
      '',
    );
    lines.push(
      ...table(
        ['configuration', 'jobs/s', 'Kronos/peer', 'exactly once'],
        r.cluster.map((c) => [
          key(c),
          fmt(c.result.jobsPerSec),
          c.system === 'kronos' ? '' : ratio(kronosCluster, c.result.jobsPerSec),
          c.result.exactlyOnce ? 'yes' : `NO: ${c.result.problems.join('; ')}`,
        ]),
      ),
      '',
    );
  }

  if (r.bulkEnqueue?.length) {
    const kronosBulk = r.bulkEnqueue.find((b) => b.system === 'kronos')?.rowsPerSec;
    lines.push(
      `## Bulk enqueue on PostgreSQL (${fmt(r.bulkEnqueue[0].tasks)} tasks, 5,000 per call, best of ${r.bulkEnqueue[0].runs.length})`,
      '',
    );
    lines.push(
      ...table(
        ['system', 'call', 'rows/s', 'seconds', 'Kronos/peer'],
        r.bulkEnqueue.map((b) => [
          b.system,
          `\`${b.call}\``,
          fmt(b.rowsPerSec),
          b.seconds.toFixed(2),
          b.system === 'kronos' ? '' : ratio(kronosBulk, b.rowsPerSec),
        ]),
      ),
      '',
    );
  }

  if (r.sqlite || r.mysql) {
    lines.push('## Kronos on its other databases (defaults; no peer runs on them)', '');
    const rows: string[][] = [];
    if (r.sqlite) {
      const l = r.sqlite.latency;
      rows.push([
        'SQLite (embedded default, WAL)',
        fmt(r.sqlite.throughput?.median.jobsPerSec),
        l ? `${fmt(l.p50, 1)} / ${fmt(l.p95, 1)} / ${fmt(l.p99, 1)}` : 'n/a',
        fmt(r.sqlite.throughput?.peakRssMb),
      ]);
    }
    if (r.mysql)
      rows.push([
        `MariaDB${r.mysql.skipped ? ` (skipped: ${r.mysql.skipped})` : ''}`,
        fmt(r.mysql.throughput?.median.jobsPerSec),
        'not measured',
        fmt(r.mysql.throughput?.peakRssMb),
      ]);
    lines.push(...table(['database', 'throughput, jobs/s', 'latency p50 / p95 / p99, ms', 'peak RSS, MB'], rows), '');
    lines.push(
      '- SQLite latency: the application enqueues into the worker of its own process (the embedded default), one task at a time.',
      '',
    );
  }

  if (r.targets.length) {
    lines.push('## Targets', '');
    lines.push(
      ...table(
        ['target', 'measured', 'met'],
        r.targets.map((t) => [t.target, t.measured, t.met ? 'yes' : '**no**']),
      ),
      '',
    );
  }
  if (r.problems.length) lines.push('## Problems', '', ...r.problems.map((p) => `- ${p}`), '');
  lines.push('## Configurations', '');
  const configs = new Map<string, string>();
  for (const f of [...r.throughput, ...r.latency, ...r.cluster]) configs.set(key(f), f.description);
  lines.push(...[...configs].map(([k, d]) => `- **${k}**: ${d}`), '');
  return lines.join('\n');
}

/** Targets of the performance issue, judged on the measured figures. */
export function judge(r: Results): Target[] {
  const targets: Target[] = [];
  const tp = (system: string, name: string) =>
    r.throughput.find((f) => f.system === system && f.name === name)?.median.jobsPerSec;
  const k = tp('kronos', 'defaults');
  const check = (label: string, peer: number | undefined, factor: number) => {
    if (k === undefined || peer === undefined) return;
    targets.push({
      target: `throughput (Kronos defaults) ≥ ${factor}x ${label}`,
      measured: `${fmt(k)} vs ${fmt(peer)} jobs/s = ${(k / peer).toFixed(2)}x`,
      met: k >= factor * peer,
    });
  };
  check('graphile-worker tuned', tp('graphile-worker', 'tuned'), 1.0);
  check('graphile-worker defaults', tp('graphile-worker', 'defaults'), 6);
  check('pg-boss tuned', tp('pg-boss', 'tuned'), 1.4);
  const lat = r.latency.find((f) => f.system === 'kronos' && f.name === 'defaults')?.result;
  if (lat) {
    targets.push({
      target: 'latency p50 ≤ 3 ms (PostgreSQL)',
      measured: `${fmt(lat.p50, 2)} ms`,
      met: lat.p50 <= 3 && !lat.lowerBound,
    });
    targets.push({
      target: 'latency p99 ≤ 8 ms (PostgreSQL)',
      measured: `${fmt(lat.p99, 2)} ms`,
      met: lat.p99 <= 8 && !lat.lowerBound,
    });
  }
  const cost = r.claimCost.filter((c) => c.system === 'kronos');
  if (cost.length >= 2) {
    const a = cost[0];
    const b = cost[cost.length - 1];
    const change = (b.medianMs / a.medianMs - 1) * 100;
    targets.push({
      target: `claim cost with ${fmt(b.history)} history rows within 20% of ${fmt(a.history)}`,
      measured: `${fmt(b.medianMs, 2)} vs ${fmt(a.medianMs, 2)} ms (${change >= 0 ? '+' : ''}${change.toFixed(0)}%)`,
      met: change <= 20,
    });
  }
  // Two Kronos worker processes: the dedicated one as Kronos's service files start it, and one
  // embedded in an application, whose Node.js flags are the application's (see docs/performance.md).
  const rss = (name: string) => r.peakRss.find((f) => f.system === 'kronos' && f.name === name);
  const service = rss('service');
  if (service)
    targets.push({
      target: 'worker peak RSS ≤ 120 MB: `kronos worker` as its service files start it',
      measured: `${fmt(service.peakRssMb)} MB`,
      met: service.peakRssMb <= 120,
    });
  const embedded = rss('defaults');
  if (embedded)
    targets.push({
      target: "worker peak RSS ≤ 120 MB: a worker inside a Nest application at Node's default flags",
      measured: `${fmt(embedded.peakRssMb)} MB`,
      met: embedded.peakRssMb <= 120,
    });
  targets.push({
    target: 'every task ran exactly once (every run of every system)',
    measured: r.problems.length
      ? `${r.problems.length} problem(s) in ${r.runsChecked} run(s)`
      : `${r.runsChecked} run(s) checked, no duplicate or lost task`,
    met: r.problems.length === 0,
  });
  return targets;
}
