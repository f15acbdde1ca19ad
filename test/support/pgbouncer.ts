import { PGBOUNCER_BIN, pgbouncerInstalled } from './pgbouncer-process.js';
import { banner, isCI } from './settings.js';

export { PgBouncer, PGBOUNCER_BIN, type PgBouncerOptions } from './pgbouncer-process.js';

/**
 * Declare a suite that needs the pgbouncer binary. Without it the suite is skipped with a loud
 * notice, or fails when `CI=true` (CI installs Debian's pgbouncer package).
 */
export function describeWithPgBouncer(title: string, body: () => void): void {
  if (pgbouncerInstalled()) {
    describe(title, body);
    return;
  }
  const lines = [
    `pgbouncer is not installed (${PGBOUNCER_BIN} is missing).`,
    `Suite "${title}" cannot run.`,
    'Install it (apt-get install -y pgbouncer) or set PGBOUNCER_BIN.',
  ];
  if (isCI()) {
    describe(title, () => {
      it('needs the pgbouncer binary (CI=true)', () => {
        throw new Error(banner(lines));
      });
    });
  } else {
    console.warn(banner(['SKIPPED', ...lines]));
    describe.skip(title, body);
  }
}
