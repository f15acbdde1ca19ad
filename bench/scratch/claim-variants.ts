import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { KronosBackend, kronosDataSourceOptions } from '../systems/kronos.js';
import { WORKER_APPLICATION } from '../support/pg-cpu.js';
import { claimStatement } from '../../lib/storage/postgres/claim.sql.js';
import { pgTables } from '../../lib/storage/postgres/tables.js';
import { poolQuery, statement } from '../../lib/storage/postgres/sql.js';

const stat = new pg.Client({ host: '127.0.0.1', user: 'postgres', database: 'kronos_h4' });
await stat.connect();
let pids: number[] = [];
const cpu = () => pids.reduce((sum, pid) => { const st = readFileSync(`/proc/${pid}/stat`, 'utf8'); const f = st.slice(st.lastIndexOf(')') + 2).split(' '); return sum + (Number(f[11]) + Number(f[12])) * 10; }, 0);
const k = new KronosBackend('postgres', { ...kronosDataSourceOptions('postgres'), applicationName: WORKER_APPLICATION } as never);
await k.setUp();
const t = pgTables(k.dataSource);
const pool = (k.dataSource.driver as any).master;
const base = claimStatement(t);
const hoisted = statement('claim_hoisted', base.text
  .replace(`AND t.job_name = ANY($3::text[])
              AND NOT EXISTS (SELECT 1 FROM ${t.job} j WHERE j.name = t.job_name AND (NOT j.active OR j.missing))`,
           `AND t.job_name = ANY (ARRAY(SELECT n FROM unnest($3::text[]) AS n WHERE NOT EXISTS (SELECT 1 FROM ${t.job} j WHERE j.name = n AND (NOT j.active OR j.missing))))`));
if (hoisted.text === base.text) throw new Error('no replace');
const variants: Record<string, any> = { base, hoisted };
for (let r = 0; r < 2; r++) for (const [name, sql] of Object.entries(variants)) {
  await k.reset();
  await k.enqueueBulk(20000);
  pids = (await stat.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [WORKER_APPLICATION])).rows.map((r) => r.pid);
  let c = 0;
  for (;;) {
    const c0 = cpu();
    const { rows } = await poolQuery(pool, sql, ['w', ['main'], ['bench.noop'], 200, null, randomUUID()]);
    c += cpu() - c0;
    if (!rows.length) break;
  }
  console.log(`${name}: claim backend CPU per 1k ${(c / 20).toFixed(1)} ms`);
}
await k.close();
await stat.end();
