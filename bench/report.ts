import type { BulkEnqueueFigure } from './scenarios/bulk-enqueue.js';
import type { ClaimCostResult } from './scenarios/claim-cost.js';
import type { EnqueueScaleResult } from './scenarios/enqueue-scale.js';
import type { HistoryPruneFigure } from './scenarios/history-prune.js';
import type { RecurringDefinitionsResult } from './scenarios/recurring-definitions.js';
import type { LatencyResult } from './scenarios/latency.js';
import type { ThroughputResult } from './scenarios/throughput.js';
import { pooledSpread, ratioSpread, spread, type Histogram, type RatioSpread, type Spread } from './support/stats.js';
import type { SystemName } from './systems/system.js';

export interface ConfigRef {
  system: SystemName;
  name: string;
  description: string;
}

/** Throughput of one configuration over its runs (one worker process). */
export interface ThroughputFigure extends ConfigRef {
  /** The run with the median jobs/s. */
  median: ThroughputResult;
  /** Jobs/s of every run, in the order they ran. */
  runs: number[];
  /** Highest peak RSS over all runs, MB. */
  peakRssMb: number;
  /** Every run's result. */
  results: ThroughputResult[];
  spreads: {
    jobsPerSec: Spread;
    workerCpuMsPer1k: Spread;
    databaseCpuMsPer1k: Spread;
    rssAtFirstTaskMb: Spread;
    peakRssMb: Spread;
  };
}

/** Latency of one configuration at one enqueue rate over its runs. */
export interface LatencyFigure extends ConfigRef {
  ratePerSec: number;
  /** The first run (kept for readers of older results). */
  result: LatencyResult;
  runs: LatencyResult[];
  spreads: {
    p50: Spread;
    p95: Spread;
    p99: Spread;
    enqueueP50: Spread;
    enqueueP99: Spread;
    afterCommitP50: Spread;
    afterCommitP99: Spread;
  };
}

/** The sustained scenario: one long drain per configuration, with its per-second series. */
export interface SustainedFigure extends ConfigRef {
  result: ThroughputResult;
}

/** One configuration at one number of worker processes, over its runs. */
export interface ScalingFigure extends ConfigRef {
  processes: number;
  runs: ThroughputResult[];
  jobsPerSec: Spread;
  databaseCpuMsPer1k: Spread;
  exactlyOnce: boolean;
}

/** Enqueue throughput of one system, mode and producer count over its runs. */
export interface EnqueueScaleFigure extends ConfigRef {
  producers: number;
  mode: 'single' | 'bulk';
  call: string;
  runs: EnqueueScaleResult[];
  tasksPerSec: Spread;
}

export interface Target {
  target: string;
  measured: string;
  met: boolean;
}

/** A Kronos/peer ratio of one figure, with its interval and significance. */
export interface RatioFigure extends RatioSpread {
  figure: string;
  kronos: string;
  peer: string;
}

/** Figures of a scenario contributed from its own module (`--only=<part>`), written as given. */
export interface ExtraSection {
  part: string;
  title: string;
  /** Markdown lines for results.md. */
  markdown: string[];
  /** Whatever the scenario measured, for results.json. */
  data: unknown;
}

export interface Results {
  date: string;
  smoke: boolean;
  machine: Record<string, string | number>;
  /** 1-minute load average before and after the run (other work on the machine skews figures). */
  load: { before: number; after: number };
  sizes: Record<string, unknown>;
  /** Wall-clock seconds the whole run took. */
  durationSec?: number;
  throughput: ThroughputFigure[];
  latency: LatencyFigure[];
  peakRss: { system: SystemName; name: string; peakRssMb: number; rssAtFirstTaskMb: number }[];
  claimCost: ClaimCostResult[];
  sustained?: SustainedFigure[];
  scaling?: ScalingFigure[];
  enqueueScale?: EnqueueScaleFigure[];
  /** Rows per second of each system's bulk insert (absent in results written before it existed). */
  bulkEnqueue?: BulkEnqueueFigure[];
  sqlite?: { throughput?: ThroughputFigure; latency?: LatencyResult };
  mysql?: { throughput?: ThroughputFigure; skipped?: string };
  /** Prune of old runs: batched DELETE on the plain run table and dropped partitions (`--only=prune`). */
  historyPrune?: HistoryPruneFigure[];
  /** Recurring definitions at scale: start-up, memory, cost per minute (`--only=recurring`). */
  recurring?: RecurringDefinitionsResult[];
  extra?: ExtraSection[];
  ratios?: RatioFigure[];
  targets: Target[];
  /** Runs whose exactly-once check (handler calls and database rows) was made. */
  runsChecked: number;
  problems: string[];
}

const fmt = (value: number | undefined | null, digits = 0): string =>
  value === undefined || value === null || !Number.isFinite(value)
    ? 'n/a'
    : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** `median (min–max)`, or the value alone for a single run. */
export const fmtSpread = (s: Spread | undefined, digits = 0): string => {
  if (!s || s.n === 0) return 'n/a';
  if (s.n === 1 || s.min === s.max) return fmt(s.median, digits);
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
};

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const times = (r: number): string => (r >= 0.01 && r < 1000 ? r.toFixed(2) : r.toPrecision(2));

/** `1.36x (1.20–1.50)`, marked "not significant" when the two figures' intervals overlap. */
export const fmtRatio = (r: RatioSpread | undefined): string => {
  if (!r || !Number.isFinite(r.ratio)) return 'n/a';
  const interval = r.lo !== r.hi && Number.isFinite(r.lo) ? ` (${times(r.lo)}–${times(r.hi)})` : '';
  const mark = r.significant === false ? ', not significant' : r.significant === null ? ', one run' : '';
  return `${times(r.ratio)}x${interval}${mark}`;
};

type ConfigKey = { system: string; name: string };
const key = (c: ConfigKey) => `${c.system} ${c.name}`;

/** Each Kronos configuration against each peer configuration: defaults with defaults and tuned, tuned with tuned. */
function ratioPairs(columns: ConfigKey[]): [ConfigKey, ConfigKey][] {
  const kronos = columns.filter((c) => c.system === 'kronos');
  const peers = columns.filter((c) => c.system !== 'kronos');
  return kronos.flatMap((k) =>
    peers
      .filter(
        (p) =>
          k.name === 'defaults' ||
          ((k.name === 'service' || k.name === 'remove') && p.name === 'tuned') ||
          p.name === k.name,
      )
      .map((p): [ConfigKey, ConfigKey] => [k, p]),
  );
}

function table(head: string[], rows: string[][]): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

interface FigureRow {
  label: string;
  /** What the figure's ratios are filed under, where the label alone repeats across tables (each latency rate). */
  id?: string;
  digits: number;
  get: (c: ConfigKey) => Spread | undefined;
  bound?: (c: ConfigKey) => boolean;
}

/** The one-worker figures (throughput, CPU, memory) of every configuration, as spreads. */
function throughputRows(r: Results): FigureRow[] {
  const tp = new Map(r.throughput.map((f) => [key(f), f]));
  return [
    {
      label: `throughput, jobs/s (${fmt(Number(r.sizes.throughputTasks))} tasks)`,
      digits: 0,
      get: (c) => tp.get(key(c))?.spreads.jobsPerSec,
    },
    { label: 'worker peak RSS, MB', digits: 0, get: (c) => tp.get(key(c))?.spreads.peakRssMb },
    { label: 'worker RSS at its first task, MB', digits: 0, get: (c) => tp.get(key(c))?.spreads.rssAtFirstTaskMb },
    { label: 'worker CPU, ms per 1,000 jobs', digits: 0, get: (c) => tp.get(key(c))?.spreads.workerCpuMsPer1k },
    {
      label: 'PostgreSQL CPU, ms per 1,000 jobs',
      digits: 0,
      get: (c) => tp.get(key(c))?.spreads.databaseCpuMsPer1k,
    },
  ];
}

const pooledCache = new WeakMap<LatencyFigure, LatencyFigure['spreads']>();

/**
 * A latency figure's percentiles over all its runs' tasks pooled (the median of the runs'
 * percentiles for results saved without histograms); each with the range of the runs' own.
 */
export function latencySpreads(f: LatencyFigure): LatencyFigure['spreads'] {
  const cached = pooledCache.get(f);
  if (cached) return cached;
  const runs = f.runs;
  if (!runs.every((x) => x.histograms)) return f.spreads;
  const pool = (
    metric: 'e2e' | 'enqueue' | 'afterCommit',
    p: number,
    get: (x: LatencyResult) => number | null,
    stored: Spread,
  ): Spread => {
    const histograms = runs.map((x) => x.histograms![metric]);
    if (histograms.some((h) => h === null)) return stored;
    return pooledSpread(
      histograms as Histogram[],
      runs.map((x) => get(x) ?? Number.NaN),
      p,
    );
  };
  const spreads: LatencyFigure['spreads'] = {
    p50: pool('e2e', 50, (x) => x.p50, f.spreads.p50),
    p95: pool('e2e', 95, (x) => x.p95, f.spreads.p95),
    p99: pool('e2e', 99, (x) => x.p99, f.spreads.p99),
    enqueueP50: pool('enqueue', 50, (x) => x.enqueueP50, f.spreads.enqueueP50),
    enqueueP99: pool('enqueue', 99, (x) => x.enqueueP99, f.spreads.enqueueP99),
    afterCommitP50: pool('afterCommit', 50, (x) => x.afterCommitP50, f.spreads.afterCommitP50),
    afterCommitP99: pool('afterCommit', 99, (x) => x.afterCommitP99, f.spreads.afterCommitP99),
  };
  pooledCache.set(f, spreads);
  return spreads;
}

function latencyRows(r: Results, rate: number): FigureRow[] {
  const lat = new Map(r.latency.filter((f) => f.ratePerSec === rate).map((f) => [key(f), f]));
  const spreadsOf = (c: ConfigKey) => {
    const f = lat.get(key(c));
    return f ? latencySpreads(f) : undefined;
  };
  const bound = (c: ConfigKey) => lat.get(key(c))?.runs.some((x) => x.lowerBound) ?? false;
  const tasks = r.latency.find((f) => f.ratePerSec === rate)?.result.tasks;
  const rows: FigureRow[] = [
    {
      label: `end to end p50, ms (${fmt(tasks)} at ${rate}/s)`,
      digits: 2,
      get: (c) => spreadsOf(c)?.p50,
      bound,
    },
    { label: 'end to end p95, ms', digits: 2, get: (c) => spreadsOf(c)?.p95, bound },
    { label: 'end to end p99, ms', digits: 2, get: (c) => spreadsOf(c)?.p99, bound },
    { label: 'the enqueue call alone, p50, ms', digits: 2, get: (c) => spreadsOf(c)?.enqueueP50 },
    { label: 'the enqueue call alone, p99, ms', digits: 2, get: (c) => spreadsOf(c)?.enqueueP99 },
    {
      label: 'enqueue returned → handler first line, p50, ms',
      digits: 2,
      get: (c) => spreadsOf(c)?.afterCommitP50,
    },
    {
      label: 'enqueue returned → handler first line, p99, ms',
      digits: 2,
      get: (c) => spreadsOf(c)?.afterCommitP99,
    },
  ];
  return rows.map((row) => ({ ...row, id: `at ${rate}/s: ${row.label}` }));
}

/** Every Kronos/peer ratio of the one-worker figures, with its bootstrap interval. */
export function ratios(r: Results): RatioFigure[] {
  const out: RatioFigure[] = [];
  const add = (rows: FigureRow[], columns: ConfigKey[]) => {
    for (const row of rows)
      for (const [k, p] of ratioPairs(columns)) {
        const a = row.get(k);
        const b = row.get(p);
        if (!a || !b || a.n === 0 || b.n === 0) continue;
        out.push({ figure: row.id ?? row.label, kronos: key(k), peer: key(p), ...ratioSpread(a, b, { paired: true }) });
      }
  };
  add(throughputRows(r), r.throughput);
  for (const rate of latencyRates(r))
    add(
      latencyRows(r, rate),
      r.latency.filter((f) => f.ratePerSec === rate),
    );
  return out;
}

const latencyRates = (r: Results) => [...new Set(r.latency.map((f) => f.ratePerSec))].sort((a, b) => a - b);

function figureTables(title: string, rows: FigureRow[], columns: ConfigKey[], ratioList: RatioFigure[]): string[] {
  const lines: string[] = [`### ${title}`, ''];
  lines.push(
    ...table(
      ['figure', ...columns.map(key)],
      rows.map((f) => [f.label, ...columns.map((c) => `${f.bound?.(c) ? '≥ ' : ''}${fmtSpread(f.get(c), f.digits)}`)]),
    ),
    '',
  );
  const pairs = ratioPairs(columns);
  if (pairs.length === 0) return lines;
  const find = (row: FigureRow, k: ConfigKey, p: ConfigKey) =>
    ratioList.find((x) => x.figure === (row.id ?? row.label) && x.kronos === key(k) && x.peer === key(p));
  lines.push(
    ...table(
      ['Kronos/peer', ...pairs.map(([k, p]) => `${key(k)} / ${key(p)}`)],
      rows.map((f) => [f.label, ...pairs.map(([k, p]) => `${f.bound?.(p) ? '≤ ' : ''}${fmtRatio(find(f, k, p))}`)]),
    ),
    '',
  );
  return lines;
}

const uniqueColumns = (figures: ConfigKey[]): ConfigKey[] =>
  figures
    .map((f) => ({ system: f.system, name: f.name }))
    .filter((c, i, all) => all.findIndex((x) => key(x) === key(c)) === i);

/** The comparison as Markdown: the same text is printed and written to `bench/results/`. */
export function markdown(r: Results): string {
  const lines: string[] = [];
  const m = r.machine;
  lines.push(`# Kronos benchmark${r.smoke ? ' (smoke run: tiny sizes, figures meaningless)' : ''}`, '');
  lines.push(
    `${r.date} · ${m.cores} cores (${m.cpu}) · ${m.postgres} · ${m.mariadb} · Node ${m.node} · load average ${r.load.before.toFixed(2)} before, ${r.load.after.toFixed(2)} after${r.durationSec ? ` · ${fmt(r.durationSec / 60, 1)} minutes` : ''}`,
    '',
  );
  lines.push(
    "Every figure is the median over its runs with the range in brackets (min–max); runs of the systems alternate (each round in another order). Every ratio Kronos/peer of figures measured in the same rounds is the median of the per-round ratios (each round's Kronos run against the peer's run of that round), with a bootstrap 95% interval over the rounds in brackets, marked *not significant* when that interval includes 1; where the two figures have different numbers of runs it is the ratio of the medians, marked *not significant* when the two figures' own 95% intervals overlap, *one run* when there are fewer than three runs to judge by. A latency percentile is that of every round's tasks pooled (the range in brackets is that of the rounds' own percentiles), and its ratio is the ratio of the pooled percentiles, with a bootstrap interval that resamples whole rounds for both systems. Throughput: above 1 means Kronos is faster; latency, memory and CPU: below 1 means Kronos needs less.",
    '',
  );
  const ratioList = r.ratios ?? ratios(r);

  if (r.throughput.length) {
    lines.push('## PostgreSQL, one worker process', '');
    lines.push(
      ...figureTables(
        `Throughput, CPU and memory (${plural(Math.max(...r.throughput.map((f) => f.runs.length)), 'run')} per configuration)`,
        throughputRows(r),
        uniqueColumns(r.throughput),
        ratioList,
      ),
    );
    const notes = r.throughput
      .filter((f) => f.median.timeBoxed)
      .map(
        (f) =>
          `${key(f)} throughput is measured over a ${fmt(f.median.durationMs / 1000, 1)} s window (${f.median.completed} jobs finished in the median run) from ${fmt(f.median.tasks)} queued tasks: it cannot drain them in reasonable time, so its CPU per job is not given.`,
      );
    lines.push(...notes.map((n) => `- ${n}`), '');
  }

  for (const rate of latencyRates(r)) {
    const figures = r.latency.filter((f) => f.ratePerSec === rate);
    const runs = Math.max(...figures.map((f) => f.runs.length));
    lines.push(
      ...figureTables(
        `Latency at ${rate} enqueues/s (${runs} run${runs === 1 ? '' : 's'} per configuration)`,
        latencyRows(r, rate),
        uniqueColumns(figures),
        ratioList,
      ),
    );
    const notes = figures
      .filter((f) => f.runs.some((x) => x.lowerBound))
      .map(
        (f) =>
          `${key(f)} at ${rate}/s is a lower bound: ${Math.max(...f.runs.map((x) => x.notStarted))} of ${f.result.tasks} tasks had not started when the run was cut; their latency counts as the time they had waited.`,
      );
    notes.push(
      ...figures
        .filter((f) => f.runs.some((x) => (x.refused ?? 0) > 0))
        .map(
          (f) =>
            `${key(f)} at ${rate}/s: up to ${Math.max(...f.runs.map((x) => x.refused ?? 0))} of ${f.result.tasks} enqueue calls failed (its pool timed out waiting for a connection); the figures are of the tasks that were enqueued.`,
        ),
    );
    const slow = figures.filter((f) => f.runs.some((x) => (x.achievedRatePerSec ?? rate) < rate * 0.9));
    notes.push(
      ...slow.map(
        (f) =>
          `${key(f)} at ${rate}/s: the producer issued only ${fmt(Math.min(...f.runs.map((x) => x.achievedRatePerSec ?? rate)))} enqueues/s in its slowest run.`,
      ),
    );
    if (notes.length) lines.push(...notes.map((n) => `- ${n}`), '');
  }

  if (r.sustained?.length) {
    const s = r.sustained;
    lines.push(
      `## Sustained load (${fmt(s[0].result.tasks)} tasks, one worker process; chart: docs/performance-sustained.svg)`,
      '',
    );
    lines.push(
      ...table(
        [
          'configuration',
          'jobs/s over the run',
          'per second: median (min–max)',
          'last 5 s vs first 5 s',
          'worker RSS: first second → peak → last second, MB',
          'exactly once',
        ],
        s.map((f) => {
          const series = f.result.series;
          const perSecond = series ? spread(series.jobsPerSec.slice(0, -1)) : undefined;
          const head = series ? series.jobsPerSec.slice(0, 5) : [];
          const tail = series ? series.jobsPerSec.slice(-6, -1) : [];
          const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
          const drift = head.length && tail.length ? `${((mean(tail) / mean(head) - 1) * 100).toFixed(0)}%` : 'n/a';
          const rss = series?.rssMb ?? [];
          return [
            key(f),
            fmt(f.result.jobsPerSec),
            fmtSpread(perSecond),
            drift,
            rss.length ? `${fmt(rss[0])} → ${fmt(Math.max(...rss))} → ${fmt(rss[rss.length - 1])}` : 'n/a',
            f.result.exactlyOnce ? 'yes' : `NO: ${f.result.problems.join('; ')}`,
          ];
        }),
      ),
      '',
      '- Per second: handler starts in each whole second from the first (the last, partial second left out); RSS is sampled every 250 ms.',
      '',
    );
  }

  if (r.scaling?.length) {
    const sc = r.scaling;
    const counts = [...new Set(sc.map((f) => f.processes))].sort((a, b) => a - b);
    const configs = uniqueColumns(sc);
    const cell = (c: ConfigKey, p: number) => sc.find((f) => key(f) === key(c) && f.processes === p);
    const runs = Math.max(...sc.map((f) => f.runs.length));
    lines.push(
      `## Scaling with worker processes on one PostgreSQL (${fmt(sc[0].runs[0]?.tasks)} tasks, ${runs} run${runs === 1 ? '' : 's'} per cell)`,
      '',
    );
    lines.push(
      ...table(
        ['jobs/s', ...counts.map((p) => `${p} process${p === 1 ? '' : 'es'}`)],
        configs.map((c) => [key(c), ...counts.map((p) => fmtSpread(cell(c, p)?.jobsPerSec))]),
      ),
      '',
    );
    lines.push(
      ...table(
        ['PostgreSQL CPU, ms per 1,000 jobs', ...counts.map((p) => `${p}`)],
        configs.map((c) => [key(c), ...counts.map((p) => fmtSpread(cell(c, p)?.databaseCpuMsPer1k))]),
      ),
      '',
    );
    const kronosRows = configs.filter((c) => c.system === 'kronos');
    const peerRows = configs.filter((c) => c.system !== 'kronos');
    const ratioRows: string[][] = [];
    for (const k of kronosRows)
      for (const p of peerRows)
        ratioRows.push([
          `${key(k)} / ${key(p)}`,
          ...counts.map((n) => {
            const a = cell(k, n);
            const b = cell(p, n);
            return a && b ? fmtRatio(ratioSpread(a.jobsPerSec, b.jobsPerSec, { paired: true })) : 'n/a';
          }),
        ]);
    if (ratioRows.length) lines.push(...table(['Kronos/peer, jobs/s', ...counts.map((p) => `${p}`)], ratioRows), '');
    const failed = sc.filter((f) => !f.exactlyOnce);
    lines.push(
      `- Exactly once: ${failed.length === 0 ? `every run of every cell (${sc.reduce((n, f) => n + f.runs.length, 0)} runs)` : `**NO** in ${failed.map((f) => `${key(f)} × ${f.processes}`).join(', ')}`}.`,
      '',
    );
  }

  if (r.enqueueScale?.length) {
    const es = r.enqueueScale;
    const producers = [...new Set(es.map((f) => f.producers))].sort((a, b) => a - b);
    const rows = es
      .map((f) => ({ system: f.system, name: f.name, mode: f.mode, call: f.call }))
      .filter((c, i, all) => all.findIndex((x) => x.system === c.system && x.mode === c.mode) === i);
    const cell = (system: string, mode: string, p: number) =>
      es.find((f) => f.system === system && f.mode === mode && f.producers === p);
    const runs = Math.max(...es.map((f) => f.runs.length));
    const bulkSize = Number(r.sizes.enqueueBulkSize ?? 0);
    lines.push(
      `## Enqueue throughput on PostgreSQL (tasks/s; ${fmt(Number(r.sizes.enqueueWindowMs) / 1000, 1)} s per run, ${runs} run${runs === 1 ? '' : 's'} per cell; bulk: ${fmt(bulkSize)} tasks per call)`,
      '',
    );
    lines.push(
      ...table(
        ['system', 'call', ...producers.map((p) => `${p} producer${p === 1 ? '' : 's'}`)],
        rows.map((c) => [
          c.system,
          `\`${c.call}\``,
          ...producers.map((p) => fmtSpread(cell(c.system, c.mode, p)?.tasksPerSec)),
        ]),
      ),
      '',
    );
    const ratioRows: string[][] = [];
    for (const mode of ['single', 'bulk'])
      for (const peer of ['graphile-worker', 'pg-boss'])
        ratioRows.push([
          `${mode}: kronos / ${peer}`,
          ...producers.map((p) => {
            const a = cell('kronos', mode, p);
            const b = cell(peer, mode, p);
            return a && b ? fmtRatio(ratioSpread(a.tasksPerSec, b.tasksPerSec, { paired: true })) : 'n/a';
          }),
        ]);
    lines.push(...table(['Kronos/peer', ...producers.map((p) => `${p}`)], ratioRows), '');
    lines.push(
      '- Producers are concurrent callers in one process over a pool of as many connections; after each run the database must hold exactly the acknowledged tasks, each once.',
      '',
    );
  }

  if (r.claimCost.length) {
    const histories = [...new Set(r.claimCost.map((c) => c.history))];
    const get = (system: string, h: number) => r.claimCost.find((c) => c.system === system && c.history === h);
    const cellOf = (c: ClaimCostResult | undefined) =>
      c
        ? c.min !== undefined
          ? `${fmt(c.medianMs, 2)} (${fmt(c.min, 2)}–${fmt(c.max, 2)})`
          : fmt(c.medianMs, 2)
        : 'n/a';
    lines.push('## Claim cost against history (ms per claim of 50 due tasks: median (min–max) of the claims)', '');
    lines.push(
      ...table(
        ['finished rows in the tables', 'kronos', 'pg-boss', 'Kronos/pg-boss'],
        histories.map((h) => [
          fmt(h),
          cellOf(get('kronos', h)),
          cellOf(get('pg-boss', h)),
          fmtRatio(
            get('kronos', h)?.spread && get('pg-boss', h)?.spread
              ? ratioSpread(get('kronos', h)!.spread!, get('pg-boss', h)!.spread!)
              : undefined,
          ),
        ]),
      ),
      '',
    );
    const first = histories[0];
    const last = histories[histories.length - 1];
    const change = (s: string) => ((get(s, last)!.medianMs / get(s, first)!.medianMs - 1) * 100).toFixed(0);
    lines.push(
      `- ${fmt(last)} rows vs ${fmt(first)}: Kronos ${change('kronos')}%, pg-boss ${change('pg-boss')}%. graphile-worker deletes finished jobs, so it keeps no history to measure.`,
      '',
    );
  }

  if (r.bulkEnqueue?.length) {
    const rowsPerSec = (b: BulkEnqueueFigure) => spread(b.runs.map((s) => b.tasks / s));
    const kronosBulk = r.bulkEnqueue.find((b) => b.system === 'kronos');
    lines.push(
      `## Bulk enqueue from an idle system (${fmt(r.bulkEnqueue[0].tasks)} tasks, 5,000 per call, ${r.bulkEnqueue[0].runs.length} run${r.bulkEnqueue[0].runs.length === 1 ? '' : 's'})`,
      '',
    );
    lines.push(
      ...table(
        ['system', 'call', 'rows/s', 'Kronos/peer'],
        r.bulkEnqueue.map((b) => [
          b.system,
          `\`${b.call}\``,
          fmtSpread(rowsPerSec(b)),
          b.system === 'kronos' || !kronosBulk ? '' : fmtRatio(ratioSpread(rowsPerSec(kronosBulk), rowsPerSec(b))),
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
        fmtSpread(r.sqlite.throughput?.spreads.jobsPerSec),
        l ? `${fmt(l.p50, 1)} / ${fmt(l.p95, 1)} / ${fmt(l.p99, 1)}` : 'n/a',
        fmt(r.sqlite.throughput?.peakRssMb),
      ]);
    }
    if (r.mysql)
      rows.push([
        `MariaDB${r.mysql.skipped ? ` (skipped: ${r.mysql.skipped})` : ''}`,
        fmtSpread(r.mysql.throughput?.spreads.jobsPerSec),
        'not measured',
        fmt(r.mysql.throughput?.peakRssMb),
      ]);
    lines.push(...table(['database', 'throughput, jobs/s', 'latency p50 / p95 / p99, ms', 'peak RSS, MB'], rows), '');
    lines.push(
      '- SQLite latency: the application enqueues into the worker of its own process (the embedded default), one task at a time, one run.',
      '',
    );
  }

  if (r.historyPrune?.length) {
    const mb = (bytes: number) => fmt(bytes / (1024 * 1024));
    lines.push('## History prune on PostgreSQL (old runs removed; the kept ones must all be left)', '');
    lines.push(
      ...table(
        [
          'layout',
          'runs pruned',
          'prune, s',
          'VACUUM after, s',
          'runs/s',
          'run table MB, before → after',
          'run inserts meanwhile, p50 / p99 / max ms',
          'kept runs left',
        ],
        r.historyPrune.map((f) => [
          f.layout === 'plain' ? 'plain (batched DELETE)' : 'partitioned (drop day partitions)',
          fmt(f.runs),
          fmt(f.pruneMs / 1000, 1),
          f.vacuumMs === null ? '' : fmt(f.vacuumMs / 1000, 1),
          fmt((f.runs * 1000) / (f.pruneMs + (f.vacuumMs ?? 0))),
          `${mb(f.bytesBefore)} → ${mb(f.bytesAfter)}`,
          `${fmt(f.inserts.p50Ms, 1)} / ${fmt(f.inserts.p99Ms, 1)} / ${fmt(f.inserts.maxMs, 1)}`,
          f.left === f.kept ? `${fmt(f.left)}, all` : `**${fmt(f.left)} of ${fmt(f.kept)}**`,
        ]),
      ),
      '',
      "- One run per layout (10,000,000 runs take minutes to fill and to delete): runs/s counts the VACUUM that makes the deleted rows' space reusable. See docs/partitioning.md.",
      '',
    );
  }

  if (r.recurring?.length) {
    const start = (f: { ms: number; transactions: number }) => `${fmt(f.ms / 1000, 1)} s, ${fmt(f.transactions)}`;
    lines.push('## Recurring definitions at scale on PostgreSQL (one application, its worker running)', '');
    lines.push(
      ...table(
        [
          'definitions',
          'first start: time, transactions',
          'restart: time, transactions',
          'heap / RSS added, MB',
          'per minute: runs',
          'per minute: transactions',
          'per minute: database / worker CPU, ms',
        ],
        r.recurring.map((f) => [
          `${fmt(f.definitions)} (${f.mode})`,
          start(f.firstStart),
          start(f.restart),
          `${fmt(f.memory.heapMb, 1)} / ${fmt(f.memory.rssMb, 1)}`,
          f.perMinute ? fmt(f.perMinute.runs) : 'n/a',
          f.perMinute ? fmt(f.perMinute.transactions) : 'n/a',
          f.perMinute ? `${fmt(f.perMinute.databaseCpuMs)} / ${fmt(f.perMinute.workerCpuMs)}` : 'n/a',
        ]),
      ),
      '',
      '- burst: every definition due at the top of every minute; spread: definition i due at second i % 60 of every minute. Per minute: averaged over the minutes measured. One run each (see bench/scenarios/recurring-definitions.ts).',
      '',
    );
  }

  for (const section of r.extra ?? []) lines.push(`## ${section.title}`, '', ...section.markdown, '');

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
  for (const f of [...r.throughput, ...r.latency, ...(r.sustained ?? []), ...(r.scaling ?? [])])
    configs.set(key(f), f.description);
  lines.push(...[...configs].map(([k, d]) => `- **${k}**: ${d}`), '');
  return lines.join('\n');
}

/** Targets of the performance issues, judged on the measured medians. */
export function judge(r: Results): Target[] {
  const targets: Target[] = [];
  const tp = (system: string, name: string) =>
    r.throughput.find((f) => f.system === system && f.name === name)?.spreads.jobsPerSec;
  const k = tp('kronos', 'defaults');
  const check = (label: string, peer: Spread | undefined, factor: number) => {
    if (!k || !peer) return;
    const ratio = ratioSpread(k, peer, { paired: true });
    targets.push({
      target: `throughput (Kronos defaults) ≥ ${factor}x ${label}`,
      measured: `${fmt(k.median)} vs ${fmt(peer.median)} jobs/s = ${fmtRatio(ratio)}`,
      met: ratio.ratio >= factor,
    });
  };
  check('graphile-worker tuned', tp('graphile-worker', 'tuned'), 1.0);
  check('graphile-worker defaults', tp('graphile-worker', 'defaults'), 6);
  check('pg-boss tuned', tp('pg-boss', 'tuned'), 1.4);
  const lat = (system: string, name: string, rate: number) =>
    r.latency.find((f) => f.system === system && f.name === name && f.ratePerSec === rate);
  const l50 = lat('kronos', 'defaults', 50);
  if (l50) {
    const bound = l50.runs.some((x) => x.lowerBound);
    const { p50, p99 } = latencySpreads(l50);
    targets.push({
      target: 'latency p50 ≤ 3 ms at 50/s (PostgreSQL)',
      measured: `${fmtSpread(p50, 2)} ms`,
      met: p50.median <= 3 && !bound,
    });
    targets.push({
      target: 'latency p99 ≤ 6 ms at 50/s (PostgreSQL)',
      measured: `${fmtSpread(p99, 2)} ms`,
      met: p99.median <= 6 && !bound,
    });
  }
  for (const rate of latencyRates(r)) {
    const kr = lat('kronos', 'defaults', rate);
    const gr = lat('graphile-worker', 'tuned', rate);
    if (!kr || !gr) continue;
    const ks = latencySpreads(kr);
    const gs = latencySpreads(gr);
    for (const p of ['afterCommitP50', 'afterCommitP99'] as const) {
      targets.push({
        target: `enqueue returned → handler ${p === 'afterCommitP50' ? 'p50' : 'p99'} at ${rate}/s below graphile-worker tuned's`,
        measured: `${fmtSpread(ks[p], 2)} vs ${fmtSpread(gs[p], 2)} ms`,
        met: ks[p].median < gs[p].median,
      });
    }
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
  const rss = (name: string) => r.throughput.find((f) => f.system === 'kronos' && f.name === name);
  const service = rss('service');
  if (service)
    targets.push({
      target: 'worker peak RSS ≤ 120 MB: `kronos worker` as its service files start it',
      measured: `${fmtSpread(service.spreads.peakRssMb)} MB`,
      met: service.spreads.peakRssMb.max <= 120,
    });
  const embedded = rss('defaults');
  if (embedded)
    targets.push({
      target: "worker peak RSS ≤ 120 MB: a worker inside a Nest application at Node's default flags",
      measured: `${fmtSpread(embedded.spreads.peakRssMb)} MB`,
      met: embedded.spreads.peakRssMb.max <= 120,
    });
  const scale = (system: string, name: string, p: number) =>
    r.scaling?.find((f) => f.system === system && f.name === name && f.processes === p)?.jobsPerSec;
  const g4 = scale('graphile-worker', 'tuned', 4);
  for (const [name, what] of [
    ['defaults', 'Kronos defaults'],
    ['remove', 'Kronos with `removeOnComplete`'],
  ] as const) {
    const k4 = scale('kronos', name, 4);
    if (!k4 || !g4) continue;
    const ratio = ratioSpread(k4, g4, { paired: true });
    targets.push({
      target: `throughput with 4 worker processes: ${what} > graphile-worker tuned`,
      measured: `${fmt(k4.median)} vs ${fmt(g4.median)} jobs/s = ${fmtRatio(ratio)}`,
      met: ratio.ratio > 1,
    });
  }
  targets.push({
    target: 'every task ran exactly once (every run of every system)',
    measured: r.problems.length
      ? `${r.problems.length} problem(s) in ${r.runsChecked} run(s)`
      : `${r.runsChecked} run(s) checked, no duplicate or lost task`,
    met: r.problems.length === 0,
  });
  return targets;
}

/** A ratio the README and docs/performance.md publish, found again in every full run. */
interface Headline {
  label: string;
  figure: string;
  peer: string;
  /** Scaling cells are not in `ratios`: a 1-, 4- or 8-process cell's paired ratio. */
  processes?: number;
}

const HEADLINES: Headline[] = [
  ...['graphile-worker tuned', 'pg-boss tuned', 'graphile-worker defaults'].map((peer) => ({
    label: `throughput / ${peer}`,
    figure: 'throughput',
    peer,
  })),
  ...['graphile-worker tuned', 'pg-boss tuned'].map((peer) => ({
    label: `PostgreSQL CPU per job / ${peer}`,
    figure: 'PostgreSQL CPU',
    peer,
  })),
  { label: 'worker CPU per job / graphile-worker tuned', figure: 'worker CPU', peer: 'graphile-worker tuned' },
  { label: 'peak RSS / graphile-worker tuned', figure: 'worker peak RSS', peer: 'graphile-worker tuned' },
  {
    label: 'RSS at first task / graphile-worker tuned',
    figure: 'worker RSS at its first task',
    peer: 'graphile-worker tuned',
  },
  ...[
    ['end to end p50', 'end to end p50'],
    ['end to end p99', 'end to end p99'],
    ['enqueue returned → handler p50', 'enqueue returned → handler first line, p50'],
    ['enqueue returned → handler p99', 'enqueue returned → handler first line, p99'],
  ].map(([label, figure]) => ({
    label: `50/s, ${label} / graphile-worker tuned`,
    figure: `at 50/s: ${figure}`,
    peer: 'graphile-worker tuned',
  })),
  ...[1, 4, 8].map((processes) => ({
    label: `${processes} process${processes === 1 ? '' : 'es'}, jobs/s / graphile-worker tuned`,
    figure: 'scaling',
    peer: 'graphile-worker tuned',
    processes,
  })),
];

/** `list`: the run's one-worker ratios (`ratios(r)`), computed once for all the headlines. */
function headlineRatio(r: Results, list: RatioFigure[], h: Headline): RatioSpread | undefined {
  if (h.processes !== undefined) {
    const cell = (config: string) =>
      r.scaling?.find((f) => key(f) === config && f.processes === h.processes)?.jobsPerSec;
    const k = cell('kronos defaults');
    const p = cell(h.peer);
    return k && p ? ratioSpread(k, p, { paired: true }) : undefined;
  }
  return list.find((x) => x.kronos === 'kronos defaults' && x.peer === h.peer && x.figure.startsWith(h.figure));
}

/**
 * The headline ratios of Kronos defaults in two runs side by side, with the change from the first
 * to the second and whether it stays within ±10% (`npm run bench -- --render=b.json --compare=a.json`).
 */
export function compareRuns(a: Results, b: Results): string[] {
  const listA = ratios(a);
  const listB = ratios(b);
  const rows = HEADLINES.map((h) => {
    const x = headlineRatio(a, listA, h);
    const y = headlineRatio(b, listB, h);
    const change = x && y ? (y.ratio / x.ratio - 1) * 100 : Number.NaN;
    return [
      h.label,
      fmtRatio(x),
      fmtRatio(y),
      Number.isFinite(change) ? `${change >= 0 ? '+' : '-'}${Math.abs(change).toFixed(1)}%` : 'n/a',
      Number.isFinite(change) ? (Math.abs(change) <= 10 ? 'yes' : '**no**') : 'n/a',
    ];
  });
  const held = rows.filter((row) => row[4] === 'yes').length;
  const compared = rows.filter((row) => row[4] !== 'n/a').length;
  return [
    `## Headline ratios of Kronos defaults: ${a.date} against ${b.date}`,
    '',
    ...table(
      ['ratio', `run 1 (${a.date.slice(0, 16)})`, `run 2 (${b.date.slice(0, 16)})`, 'run 2 / run 1', 'within ±10%'],
      rows,
    ),
    '',
    `${held} of ${compared} ratios held within ±10%.`,
    '',
  ];
}
