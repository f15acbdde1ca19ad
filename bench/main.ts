/**
 * The Kronos benchmark (`npm run bench`): Kronos, graphile-worker and pg-boss against the same
 * PostgreSQL in one run, each in its default and its tuned configuration, plus Kronos on SQLite
 * and MariaDB. Runs of the systems alternate; every figure is the median of its runs with their
 * spread, every ratio Kronos/peer has a bootstrap interval. Prints the comparison and writes it as
 * JSON and Markdown under `bench/results/`. Exits non-zero when any task ran twice or never.
 *
 *   npm run bench                      full run (about 25 minutes)
 *   npm run bench -- --smoke           tiny sizes, to check that everything still works
 *   npm run bench -- --only=throughput,latency,sustained,scaling,enqueue,claim,bulk,sqlite,mysql
 *   npm run bench -- --only=prune      prune of 10,000,000 runs, batched DELETE vs dropped partitions (not in the default run: it is long)
 *   npm run bench -- --only=recurring  10,000 recurring definitions: start-up, memory, cost per minute (not in the default run: it is long)
 *   npm run bench -- --repeats=5       throughput runs per configuration (median reported)
 *   npm run bench -- --tasks=175000    tasks per throughput run
 *   npm run bench -- --rates=50,500    latency enqueue rates
 *   npm run bench -- --processes=1,4   worker process counts of the scaling scenario
 *   npm run bench -- --rounds=2        rounds of the latency, scaling and enqueue scenarios
 *   npm run bench -- --configs=kronos:defaults,graphile-worker:tuned   only these PostgreSQL configurations
 *   npm run bench -- --render=bench/results/results.json   rewrite the Markdown and chart of a saved run
 *   npm run bench -- --render=second.json --compare=first.json   and print the headline ratios of both runs side by side
 *   BENCH_KRONOS_VARIANTS='{"b1000":{"batchSize":1000}}' npm run bench -- --configs=kronos:b1000   other Kronos settings
 *   BENCH_KRONOS_VARIANTS='{"b250":{"batchSize":250}}' npm run bench -- --only=scaling --scaling-configs=kronos:b250   and in the scaling scenario
 */
import 'reflect-metadata';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  compareRuns,
  judge,
  markdown,
  ratios,
  type EnqueueScaleFigure,
  type LatencyFigure,
  type Results,
  type ScalingFigure,
  type SustainedFigure,
  type ThroughputFigure,
} from './report.js';
import { bulkEnqueue } from './scenarios/bulk-enqueue.js';
import { kronosClaimCost, pgbossClaimCost } from './scenarios/claim-cost.js';
import { enqueueScale, singleCall, type EnqueueScaleResult } from './scenarios/enqueue-scale.js';
import { historyPrune } from './scenarios/history-prune.js';
import { recurringDefinitions } from './scenarios/recurring-definitions.js';
import { latency, type LatencyResult } from './scenarios/latency.js';
import { throughput, type ThroughputResult } from './scenarios/throughput.js';
import { ensureMysqlDatabase, ensurePostgresDatabase } from './support/databases.js';
import { PgBouncer, PGBOUNCER_BIN, pgbouncerInstalled } from './support/pgbouncer.js';
import { connectionString, latencyTasks, machine, mysql, postgres, sizes as sizesFor } from './support/settings.js';
import { spread } from './support/stats.js';
import { lineChart } from './support/svg.js';
import { GraphileBackend, graphileConfigurations } from './systems/graphile.js';
import {
  KronosBackend,
  kronosConfigurations,
  kronosDataSourceOptions,
  kronosPgBouncerConfiguration,
} from './systems/kronos.js';
import { PgBossBackend, pgbossConfigurations } from './systems/pgboss.js';
import type { Backend, Configuration, Producer } from './systems/system.js';

const args = process.argv.slice(2);
const arg = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const list = (name: string) => arg(name)?.split(',').filter(Boolean);
const smoke = args.includes('--smoke');
// `cluster` was the 4-process run the scaling scenario replaced.
const only = list('only')?.map((p) => (p === 'cluster' ? 'scaling' : p));
const wants = (part: string) => !only || only.includes(part);
const sizes = sizesFor(smoke);
const configsArg = list('configs');
if (arg('tasks')) sizes.throughputTasks = Number(arg('tasks'));
if (arg('repeats')) sizes.repeats = Math.max(1, Number(arg('repeats')));
if (arg('rates')) sizes.latencyRates = list('rates')!.map(Number);
if (arg('processes')) sizes.scalingProcesses = list('processes')!.map(Number);
if (arg('rounds')) {
  // Rounds of the latency, scaling and enqueue scenarios (throughput has --repeats).
  const rounds = Math.max(1, Number(arg('rounds')));
  sizes.latencyRepeats = sizes.scalingRepeats = sizes.enqueueRepeats = rounds;
}

const say = (line: string) => console.log(`bench: ${line}`);
const problems: string[] = [];
let runsChecked = 0;
const checked = (label: string, result: { problems: string[] }) => {
  runsChecked++;
  for (const p of result.problems) problems.push(`${label}: ${p}`);
};

async function postgresVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: connectionString(postgres()) });
  await client.connect();
  const { rows } = await client.query('SHOW server_version');
  await client.end();
  return `PostgreSQL ${String(rows[0].server_version).split(' ')[0]}`;
}

async function mariadbVersion(): Promise<string | null> {
  const s = mysql();
  const answer = await ensureMysqlDatabase(s);
  if ('version' in answer) return answer.version;
  say(`MariaDB/MySQL not reachable at ${s.host}:${s.port} (${answer.error}); its figures are skipped`);
  return null;
}

const onPostgres = (config: Configuration) =>
  config.system !== 'kronos' || config.settings.dataSource?.type === 'postgres';
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const label = (config: Configuration) => `${config.system} ${config.name}`;

interface Entry {
  backend: Backend;
  config: Configuration;
  /** Measured over a window instead of drained. */
  timeBoxed?: boolean;
  /** One window is enough: it finishes a handful of jobs (pg-boss defaults). */
  once?: boolean;
}

/** The order of round `round`: each round starts one configuration later, so none always runs first. */
const rotate = <T>(items: T[], round: number): T[] => items.map((_, i) => items[(i + round) % items.length]);

/** Throughput runs, interleaved: every round runs each configuration once, each round in another order. */
async function throughputFigures(entries: Entry[], tasks: number, repeats: number): Promise<ThroughputFigure[]> {
  const runs = new Map<Configuration, ThroughputResult[]>();
  for (let round = 0; round < repeats; round++) {
    for (const { backend, config, timeBoxed, once } of rotate(entries, round)) {
      if (once && round > 0) continue;
      const name = `throughput ${label(config)}`;
      const result = await throughput(backend, config, {
        tasks: timeBoxed ? Math.min(tasks, sizes.timeBoxedTasks) : tasks,
        processes: 1,
        timeBoxMs: timeBoxed ? sizes.timeBoxMs : undefined,
        databaseCpu: onPostgres(config),
      });
      checked(name, result);
      const db = result.databaseCpuMsPer1k === null ? '' : `, database ${fmt(result.databaseCpuMsPer1k)}`;
      say(
        `${name} (round ${round + 1}/${repeats}): ${fmt(result.jobsPerSec)} jobs/s over ${(result.durationMs / 1000).toFixed(1)} s, peak RSS ${fmt(result.peakRssMb)} MB, CPU ms per 1,000 jobs: worker ${fmt(result.workerCpuMsPer1k)}${db}${result.exactlyOnce ? '' : `, PROBLEMS: ${result.problems.join('; ')}`}`,
      );
      runs.set(config, [...(runs.get(config) ?? []), result]);
    }
  }
  return entries.map(({ config }) => {
    const all = runs.get(config)!;
    const sorted = [...all].sort((a, b) => a.jobsPerSec - b.jobsPerSec);
    return {
      system: config.system,
      name: config.name,
      description: config.description,
      median: sorted[Math.floor((sorted.length - 1) / 2)],
      runs: all.map((x) => x.jobsPerSec),
      peakRssMb: Math.max(...all.map((x) => x.peakRssMb)),
      results: all,
      spreads: {
        jobsPerSec: spread(all.map((x) => x.jobsPerSec)),
        workerCpuMsPer1k: spread(all.map((x) => x.workerCpuMsPer1k)),
        databaseCpuMsPer1k: spread(all.map((x) => x.databaseCpuMsPer1k ?? Number.NaN)),
        rssAtFirstTaskMb: spread(all.map((x) => x.rssAtFirstTaskMb)),
        peakRssMb: spread(all.map((x) => x.peakRssMb)),
      },
    };
  });
}

/** Latency at every rate, interleaved like throughput; a configuration that cannot keep up (pg-boss defaults) runs once, at the lowest rate. */
async function latencyFigures(entries: Entry[]): Promise<LatencyFigure[]> {
  const rates = sizes.latencyRates;
  const runs = new Map<string, { config: Configuration; results: LatencyResult[] }>();
  for (let round = 0; round < sizes.latencyRepeats; round++) {
    for (const { backend, config, once } of rotate(entries, round)) {
      if (once && round > 0) continue;
      const steps = (once ? rates.slice(0, 1) : rates).map((rate) => ({
        ratePerSec: rate,
        tasks: latencyTasks(sizes, rate),
      }));
      const results = await latency(backend, config, {
        steps,
        warmup: sizes.latencyWarmup,
        graceMs: once ? sizes.timeBoxMs : 60_000,
      });
      for (const result of results) {
        // A configuration that cannot keep up leaves tasks unstarted: that is its figure, not a fault.
        // A peer whose enqueue calls fail at a rate (its pool timing out) has that as its figure too.
        checked(`latency ${label(config)} at ${result.ratePerSec}/s`, {
          problems: result.problems.filter(
            (p) =>
              (!p.includes('had not started') || !once) &&
              (config.system === 'kronos' || !p.includes('enqueue call(s)')),
          ),
        });
        const after =
          result.afterCommitP50 === null
            ? ''
            : `; enqueue ${result.enqueueP50!.toFixed(2)} / ${result.enqueueP99!.toFixed(2)} ms, returned → handler ${result.afterCommitP50.toFixed(2)} / ${result.afterCommitP99!.toFixed(2)} ms`;
        say(
          `latency ${label(config)} at ${result.ratePerSec}/s (round ${round + 1}/${sizes.latencyRepeats}): p50 ${result.p50.toFixed(2)} ms, p95 ${result.p95.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms${result.lowerBound ? ` (${result.notStarted} not started: lower bounds)` : ''}${after}`,
        );
        const k = `${label(config)}@${result.ratePerSec}`;
        const slot = runs.get(k) ?? { config, results: [] };
        slot.results.push(result);
        runs.set(k, slot);
      }
    }
  }
  const figures: LatencyFigure[] = [];
  for (const rate of rates)
    for (const { config } of entries) {
      const slot = runs.get(`${label(config)}@${rate}`);
      if (!slot) continue;
      const of = (get: (r: LatencyResult) => number | null) => spread(slot.results.map((r) => get(r) ?? Number.NaN));
      figures.push({
        system: config.system,
        name: config.name,
        description: config.description,
        ratePerSec: rate,
        result: slot.results[0],
        runs: slot.results,
        spreads: {
          p50: of((r) => r.p50),
          p95: of((r) => r.p95),
          p99: of((r) => r.p99),
          enqueueP50: of((r) => r.enqueueP50),
          enqueueP99: of((r) => r.enqueueP99),
          afterCommitP50: of((r) => r.afterCommitP50),
          afterCommitP99: of((r) => r.afterCommitP99),
        },
      });
    }
  return figures;
}

/** Settings for `processes` worker processes on one database: each process's pool limited to `pool` connections. */
function pooled(config: Configuration, pool: number): Configuration {
  const s = config.settings;
  if (config.system === 'kronos' && s.postgres?.pooling !== 'transaction')
    return {
      ...config,
      settings: { ...s, dataSource: { ...s.dataSource, extra: { ...s.dataSource.extra, max: pool } } },
    };
  if (config.system === 'graphile-worker')
    return { ...config, settings: { ...s, preset: { ...s.preset, maxPoolSize: pool } } };
  if (config.system === 'pg-boss')
    return { ...config, settings: { ...s, constructor: { ...s.constructor, max: pool } } };
  return config;
}

/** Scaling: every configuration at every process count, rounds interleaved over all cells. */
async function scalingFigures(entries: Entry[]): Promise<ScalingFigure[]> {
  const cells = entries.flatMap((entry) => sizes.scalingProcesses.map((processes) => ({ ...entry, processes })));
  const runs = new Map<(typeof cells)[number], ThroughputResult[]>();
  for (let round = 0; round < sizes.scalingRepeats; round++) {
    for (const cell of rotate(cells, round)) {
      const name = `scaling ${label(cell.config)} × ${cell.processes}`;
      const result = await throughput(cell.backend, cell.config, {
        tasks: sizes.scalingTasks,
        processes: cell.processes,
        databaseCpu: true,
      });
      checked(name, result);
      say(
        `${name} (round ${round + 1}/${sizes.scalingRepeats}): ${fmt(result.jobsPerSec)} jobs/s, PostgreSQL CPU ${result.databaseCpuMsPer1k === null ? 'n/a' : fmt(result.databaseCpuMsPer1k)} ms per 1,000, exactly once: ${result.exactlyOnce ? 'yes' : result.problems.join('; ')}`,
      );
      runs.set(cell, [...(runs.get(cell) ?? []), result]);
    }
  }
  return cells.map((cell) => {
    const all = runs.get(cell)!;
    return {
      system: cell.config.system,
      name: cell.config.name,
      description: cell.config.description,
      processes: cell.processes,
      runs: all,
      jobsPerSec: spread(all.map((r) => r.jobsPerSec)),
      databaseCpuMsPer1k: spread(all.map((r) => r.databaseCpuMsPer1k ?? Number.NaN)),
      exactlyOnce: all.every((r) => r.exactlyOnce),
    };
  });
}

/** Enqueue throughput: every system, mode and producer count, rounds interleaved over all cells. */
async function enqueueFigures(entries: Entry[]): Promise<EnqueueScaleFigure[]> {
  const connections = Math.max(...sizes.enqueueProducers);
  const producers = new Map<Entry, Producer>();
  try {
    for (const entry of entries) {
      await entry.backend.reset(entry.config);
      const producer = await entry.backend.producer(entry.config, { connections });
      producers.set(entry, producer);
      // Open every connection of the pool and prepare what the calls prepare, outside the measurement.
      await Promise.all(Array.from({ length: connections }, (_, i) => producer.enqueue(i)));
      await producer.enqueueMany(Array.from({ length: sizes.enqueueBulkSize }, (_, i) => connections + i));
    }
    const cells = (['single', 'bulk'] as const).flatMap((mode) =>
      sizes.enqueueProducers.flatMap((count) => entries.map((entry) => ({ entry, mode, count }))),
    );
    const runs = new Map<(typeof cells)[number], EnqueueScaleResult[]>();
    for (let round = 0; round < sizes.enqueueRepeats; round++) {
      for (const cell of rotate(cells, round)) {
        const { backend, config } = cell.entry;
        const result = await enqueueScale(backend, producers.get(cell.entry)!, {
          producers: cell.count,
          mode: cell.mode,
          windowMs: sizes.enqueueWindowMs,
          bulkSize: sizes.enqueueBulkSize,
          singleCall: singleCall(config),
        });
        const name = `enqueue ${config.system} ${result.call} × ${cell.count}`;
        checked(name, result);
        say(
          `${name} (round ${round + 1}/${sizes.enqueueRepeats}): ${fmt(result.tasksPerSec)} tasks/s (${fmt(result.tasks)} in ${(result.durationMs / 1000).toFixed(2)} s)${result.problems.length ? `, PROBLEMS: ${result.problems.join('; ')}` : ''}`,
        );
        runs.set(cell, [...(runs.get(cell) ?? []), result]);
      }
    }
    return cells.map((cell) => {
      const all = runs.get(cell)!;
      return {
        system: cell.entry.config.system,
        name: cell.entry.config.name,
        description: cell.entry.config.description,
        producers: cell.count,
        mode: cell.mode,
        call: all[0].call,
        runs: all,
        tasksPerSec: spread(all.map((r) => r.tasksPerSec)),
      };
    });
  } finally {
    await Promise.allSettled([...producers.values()].map((p) => p.close()));
    for (const entry of entries) await entry.backend.clear().catch(() => undefined);
  }
}

/** The sustained scenario's chart: per-second throughput and worker RSS of each configuration. */
function sustainedChart(r: Results): string | null {
  const s = r.sustained?.filter((f) => f.result.series);
  if (!s?.length) return null;
  const points = (ys: number[], ts: number[]) => ts.map((t, i): [number, number] => [t, ys[i]]);
  return lineChart(
    `Sustained load: ${fmt(s[0].result.tasks)} no-op tasks, one worker process each`,
    `${r.date} · ${r.machine.cores} cores (${r.machine.cpu}) · ${r.machine.postgres} · Node ${r.machine.node} · load ${r.load.before.toFixed(2)} before${r.smoke ? ' · smoke run' : ''}`,
    [
      {
        title: 'Throughput (handler starts per second)',
        unit: 'jobs/s',
        lines: s.map((f) => ({
          label: `${f.system} ${f.name}`,
          points: points(f.result.series!.jobsPerSec, f.result.series!.t),
        })),
      },
      {
        title: 'Worker RSS',
        unit: 'MB',
        lines: s.map((f) => ({
          label: `${f.system} ${f.name}`,
          points: points(f.result.series!.rssMb, f.result.series!.t),
        })),
      },
    ],
  );
}

/**
 * Writes the Markdown (and the chart) of saved results again, without running anything; the
 * figures derived from the runs (ratios and targets) are computed again and saved with them.
 */
function render(file: string): void {
  const results = JSON.parse(readFileSync(file, 'utf8')) as Results;
  results.ratios = ratios(results);
  results.targets = judge(results);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  const text = markdown(results);
  const md = file.replace(/\.json(\.tmp)?$/, '.md$1');
  writeFileSync(md, text);
  const chart = sustainedChart(results);
  if (chart) {
    const svg = file.replace(/\.json(\.tmp)?$/, '.sustained.svg$1');
    writeFileSync(svg, chart);
    say(`written ${md} and ${svg}`);
  } else say(`written ${md}`);
}

async function main(): Promise<void> {
  const began = Date.now();
  const loadBefore = loadavg()[0];
  await ensurePostgresDatabase(postgres());
  const mariadb = wants('mysql') ? await mariadbVersion() : null;
  const info = { ...machine(), postgres: await postgresVersion(), mariadb: mariadb ?? 'MariaDB not measured' };
  say(
    `${info.cores} cores, ${info.cpu}, ${info.postgres}, ${info.mariadb}, Node ${info.node}, load ${loadBefore.toFixed(2)}${smoke ? ' (smoke run)' : ''}`,
  );

  const pgOptions = kronosDataSourceOptions('postgres');
  const kronos = new KronosBackend('postgres', pgOptions);
  const graphile = new GraphileBackend();
  const pgboss = new PgBossBackend();
  await kronos.setUp();
  const [kronosDefaults, ...kronosVariants] = kronosConfigurations('postgres', pgOptions);
  const [graphileDefaults, graphileTuned] = graphileConfigurations();
  const [pgbossDefaults, pgbossTuned] = pgbossConfigurations();
  const selected = (config: Configuration) => !configsArg || configsArg.includes(`${config.system}:${config.name}`);
  const all = (
    [
      { backend: kronos, config: kronosDefaults },
      ...kronosVariants.map((config) => ({ backend: kronos, config })),
      { backend: graphile, config: graphileDefaults, timeBoxed: true },
      { backend: graphile, config: graphileTuned },
      { backend: pgboss, config: pgbossDefaults, timeBoxed: true, once: true },
      { backend: pgboss, config: pgbossTuned },
    ] satisfies Entry[] as Entry[]
  ).filter(({ config }) => selected(config));

  const results: Results = {
    date: new Date().toISOString(),
    smoke,
    machine: info,
    load: { before: loadBefore, after: 0 },
    sizes: { ...sizes },
    throughput: [],
    latency: [],
    peakRss: [],
    claimCost: [],
    targets: [],
    runsChecked: 0,
    problems,
  };

  let bouncer: PgBouncer | undefined;
  try {
    if (wants('throughput')) {
      say(
        `throughput: ${fmt(sizes.throughputTasks)} no-op tasks, one worker process, ${sizes.repeats} round(s) over ${all.length} configuration(s)`,
      );
      results.throughput = await throughputFigures(all, sizes.throughputTasks, sizes.repeats);
      results.peakRss = results.throughput.map((f) => ({
        system: f.system,
        name: f.name,
        peakRssMb: f.peakRssMb,
        rssAtFirstTaskMb: f.spreads.rssAtFirstTaskMb.median,
      }));
    }

    if (wants('latency')) {
      // kronos tuned only claims more at a time, kronos remove only completes differently: an idle
      // worker's wake-up is the defaults'.
      const entries = all.filter(
        ({ config }) =>
          !(config.system === 'kronos' && (config.name === 'tuned' || config.name === 'remove')) || configsArg,
      );
      say(
        `latency: one task at a time at ${sizes.latencyRates.join(', ')}/s into an idle worker, ${sizes.latencyRepeats} round(s) over ${entries.length} configuration(s)`,
      );
      results.latency = await latencyFigures(entries);
    }

    if (wants('sustained')) {
      const sustained = all.filter(
        ({ config }) =>
          (config.system === 'kronos' && (config.name === 'defaults' || config.name === 'service')) ||
          (config.system !== 'kronos' && config.name === 'tuned'),
      );
      say(`sustained: ${fmt(sizes.sustainedTasks)} tasks per configuration, one worker process, per-second series`);
      results.sustained = [];
      for (const { backend, config } of sustained) {
        const result = await throughput(backend, config, {
          tasks: sizes.sustainedTasks,
          processes: 1,
          databaseCpu: true,
          series: true,
          limitMs: 600_000,
        });
        checked(`sustained ${label(config)}`, result);
        const series = result.series!;
        say(
          `sustained ${label(config)}: ${fmt(result.jobsPerSec)} jobs/s over ${(result.durationMs / 1000).toFixed(1)} s; per second ${series.jobsPerSec.map(fmt).join(' ')}; RSS ${series.rssMb.map(fmt).join(' ')} MB; exactly once: ${result.exactlyOnce ? 'yes' : result.problems.join('; ')}`,
        );
        results.sustained.push({
          system: config.system,
          name: config.name,
          description: config.description,
          result,
        } satisfies SustainedFigure);
      }
    }

    if (wants('scaling')) {
      const pool = sizes.scalingPoolPerProcess;
      const entries: Entry[] = [
        { backend: kronos, config: pooled(kronosDefaults, pool) },
        { backend: graphile, config: pooled(graphileTuned, pool) },
      ];
      if (list('scaling-configs')?.includes('pg-boss:tuned'))
        entries.push({ backend: pgboss, config: pooled(pgbossTuned, pool) });
      // removeOnComplete, and other Kronos settings beside the defaults: --scaling-configs=kronos:b250
      // with BENCH_KRONOS_VARIANTS.
      for (const variant of kronosVariants)
        if (
          (variant.name === 'remove' && selected(variant)) ||
          list('scaling-configs')?.includes(label(variant).replace(' ', ':'))
        )
          entries.push({ backend: kronos, config: pooled(variant, pool) });
      for (const e of entries)
        e.config = { ...e.config, description: `${e.config.description}; ${pool} connections per process` };
      if (pgbouncerInstalled()) {
        bouncer = await new PgBouncer(sizes.pgbouncerPoolSize).start();
        entries.push({
          backend: kronos,
          config: kronosPgBouncerConfiguration(pgOptions, bouncer.port, sizes.pgbouncerPoolSize),
        });
      } else if (process.env.CI === 'true') {
        problems.push(`scaling: pgbouncer is not installed (${PGBOUNCER_BIN}); CI must install it`);
      } else {
        say(`pgbouncer is not installed (${PGBOUNCER_BIN}): the PgBouncer runs are skipped`);
      }
      say(
        `scaling: ${sizes.scalingProcesses.join(', ')} worker processes drain ${fmt(sizes.scalingTasks)} tasks, ${sizes.scalingRepeats} round(s) over ${entries.length} configuration(s)`,
      );
      results.scaling = await scalingFigures(entries);
    }

    if (wants('enqueue')) {
      const entries: Entry[] = [
        { backend: kronos, config: kronosDefaults },
        { backend: graphile, config: graphileTuned },
        { backend: pgboss, config: pgbossTuned },
      ];
      results.sizes.enqueueBulkSize = sizes.enqueueBulkSize;
      say(
        `enqueue: ${sizes.enqueueProducers.join(', ')} concurrent producers, one task per call and ${sizes.enqueueBulkSize} per bulk call, ${sizes.enqueueWindowMs} ms per run, ${sizes.enqueueRepeats} round(s)`,
      );
      results.enqueueScale = await enqueueFigures(entries);
    }

    if (wants('claim')) {
      say(
        `claim cost: median of ${sizes.claimsMeasured} claims of 50 with ${sizes.history.map(fmt).join(' / ')} finished rows of history`,
      );
      results.claimCost.push(...(await kronosClaimCost(kronos, sizes.history, sizes.claimsMeasured)));
      results.claimCost.push(...(await pgbossClaimCost(pgboss, sizes.history, sizes.claimsMeasured)));
      for (const c of results.claimCost)
        say(`claim cost ${c.system} with ${fmt(c.history)} history rows: ${c.medianMs.toFixed(2)} ms`);
    }

    if (wants('bulk')) {
      say(
        `bulk enqueue: ${fmt(sizes.bulkTasks)} tasks from an idle system, 5,000 per call, ${sizes.bulkRepeats} run(s)`,
      );
      results.bulkEnqueue = [];
      const kronosBulk = await kronos.bulkEnqueuer();
      try {
        for (const system of [kronosBulk, graphile.bulkEnqueuer(), pgboss.bulkEnqueuer(pgbossDefaults)]) {
          const { figure, problems: found } = await bulkEnqueue(system, sizes.bulkTasks, sizes.bulkRepeats);
          checked(`bulk enqueue ${system.system}`, { problems: found });
          say(
            `bulk enqueue ${system.system} (${system.call}): ${fmt(figure.rowsPerSec)} rows/s (${figure.seconds.toFixed(2)} s)`,
          );
          results.bulkEnqueue.push(figure);
        }
      } finally {
        await kronosBulk.close();
      }
    }
    // Long at full size (10,000,000 runs per layout): only when asked for, and in the smoke run.
    if (only?.includes('prune') || (smoke && !only)) {
      const size = smoke ? { runs: 20_000, keep: 2_000 } : {};
      say(`history prune: ${fmt(size.runs ?? 10_000_000)} old runs, batched DELETE (plain) vs dropped day partitions`);
      results.historyPrune = await historyPrune({ server: postgres(), ...size, log: (line) => say(line) });
      for (const f of results.historyPrune) {
        checked(`history prune ${f.layout}`, {
          problems: f.left === f.kept ? [] : [`${f.left} run(s) left after the prune, ${f.kept} expected`],
        });
        say(
          `history prune ${f.layout}: ${fmt(f.runs)} runs in ${(f.pruneMs / 1000).toFixed(1)} s${f.vacuumMs === null ? '' : ` + VACUUM ${(f.vacuumMs / 1000).toFixed(1)} s`}; inserts meanwhile p99 ${f.inserts.p99Ms.toFixed(1)} ms, max ${f.inserts.maxMs.toFixed(1)} ms`,
        );
      }
    }
  } finally {
    await Promise.allSettled([kronos.close(), graphile.close(), pgboss.close(), bouncer?.stop()]);
  }

  // Rebuilds the Kronos tables in the benchmark's database: after every other PostgreSQL scenario.
  // Long at full size (10,000 definitions kept scheduled for 2 minutes, in two modes): only when
  // asked for, and in the smoke run.
  if (only?.includes('recurring') || (smoke && !only)) {
    const runs = smoke
      ? [{ definitions: 200, minutes: 0, mode: 'burst' as const }]
      : (['burst', 'spread'] as const).map((mode) => ({ definitions: 10_000, minutes: 2, mode }));
    results.recurring = [];
    for (const run of runs) {
      say(`recurring definitions: ${fmt(run.definitions)} (${run.mode}), kept scheduled for ${run.minutes} minute(s)`);
      const result = await recurringDefinitions({ server: postgres(), ...run, log: (line) => say(line) });
      say(
        `recurring definitions ${run.mode}: first start ${(result.firstStart.ms / 1000).toFixed(1)} s, restart ${(result.restart.ms / 1000).toFixed(1)} s, heap +${result.memory.heapMb.toFixed(1)} MB${result.perMinute ? `; per minute ${fmt(result.perMinute.runs)} runs, ${fmt(result.perMinute.transactions)} transactions, database CPU ${fmt(result.perMinute.databaseCpuMs)} ms` : ''}`,
      );
      results.recurring.push(result);
    }
  }

  if (wants('sqlite')) {
    const options = kronosDataSourceOptions('sqlite');
    const sqlite = new KronosBackend('sqlite', options);
    await sqlite.setUp();
    try {
      const [config] = kronosConfigurations('sqlite', options);
      const [tp] = await throughputFigures([{ backend: sqlite, config }], sizes.otherTasks, sizes.otherRepeats);
      const [lat] = await latency(sqlite, config, {
        steps: [{ ratePerSec: 50, tasks: latencyTasks(sizes, 50) }],
        warmup: sizes.latencyWarmup,
        graceMs: 60_000,
        selfEnqueue: true,
      });
      checked('latency kronos sqlite', lat);
      say(
        `sqlite: ${fmt(tp.spreads.jobsPerSec.median)} jobs/s; latency p50 ${lat.p50.toFixed(2)} ms, p95 ${lat.p95.toFixed(2)} ms, p99 ${lat.p99.toFixed(2)} ms`,
      );
      results.sqlite = { throughput: tp, latency: lat };
    } finally {
      await sqlite.close();
    }
  }

  if (wants('mysql')) {
    if (!mariadb) results.mysql = { skipped: 'server not reachable' };
    else {
      const options = kronosDataSourceOptions('mysql');
      const maria = new KronosBackend('mysql', options);
      await maria.setUp();
      try {
        const [config] = kronosConfigurations('mysql', options);
        const [tp] = await throughputFigures([{ backend: maria, config }], sizes.otherTasks, sizes.otherRepeats);
        results.mysql = { throughput: tp };
      } finally {
        await maria.close();
      }
    }
  }

  results.load.after = loadavg()[0];
  results.durationSec = (Date.now() - began) / 1000;
  results.runsChecked = runsChecked;
  results.ratios = ratios(results);
  results.targets = judge(results);
  const text = markdown(results);
  console.log(`\n${text}`);
  const root = join(import.meta.dirname, '..', '..', '..');
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  // Only a full run replaces the published results; smoke and partial runs write scratch files.
  const partial = Boolean(
    only ||
    configsArg ||
    arg('tasks') ||
    arg('repeats') ||
    arg('rates') ||
    arg('processes') ||
    arg('rounds') ||
    process.env.BENCH_KRONOS_VARIANTS,
  );
  const base = smoke ? 'smoke' : partial ? 'partial' : 'results';
  const suffix = smoke || partial ? '.tmp' : '';
  writeFileSync(join(dir, `${base}.json${suffix}`), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(dir, `${base}.md${suffix}`), text);
  say(`written to bench/results/${base}.json${suffix} and ${base}.md${suffix}`);
  const chart = sustainedChart(results);
  if (chart) {
    const svg =
      base === 'results'
        ? join(root, 'docs', 'performance-sustained.svg')
        : join(dir, `${base}.sustained.svg${suffix}`);
    writeFileSync(svg, chart);
    say(`sustained chart written to ${svg.slice(root.length + 1)}`);
  }
  if (problems.length) {
    console.error(`\nbench: FAILED exactly-once checks:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exitCode = 1;
  }
}

/** The headline ratios of two saved runs side by side (`--render=<second> --compare=<first>`). */
function compare(first: string, second: string): void {
  const load = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Results;
  console.log(compareRuns(load(first), load(second)).join('\n'));
}

const renderArg = arg('render');
if (renderArg) {
  render(renderArg);
  const compareArg = arg('compare');
  if (compareArg) compare(compareArg, renderArg);
} else await main();
// Pools of the peers' libraries may keep timers alive.
process.exit(process.exitCode ?? 0);
