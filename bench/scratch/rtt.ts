import pg from 'pg';
import { percentile, wallMs } from '../support/stats.js';
const c = new pg.Client({ host: '127.0.0.1', user: 'postgres', database: 'kronos_h4' });
await c.connect();
await c.query('CREATE TABLE IF NOT EXISTS kronos_h4_rtt (x int)');
for (const [name, q] of [['select1', 'SELECT 1'], ['insert-sync', 'INSERT INTO kronos_h4_rtt VALUES (1)'], ['insert-async', "WITH c AS (SELECT set_config('synchronous_commit','off',true)) INSERT INTO kronos_h4_rtt SELECT 1 FROM c"]] as const) {
  const v: number[] = [];
  for (let i = 0; i < 200; i++) { const t = wallMs(); await c.query({ name, text: q }); v.push(wallMs() - t); await new Promise((r) => setTimeout(r, 5)); }
  console.log(name.padEnd(14), 'p50', percentile(v, 50).toFixed(2), 'p95', percentile(v, 95).toFixed(2), 'p99', percentile(v, 99).toFixed(2));
}
await c.query('DROP TABLE kronos_h4_rtt');
await c.end();
