import { sleep, spread, wallMs, type Spread } from '../support/stats.js';
import type { KronosBackend } from '../systems/kronos.js';
import type { PgBossBackend } from '../systems/pgboss.js';
import { pgbossConfigurations } from '../systems/pgboss.js';

export interface ClaimCostResult {
  system: string;
  history: number;
  /** Median wall time of one claim of 50 due tasks, ms (client round trip included). */
  medianMs: number;
  /** Fastest and slowest claim, ms. */
  min?: number;
  max?: number;
  /** Every timed claim, with the bootstrap interval of the median. */
  spread?: Spread;
  claims: number;
}

function figure(system: string, history: number, times: number[], claims: number): ClaimCostResult {
  const s = spread(times);
  return { system, history, medianMs: s.median, min: s.min, max: s.max, spread: s, claims };
}

const BATCH = 50;
const WARMUP = 5;

/**
 * Let the writes of the set-up settle before timing: a checkpoint flushes what the big insert
 * dirtied (best effort: it needs a superuser or pg_checkpoint), so the claims do not run against
 * the background writer.
 */
async function settle(query: (sql: string) => Promise<unknown>): Promise<void> {
  await query('CHECKPOINT').catch(() => undefined);
  await sleep(500);
}

async function timeClaims(claims: number, claim: () => Promise<number>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + claims; i++) {
    const t = wallMs();
    const got = await claim();
    if (got !== BATCH) throw new Error(`claim returned ${got} task(s), ${BATCH} expected`);
    if (i >= WARMUP) times.push(wallMs() - t);
  }
  return times;
}

/**
 * Claim cost against history: the tables hold `history` finished tasks (and as many run rows),
 * inserted with one `INSERT ... SELECT generate_series` each, plus enough due tasks for the
 * claims. Tables are VACUUM ANALYZEd, as autovacuum would have done on a live system, and
 * checkpointed before the claims are timed.
 */
export async function kronosClaimCost(
  backend: KronosBackend,
  sizes: number[],
  claims: number,
): Promise<ClaimCostResult[]> {
  const ds = backend.dataSource;
  await backend.reset();
  const results: ClaimCostResult[] = [];
  let have = 0;
  for (const history of sizes) {
    await ds.query(`DELETE FROM kronos_task WHERE status <> 'COMPLETED'`);
    await ds.query(
      `INSERT INTO kronos_task (uuid, job_name, payload, status, group_name, priority, next_run_time, retries, attempt,
                                times_run, times_failed, repeats, last_run_time, stop_requested, created_at, updated_at)
       SELECT 'history-' || g, 'bench.noop', '{"n":0}', 'COMPLETED', 'main', 0, 1700000000000 + g, 0, 1, 1, 0, 0,
              1700000000000 + g, false, 1700000000000 + g, 1700000000000 + g
         FROM generate_series($1::int, $2::int) g`,
      [have + 1, history],
    );
    await ds.query(
      `INSERT INTO kronos_run (task_id, job_name, status, worker, attempt, scheduled_for, start_time, stop_time, duration_ms)
       SELECT g, 'bench.noop', 'COMPLETED', 'history', 1, 1700000000000 + g, 1700000000000 + g, 1700000000001 + g, 1
         FROM generate_series($1::int, $2::int) g`,
      [have + 1, history],
    );
    have = history;
    await backend.enqueueBulk(BATCH * (WARMUP + claims));
    await ds.query('VACUUM ANALYZE kronos_task, kronos_run');
    await settle((sql) => ds.query(sql));
    const engine = backend.storage;
    const times = await timeClaims(claims, async () => {
      const claimed = await engine.claim({
        worker: 'bench-claim',
        groups: ['main'],
        jobNames: ['bench.noop'],
        limit: BATCH,
        now: null,
      });
      return claimed.length;
    });
    results.push(figure('kronos', history, times, claims));
  }
  return results;
}

/** The same for pg-boss: completed jobs of the queue as history, `fetch(queue, { batchSize: 50 })` as the claim. */
export async function pgbossClaimCost(
  backend: PgBossBackend,
  sizes: number[],
  claims: number,
): Promise<ClaimCostResult[]> {
  await backend.reset(pgbossConfigurations()[0]);
  const results: ClaimCostResult[] = [];
  let have = 0;
  for (const history of sizes) {
    await backend.query(`DELETE FROM pgboss.job WHERE name = $1 AND state <> 'completed'`, [backend.queue]);
    await backend.query(
      `INSERT INTO pgboss.job (name, data, state, created_on, start_after, started_on, completed_on)
       SELECT $1, jsonb_build_object('n', g), 'completed', now() - interval '1 hour', now() - interval '1 hour',
              now() - interval '1 hour', now() - interval '1 hour'
         FROM generate_series($2::int, $3::int) g`,
      [backend.queue, have + 1, history],
    );
    have = history;
    await backend.enqueueBulk(BATCH * (WARMUP + claims));
    await backend.query('VACUUM ANALYZE pgboss.job_common');
    await settle((sql) => backend.query(sql));
    const times = await timeClaims(
      claims,
      async () => (await backend.instance.fetch(backend.queue, { batchSize: BATCH })).length,
    );
    results.push(figure('pg-boss', history, times, claims));
  }
  return results;
}
