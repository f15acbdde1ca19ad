import 'reflect-metadata';
import { KronosBackend, kronosDataSourceOptions } from '../systems/kronos.js';
import { WORKER_APPLICATION } from '../support/pg-cpu.js';
import { readFileSync } from 'node:fs';
import pg from 'pg';
const stat = new pg.Client({ host: '127.0.0.1', user: 'postgres', database: 'kronos_h4' });
await stat.connect();
let pids: number[] = [];
const workerBackendCpuMs = async () => {
  let ticks = 0;
  for (const pid of pids) {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks * 10;
};
import { wallMs } from '../support/stats.js';
import type { TaskOutcome } from '../../lib/storage/engine.js';

const batch = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 3);
const k = new KronosBackend('postgres', { ...kronosDataSourceOptions('postgres'), applicationName: WORKER_APPLICATION } as never);
await k.setUp();
const e = k.storage;
for (let r = 0; r < rounds; r++) {
  await k.reset();
  await k.enqueueBulk(20000);
  let claimCpu = 0, compCpu = 0;
  pids = (await stat.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [WORKER_APPLICATION])).rows.map((r) => r.pid);
  const t0 = wallMs();
  for (;;) {
    let c0 = (await workerBackendCpuMs())!;
    const got = await e.claim({ worker: 'w', groups: ['main'], jobNames: ['bench.noop'], limit: batch, now: null });
    let c1 = (await workerBackendCpuMs())!;
    claimCpu += c1 - c0;
    if (!got.length) break;
    const now = Date.now();
    const outcomes: TaskOutcome[] = got.map((c) => ({ taskId: c.id, claimToken: c.claimToken, jobName: c.jobName, worker: 'w', attempt: c.attempt, runAs: null, scheduledFor: c.scheduledFor, runStatus: 'COMPLETED', startTime: now, stopTime: now, result: null, message: null, output: null, traceback: null, taskStatus: 'COMPLETED', nextRunTime: null, delayMs: 0, timesRun: 1, timesFailed: 0, nextAttempt: c.attempt }));
    c0 = (await workerBackendCpuMs())!;
    await e.complete(outcomes);
    c1 = (await workerBackendCpuMs())!;
    compCpu += c1 - c0;
  }
  console.log(`batch ${batch}: ${(wallMs() - t0).toFixed(0)} ms; backend CPU per 1k: claim ${(claimCpu / 20).toFixed(1)} ms, complete ${(compCpu / 20).toFixed(1)} ms`);
}
await k.close();
await stat.end();
