import { readFileSync } from 'node:fs';
import pg from 'pg';
import { connectionString, postgres } from './settings.js';

/** Worker processes connect with this application name, so their server backends can be found. */
export const WORKER_APPLICATION = 'bench-worker';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * CPU time the PostgreSQL backends serving the worker processes have used so far, ms (Linux
 * /proc, same machine only; null elsewhere). The difference over a run is the server's work for
 * it, whatever else loads the machine.
 */
export async function workerBackendCpuMs(): Promise<number | null> {
  const client = new pg.Client({ connectionString: connectionString(postgres()) });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE $1`,
      [`${WORKER_APPLICATION}%`],
    );
    let ticks = 0;
    for (const { pid } of rows) {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    }
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  } finally {
    await client.end();
  }
}
