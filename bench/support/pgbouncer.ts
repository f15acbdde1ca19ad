import { PgBouncer as Launcher } from '../../test/support/pgbouncer-process.js';

export { PGBOUNCER_BIN, pgbouncerInstalled } from '../../test/support/pgbouncer-process.js';

/**
 * The benchmark's PgBouncer in front of its PostgreSQL server: the specs' launcher
 * (test/support/pgbouncer-process.ts) in transaction pooling mode with `poolSize` server
 * connections per database and user.
 */
export class PgBouncer extends Launcher {
  constructor(readonly poolSize: number) {
    super({ poolSize, poolMode: 'transaction' });
  }
}
