import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { KronosBackend, kronosDataSourceOptions } from '../systems/kronos.js';
import { claimStatement } from '../../lib/storage/postgres/claim.sql.js';
import { pgTables } from '../../lib/storage/postgres/tables.js';
import { percentile, wallMs } from '../support/stats.js';

const k = new KronosBackend('postgres', kronosDataSourceOptions('postgres'));
await k.setUp();
await k.reset();
const e = k.storage;
const task = () => ({ uuid: randomUUID(), jobName: 'bench.noop', payload: '{"n":1}', group: 'main', priority: 0, nextRunTime: null, stopTime: null, timeoutMs: null, retries: 0, runAs: null, queuedBy: null, schedule: null, repeats: 0 });
const v: number[] = [];
for (let i = 0; i < 300; i++) {
  await e.enqueue([task()]);
  const t = wallMs();
  await e.claim({ worker: 'w', groups: ['main'], jobNames: ['bench.noop'], limit: 12, now: null });
  v.push(wallMs() - t);
}
console.log('claim p50', percentile(v, 50).toFixed(2), 'p95', percentile(v, 95).toFixed(2));
await e.enqueue([task()]);
const sql = claimStatement(pgTables(k.dataSource));
const plan = await k.dataSource.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql.text}`, ['w', ['main'], ['bench.noop'], 12, null, 'tok']);
console.log(plan.map((r: any) => r['QUERY PLAN']).join('\n'));
await k.close();
