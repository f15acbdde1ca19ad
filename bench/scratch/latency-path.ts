import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { KronosBackend, kronosDataSourceOptions } from '../systems/kronos.js';
import { percentile, sleep, wallMs } from '../support/stats.js';
import { createEngine } from '../../lib/storage/create-engine.js';
import { DataSource } from 'typeorm';
import { KRONOS_ENTITIES } from '../../lib/index.js';

const k = new KronosBackend('postgres', kronosDataSourceOptions('postgres'));
await k.setUp();
await k.reset();
const ds2 = new DataSource({ ...kronosDataSourceOptions('postgres'), entities: KRONOS_ENTITIES } as never);
await ds2.initialize();
const worker = await createEngine(ds2);
await worker.start();
const producer = k.storage;
const signal = new AbortController().signal;
const steps: Record<string, number[]> = { enqueue: [], wake: [], claim: [], total: [] };
for (let i = 0; i < 300; i++) {
  const waiting = worker.waitForWork(1000, signal).then(() => wallMs());
  await sleep(20);
  const t0 = wallMs();
  await producer.enqueue([{ uuid: randomUUID(), jobName: 'bench.noop', payload: '{"n":1}', group: 'main', priority: 0, nextRunTime: null, stopTime: null, timeoutMs: null, retries: 0, runAs: null, queuedBy: null, schedule: null, repeats: 0 }]);
  const t1 = wallMs();
  const t2 = await waiting;
  const got = await worker.claim({ worker: 'w', groups: ['main'], jobNames: ['bench.noop'], limit: 12, now: null });
  const t3 = wallMs();
  if (got.length !== 1) console.log('claimed', got.length);
  if (i >= 20) {
    steps.enqueue.push(t1 - t0); steps.wake.push(t2 - t1); steps.claim.push(t3 - t2); steps.total.push(t3 - t0);
  }
}
for (const [name, v] of Object.entries(steps)) console.log(name.padEnd(8), 'p50', percentile(v, 50).toFixed(2), 'p95', percentile(v, 95).toFixed(2), 'p99', percentile(v, 99).toFixed(2));
await worker.close(); await ds2.destroy(); await k.close();
