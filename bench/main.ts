/**
 * The Kronos benchmark (`npm run bench`): Kronos, graphile-worker and pg-boss against the same
 * PostgreSQL in one run, each in its default and its tuned configuration, plus Kronos on SQLite
 * and MariaDB. Prints a table with the ratio Kronos/peer for each pair and writes it as JSON and
 * Markdown under `bench/results/`. Exits non-zero when any task ran twice or never.
 *
 *   npm run bench                      full run (about 6 minutes)
 *   npm run bench -- --smoke           tiny sizes, to check that everything still works
 *   npm run bench -- --only=throughput,latency,claim,cluster,bulk,sqlite,mysql
 *   npm run bench -- --repeats=5       throughput runs per configuration (median reported)
 *   npm run bench -- --tasks=50000     tasks per throughput run
 *   npm run bench -- --configs=kronos:defaults,graphile-worker:tuned   only these PostgreSQL configurations
 *   BENCH_KRONOS_VARIANTS='{"b1000":{"batchSize":1000}}' npm run bench -- --configs=kronos:b1000   other Kronos settings
 */
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  judge,
  markdown,
  type ClusterFigure,
  type LatencyFigure,
  type Results,
  type ThroughputFigure,
} from './report.js';
import { bulkEnqueue } from './scenarios/bulk-enqueue.js';
import { kronosClaimCost, pgbossClaimCost } from './scenarios/claim-cost.js';
import { latency } from './scenarios/latency.js';
import { throughput, type ThroughputResult } from './scenarios/throughput.js';
import { ensureMysqlDatabase, ensurePostgresDatabase } from './support/databases.js';
import { connectionString, machine, mysql, postgres, sizes as sizesFor } from './support/settings.js';
import { GraphileBackend, graphileConfigurations } from './systems/graphile.js';
import { KronosBackend, kronosConfigurations, kronosDataSourceOptions } from './systems/kronos.js';
import { PgBossBackend, pgbossConfigurations } from './systems/pgboss.js';
import type { Backend, Configuration } from './systems/system.js';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const wants = (part: string) => !only || only.includes(part);
const sizes = sizesFor(smoke);
const configsArg = args
  .find((a) => a.startsWith('--configs='))
  ?.slice('--configs='.length)
  .split(',');
const repeatsArg = args.find((a) => a.startsWith('--repeats='));
const tasksArg = args.find((a) => a.startsWith('--tasks='));
if (tasksArg) sizes.throughputTasks = Number(tasksArg.slice('--tasks='.length));
if (repeatsArg) sizes.repeats = Math.max(1, Number(repeatsArg.slice('--repeats='.length)));

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

/** Throughput runs, round-robin over configurations so load from elsewhere spreads evenly. */
async function throughputFigures(
  entries: { backend: Backend; config: Configuration; timeBoxed?: boolean }[],
  tasks: number,
  repeats: number,
): Promise<ThroughputFigure[]> {
  const runs = new Map<Configuration, ThroughputResult[]>();
  for (let round = 0; round < repeats; round++) {
    // Each round starts with another configuration, so none always runs first (or after the same one).
    const order = entries.map((_, i) => entries[(i + round) % entries.length]);
    for (const { backend, config, timeBoxed } of order) {
      if (timeBoxed && round > 0) continue; // one window is enough for a configuration that cannot drain
      const label = `throughput ${config.system} ${config.name}`;
      const result = await throughput(backend, config, {
        tasks,
        processes: 1,
        timeBoxMs: timeBoxed ? sizes.timeBoxMs : undefined,
        databaseCpu: onPostgres(config),
      });
      checked(label, result);
      const db = result.databaseCpuMsPer1k === null ? '' : `, database ${fmt(result.databaseCpuMsPer1k)}`;
      say(
        `${label} (run ${round + 1}): ${fmt(result.jobsPerSec)} jobs/s, peak RSS ${fmt(result.peakRssMb)} MB, CPU ms per 1,000 jobs: worker ${fmt(result.workerCpuMsPer1k)}${db}${result.exactlyOnce ? '' : `, PROBLEMS: ${result.problems.join('; ')}`}`,
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
    };
  });
}

async function main(): Promise<void> {
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
  const all: { backend: Backend; config: Configuration; timeBoxed?: boolean }[] = [
    { backend: kronos as Backend, config: kronosDefaults },
    ...kronosVariants.map((config) => ({ backend: kronos, config })),
    { backend: graphile as Backend, config: graphileDefaults },
    { backend: graphile as Backend, config: graphileTuned },
    { backend: pgboss as Backend, config: pgbossDefaults, timeBoxed: true },
    { backend: pgboss as Backend, config: pgbossTuned },
  ].filter(({ config }) => !configsArg || configsArg.includes(`${config.system}:${config.name}`));

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
    cluster: [],
    bulkEnqueue: [],
    targets: [],
    runsChecked: 0,
    problems,
  };

  try {
    if (wants('throughput')) {
      say(
        `throughput: ${fmt(sizes.throughputTasks)} no-op tasks, one worker process, ${sizes.repeats} run(s) per configuration`,
      );
      results.throughput = await throughputFigures(all, sizes.throughputTasks, sizes.repeats);
      results.peakRss = results.throughput.map((f) => ({
        system: f.system,
        name: f.name,
        peakRssMb: f.peakRssMb,
        rssAtFirstTaskMb: f.median.rssAtFirstTaskMb,
      }));
    }

    if (wants('latency')) {
      say(
        `latency: ${sizes.latencyTasks} tasks enqueued one at a time at ${sizes.latencyRatePerSec}/s into an idle worker`,
      );
      for (const { backend, config, timeBoxed } of all) {
        const result = await latency(backend, config, {
          tasks: sizes.latencyTasks,
          ratePerSec: sizes.latencyRatePerSec,
          warmup: sizes.latencyWarmup,
          graceMs: timeBoxed ? sizes.timeBoxMs : 60_000,
        });
        // A configuration that cannot keep up leaves tasks unstarted: that is its figure, not a fault.
        checked(`latency ${config.system} ${config.name}`, {
          problems: result.problems.filter((p) => !p.includes('had not started') || !timeBoxed),
        });
        const call =
          result.enqueueP50 === null
            ? ''
            : `; the enqueue call itself p50 ${result.enqueueP50.toFixed(2)} ms, p99 ${result.enqueueP99!.toFixed(2)} ms`;
        const after =
          result.afterCommitP50 === null
            ? ''
            : `; from its return to the handler p50 ${result.afterCommitP50.toFixed(2)} ms, p99 ${result.afterCommitP99!.toFixed(2)} ms`;
        say(
          `latency ${config.system} ${config.name}: p50 ${result.p50.toFixed(2)} ms, p95 ${result.p95.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms${result.lowerBound ? ` (${result.notStarted} not started: lower bounds)` : ''}${call}${after}`,
        );
        results.latency.push({
          system: config.system,
          name: config.name,
          description: config.description,
          result,
        } satisfies LatencyFigure);
      }
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

    if (wants('cluster')) {
      say(`multi-process: ${sizes.clusterProcesses} worker processes drain ${fmt(sizes.clusterTasks)} tasks`);
      const clustered = all.filter(({ config }) =>
        config.system === 'kronos' ? config.name === 'defaults' : config.name === 'tuned',
      );
      for (const { backend, config } of clustered) {
        const result = await throughput(backend, config, {
          tasks: sizes.clusterTasks,
          processes: sizes.clusterProcesses,
          databaseCpu: true,
        });
        checked(`multi-process ${config.system} ${config.name}`, result);
        say(
          `multi-process ${config.system} ${config.name}: ${fmt(result.jobsPerSec)} jobs/s, exactly once: ${result.exactlyOnce ? 'yes' : result.problems.join('; ')}`,
        );
        results.cluster.push({
          system: config.system,
          name: config.name,
          description: config.description,
          result,
        } satisfies ClusterFigure);
      }
    }

    if (wants('bulk')) {
      say(
        `bulk enqueue: ${fmt(sizes.bulkTasks)} tasks from an idle system, 5,000 per call, best of ${sizes.bulkRepeats}`,
      );
      const kronosBulk = await kronos.bulkEnqueuer();
      try {
        for (const system of [kronosBulk, graphile.bulkEnqueuer(), pgboss.bulkEnqueuer(pgbossDefaults)]) {
          const { figure, problems: found } = await bulkEnqueue(system, sizes.bulkTasks, sizes.bulkRepeats);
          checked(`bulk enqueue ${system.system}`, { problems: found });
          say(
            `bulk enqueue ${system.system} (${system.call}): ${fmt(figure.rowsPerSec)} rows/s (${figure.seconds.toFixed(2)} s)`,
          );
          results.bulkEnqueue!.push(figure);
        }
      } finally {
        await kronosBulk.close();
      }
    }
  } finally {
    await Promise.allSettled([kronos.close(), graphile.close(), pgboss.close()]);
  }

  if (wants('sqlite')) {
    const options = kronosDataSourceOptions('sqlite');
    const sqlite = new KronosBackend('sqlite', options);
    await sqlite.setUp();
    try {
      const [config] = kronosConfigurations('sqlite', options);
      const [tp] = await throughputFigures([{ backend: sqlite, config }], sizes.throughputTasks, 1);
      const lat = await latency(sqlite, config, {
        tasks: sizes.latencyTasks,
        ratePerSec: sizes.latencyRatePerSec,
        warmup: sizes.latencyWarmup,
        graceMs: 60_000,
        selfEnqueue: true,
      });
      checked('latency kronos sqlite', lat);
      say(
        `sqlite: ${fmt(tp.median.jobsPerSec)} jobs/s; latency p50 ${lat.p50.toFixed(2)} ms, p95 ${lat.p95.toFixed(2)} ms, p99 ${lat.p99.toFixed(2)} ms`,
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
        const [tp] = await throughputFigures([{ backend: maria, config }], sizes.mysqlTasks, 1);
        results.mysql = { throughput: tp };
      } finally {
        await maria.close();
      }
    }
  }

  results.load.after = loadavg()[0];
  results.runsChecked = runsChecked;
  results.targets = judge(results);
  const text = markdown(results);
  console.log(`\n${text}`);
  const dir = join(import.meta.dirname, '..', '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  // Only a full run replaces the published results; smoke and partial runs write scratch files.
  const partial = Boolean(only || configsArg || tasksArg || repeatsArg || process.env.BENCH_KRONOS_VARIANTS);
  const base = smoke ? 'smoke' : partial ? 'partial' : 'results';
  const suffix = smoke || partial ? '.tmp' : '';
  writeFileSync(join(dir, `${base}.json${suffix}`), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(dir, `${base}.md${suffix}`), text);
  say(`written to bench/results/${base}.json${suffix} and ${base}.md${suffix}`);
  if (problems.length) {
    console.error(`\nbench: FAILED exactly-once checks:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exitCode = 1;
  }
}

await main();
// Pools of the peers' libraries may keep timers alive.
process.exit(process.exitCode ?? 0);
