import type { Pool } from 'pg';
import type { PgTables } from './tables.js';

/**
 * The task table's `fillfactor`: inserts fill a page to 70%, leaving the rest for the versions
 * the claim and the completion write (docs/performance.md, "Database cost per job").
 */
export const TASK_FILLFACTOR = 70;

/**
 * Applications on `synchronize` get the fillfactor of migration 1773 at start-up: set when the
 * task table has none, left alone when one was set (by the migration, or by a DBA who chose
 * another). Read from the catalog first: ALTER TABLE takes a lock, however briefly.
 */
export async function ensureTaskFillfactor(pool: Pool, t: PgTables): Promise<void> {
  const { rows } = await pool.query<{ set: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM unnest(c.reloptions) AS o WHERE o LIKE 'fillfactor=%') AS set
       FROM pg_class c WHERE c.oid = $1::regclass AND c.relkind = 'r'`,
    [t.task],
  );
  if (rows[0]?.set !== false) return;
  await pool.query(`ALTER TABLE ${t.task} SET (fillfactor = ${TASK_FILLFACTOR})`);
}
