/**
 * Where the wake-up goes: a probe, not part of `npm run bench`.
 *
 * A worker process (this file again, forked) runs Kronos with its defaults; this process enqueues
 * `bench.noop` tasks one at a time through `SchedulerService.enqueue` in a worker-less application
 * at 50/s, 500/s and 2,000/s, and every step between the enqueue's return and the handler's first
 * line is timestamped on one wall clock (`performance.timeOrigin + performance.now()`):
 *
 *   enqueue called → enqueue returned (producer)
 *   NOTIFY received (the listener connection's `notification` event, worker)
 *   claim started (the worker loop's claim), claim sent (the pooled connection's `query`),
 *   claim answered (its callback), claim returned (the worker loop has the tasks)
 *   handler started
 *
 * The timestamps come from patches this probe applies to the worker process only (pg's Client,
 * the worker's claim); the library has no hook and pays nothing for this probe.
 *
 *   node node_modules/typescript/bin/tsc -p bench/tsconfig.json --outDir .build/wake
 *   PGDATABASE=kronos_wake_probe node .build/wake/bench/probes/wakeup.js [--rates=50,500,2000] [--seconds=10] [--runs=1]
 *
 * It drops and rebuilds the Kronos tables of PGDATABASE (default `kronos_wake_probe`).
 */
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { percentile, sleep, wallMs } from '../support/stats.js';

const CHILD = 'KRONOS_WAKE_PROBE_CHILD';
process.env.PGDATABASE ||= 'kronos_wake_probe';

interface ClaimTrace {
  started: number;
  sent: number;
  answered: number;
  returned: number;
  tasks: number[];
}

type Answer = { rows: { payload: string }[] };

interface ChildReport {
  starts: number[];
  notifications: number[];
  claims: ClaimTrace[];
}

type ChildMessage = { type: 'ready' } | { type: 'report'; report: ChildReport };

async function child(): Promise<void> {
  const expected = Number(process.env.KRONOS_WAKE_PROBE_EXPECTED);
  const starts = new Float64Array(expected);
  const notifications: number[] = [];
  const claims: ClaimTrace[] = [];
  let current: ClaimTrace | undefined;

  // The NOTIFY as the worker process receives it (the listener connection's event).
  const pg = (await import('pg')).default;
  const clientProto = pg.Client.prototype as unknown as {
    emit: (this: unknown, event: string, ...args: unknown[]) => boolean;
    query: (this: unknown, ...args: unknown[]) => unknown;
  };
  const emit = clientProto.emit;
  clientProto.emit = function (this: unknown, event: string, ...args: unknown[]) {
    if (event === 'notification' && (args[0] as { channel: string }).channel === 'kronos_task')
      notifications.push(wallMs());
    return emit.call(this, event, ...args);
  };
  // The claim on the pooled connection: when it goes out, when its answer is parsed.
  const query = clientProto.query;
  clientProto.query = function (this: unknown, ...args: unknown[]) {
    const config = args[0] as { name?: string } | string;
    const trace = current;
    if (!trace || typeof config !== 'object' || !config?.name?.includes('_claim_')) return query.apply(this, args);
    trace.sent = wallMs();
    const answered = (result: Answer | undefined) => {
      trace.answered = wallMs();
      if (result?.rows) trace.tasks = result.rows.map((row) => JSON.parse(row.payload).n as number);
    };
    if (typeof args[2] === 'function') {
      // through the pool: query(config, values, callback)
      const callback = args[2] as (error: unknown, result: Answer) => void;
      args[2] = (error: unknown, result: Answer) => {
        answered(result);
        callback(error, result);
      };
      return query.apply(this, args);
    }
    return (query.apply(this, args) as Promise<Answer>).then((result) => {
      answered(result);
      return result;
    });
  };
  // The worker loop's claim: started, and returned with its tasks.
  const { TaskWorker } = await import('../../lib/worker/worker.js');
  const workerProto = TaskWorker.prototype as unknown as {
    claim: (this: unknown, limit: number) => Promise<unknown[]>;
  };
  const claim = workerProto.claim;
  workerProto.claim = function (this: unknown, limit: number) {
    const trace: ClaimTrace = { started: wallMs(), sent: 0, answered: 0, returned: 0, tasks: [] };
    current = trace; // the claim's query goes out a tick or two later, on a pooled connection
    const result = claim.call(this, limit);
    claims.push(trace);
    return result.then((tasks) => {
      trace.returned = wallMs();
      return tasks;
    });
  };

  const { Injectable, Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { TypeOrmModule } = await import('@nestjs/typeorm');
  const { Job, SchedulerModule } = await import('../../lib/index.js');
  const { kronosDataSourceOptions } = await import('../systems/kronos.js');

  @Injectable()
  class ProbeJobs {
    @Job('bench.noop')
    noop(payload: { n: number }) {
      const t = wallMs();
      if (payload.n < expected && starts[payload.n] === 0) starts[payload.n] = t;
    }
  }
  @Module({
    imports: [
      TypeOrmModule.forRoot({ ...kronosDataSourceOptions('postgres'), autoLoadEntities: true, synchronize: false }),
      SchedulerModule.forRoot({ worker: {} }),
    ],
    providers: [ProbeJobs],
  })
  class ProbeWorkerModule {}

  const app = await NestFactory.createApplicationContext(ProbeWorkerModule, { logger: ['error', 'warn'] });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'report') {
      const report: ChildReport = { starts: Array.from(starts), notifications, claims };
      process.send!({ type: 'report', report } satisfies ChildMessage);
    }
    if (message.type === 'stop') void app.close().finally(() => process.exit(0));
  });
  process.send!({ type: 'ready' } satisfies ChildMessage);
}

const stat = (values: number[]) => {
  const v = values.filter(Number.isFinite);
  return v.length === 0
    ? 'n/a'
    : `${percentile(v, 50).toFixed(2)} / ${percentile(v, 90).toFixed(2)} / ${percentile(v, 99).toFixed(2)}`;
};

async function runRate(rate: number, seconds: number): Promise<Record<string, number[]>> {
  const { KronosBackend, kronosDataSourceOptions } = await import('../systems/kronos.js');
  const backend = new KronosBackend('postgres', kronosDataSourceOptions('postgres'));
  // Every table of the probe's own database goes, whatever an earlier version created.
  await backend.dataSource.initialize();
  await backend.dataSource.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  await backend.dataSource.destroy();
  await backend.setUp();
  const tasks = Math.round(rate * seconds);
  const warmup = 50;
  const worker = fork(fileURLToPath(import.meta.url), process.argv.slice(2), {
    env: { ...process.env, [CHILD]: '1', KRONOS_WAKE_PROBE_EXPECTED: String(tasks + warmup) },
    stdio: 'inherit',
  });
  const messages: ChildMessage[] = [];
  let notify: (() => void) | undefined;
  worker.on('message', (m: ChildMessage) => {
    messages.push(m);
    notify?.();
  });
  const next = async <T extends ChildMessage['type']>(type: T) => {
    for (;;) {
      const found = messages.find((m) => m.type === type);
      if (found) return found as Extract<ChildMessage, { type: T }>;
      await new Promise<void>((resolve) => (notify = resolve));
    }
  };
  await next('ready');
  await sleep(1000);
  const producer = await backend.producer();
  const called = new Float64Array(tasks);
  const returned = new Float64Array(tasks);
  try {
    for (let i = 0; i < warmup; i++) {
      await producer.enqueue(tasks + i);
      await sleep(20);
    }
    await sleep(1000);
    const gap = 1000 / rate;
    const pending = new Set<Promise<void>>();
    const t0 = wallMs();
    for (let n = 0; n < tasks; n++) {
      const wait = t0 + n * gap - wallMs();
      if (wait > 0.5) await sleep(wait);
      // On time even when an enqueue takes longer than the gap: enqueues overlap (up to 10).
      while (pending.size >= 10) await Promise.race(pending);
      called[n] = wallMs();
      const p: Promise<void> = producer.enqueue(n).then(() => {
        returned[n] = wallMs();
        pending.delete(p);
      });
      pending.add(p);
    }
    await Promise.all(pending);
    await sleep(2000);
  } finally {
    await producer.close();
  }
  worker.send({ type: 'report' });
  const { report } = await next('report');
  worker.send({ type: 'stop' });
  await new Promise((resolve) => worker.once('exit', resolve));
  await backend.dataSource.destroy();
  await backend.storage.close();

  const claimOf = new Map<number, ClaimTrace>();
  for (const claim of report.claims) for (const n of claim.tasks) if (n < tasks) claimOf.set(n, claim);
  const notes = report.notifications;
  const stages: Record<string, number[]> = {
    'enqueue call (insert + commit)': [],
    'return → NOTIFY received': [],
    'NOTIFY → claim started (dispatch)': [],
    'claim started → sent (pool checkout)': [],
    'claim sent → answered (round trip)': [],
    'claim answered → returned to loop': [],
    'claim returned → handler started': [],
    'return → handler (wake-up)': [],
    'call → handler (end to end)': [],
  };
  let missing = 0;
  for (let n = 0; n < tasks; n++) {
    const start = report.starts[n];
    const claim = claimOf.get(n);
    if (!start || !claim) {
      missing++;
      continue;
    }
    // The wake-up that started this task's claim: the last NOTIFY before the claim, if it came
    // after the enqueue was called (otherwise the loop was claiming anyway).
    let lo = 0;
    let hi = notes.length; // first notification after the claim started
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (notes[mid] <= claim.started) lo = mid + 1;
      else hi = mid;
    }
    const note = lo > 0 && notes[lo - 1] >= called[n] ? notes[lo - 1] : Number.NaN;
    stages['enqueue call (insert + commit)'].push(returned[n] - called[n]);
    stages['return → NOTIFY received'].push(note - returned[n]);
    stages['NOTIFY → claim started (dispatch)'].push(claim.started - note);
    stages['claim started → sent (pool checkout)'].push(claim.sent - claim.started);
    stages['claim sent → answered (round trip)'].push(claim.answered - claim.sent);
    stages['claim answered → returned to loop'].push(claim.returned - claim.answered);
    stages['claim returned → handler started'].push(start - claim.returned);
    stages['return → handler (wake-up)'].push(start - returned[n]);
    stages['call → handler (end to end)'].push(start - called[n]);
  }
  const runCount = report.starts.filter((s) => s > 0).length;
  console.log(
    `\n${rate}/s, ${tasks} tasks: ${missing} not traced, ${runCount} handler starts (of ${tasks + warmup}), ${report.claims.length} claims, ${notes.length} notifications`,
  );
  console.log('| step | p50 / p90 / p99, ms |\n|---|---:|');
  for (const [name, values] of Object.entries(stages)) console.log(`| ${name} | ${stat(values)} |`);
  return stages;
}

async function main(): Promise<void> {
  const arg = (name: string, fallback: string) =>
    process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  const rates = arg('rates', '50,500,2000').split(',').map(Number);
  const seconds = Number(arg('seconds', '10'));
  const runs = Number(arg('runs', '1'));
  const { ensurePostgresDatabase } = await import('../support/databases.js');
  const { postgres } = await import('../support/settings.js');
  await ensurePostgresDatabase(postgres());
  for (let r = 0; r < runs; r++) for (const rate of rates) await runRate(rate, seconds);
  process.exit(0);
}

if (process.env[CHILD]) await child();
else await main();
