import 'reflect-metadata';
import { KronosBackend, kronosDataSourceOptions } from '../systems/kronos.js';
import { wallMs, median } from '../support/stats.js';
import type { TaskOutcome } from '../../lib/storage/engine.js';

const batch = Number(process.argv[2] ?? 100);
const k = new KronosBackend('postgres', kronosDataSourceOptions('postgres'));
await k.setUp();
await k.enqueueBulk(20000);
const e = k.storage;
const claimT: number[] = [], compT: number[] = [];
const t0 = wallMs();
let done = 0;
for (;;) {
  let t = wallMs();
  const got = await e.claim({ worker: 'w', groups: ['main'], jobNames: ['bench.noop'], limit: batch, now: null });
  claimT.push(wallMs() - t);
  if (!got.length) break;
  const now = Date.now();
  const outcomes: TaskOutcome[] = got.map((c) => ({ taskId: c.id, claimToken: c.claimToken, jobName: c.jobName, worker: 'w', attempt: c.attempt, runAs: null, scheduledFor: c.scheduledFor, runStatus: 'COMPLETED', startTime: now, stopTime: now, result: null, message: null, output: null, traceback: null, taskStatus: 'COMPLETED', nextRunTime: null, delayMs: 0, timesRun: 1, timesFailed: 0, nextAttempt: c.attempt }));
  t = wallMs();
  await e.complete(outcomes);
  compT.push(wallMs() - t);
  done += got.length;
}
const total = wallMs() - t0;
console.log(`batch ${batch}: ${done} in ${total.toFixed(0)} ms = ${(done / total * 1000).toFixed(0)}/s; claim median ${median(claimT).toFixed(2)} ms, complete median ${median(compT).toFixed(2)} ms`);
await k.close();
