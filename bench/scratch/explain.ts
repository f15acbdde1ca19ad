import 'reflect-metadata';
import { KronosBackend, kronosDataSourceOptions } from '../systems/kronos.js';
import { completeStatement } from '../../lib/storage/postgres/complete.sql.js';
import { claimStatement } from '../../lib/storage/postgres/claim.sql.js';
import { pgTables } from '../../lib/storage/postgres/tables.js';

const k = new KronosBackend('postgres', kronosDataSourceOptions('postgres'));
await k.setUp();
await k.enqueueBulk(20000);
const ds = k.dataSource;
const t = pgTables(ds);
const claim = claimStatement(t);
const complete = completeStatement(t);
for (let round = 0; round < 3; round++) {
  const plan1 = await ds.query(`EXPLAIN (ANALYZE, BUFFERS, WAL) ${claim.text}`, ['w', ['main'], ['bench.noop'], 200, null, 'tok' + round]);
  console.log(plan1.map((r: any) => r['QUERY PLAN']).filter((l: string) => /Execution|Planning Time|WAL|^ *(Update|Insert|->  (Update|Insert|Index Scan|LockRows|Hash|Function))/.test(l)).join('\n'));
  const rows = await ds.query(`SELECT id, claim_token, attempt, next_run_time FROM kronos_task WHERE claim_token = $1`, ['tok' + round]);
  const now = Date.now();
  const col = (f: (r: any) => unknown) => rows.map(f);
  const plan2 = await ds.query(`EXPLAIN (ANALYZE, BUFFERS, WAL) ${complete.text}`, [
    col((r) => r.id), col((r) => r.claim_token), col(() => 'bench.noop'), col(() => 'w'), col((r) => r.attempt), col(() => null), col((r) => r.next_run_time),
    col(() => 'COMPLETED'), col(() => now), col(() => now), col(() => null), col(() => null), col(() => null), col(() => null), col(() => 'COMPLETED'),
    col(() => null), col(() => 0), col(() => 1), col(() => 0), col((r) => r.attempt),
  ]);
  console.log(plan2.map((r: any) => r['QUERY PLAN']).filter((l: string) => /Execution|Planning Time|WAL|^ *(Update|Insert|->  (Update|Insert|Index Scan|Hash|Function|Nested|Merge))/.test(l)).join('\n'));
  console.log('----');
}
await k.close();
