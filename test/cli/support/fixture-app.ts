import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { KRONOS_ENTITIES } from '../../../lib/index.js';
import type { Dialect } from '../../support/databases.js';
import { freshDatabase, type TestDatabase } from '../../support/test-app.js';
import { FIXTURE_APP, fixtureEnv, kronos, scratchDir, type CliOptions, type CliResult } from './kronos-cli.js';

/** The fixture app's scheduler.ini: one handler scheduled for two customers, and two bad sections. */
export const FIXTURE_INI = `; one handler, scheduled for two customers
[report.acme]
call = report.send
every = 1 hour
to = acme@example.com
format = pdf
copies = 2

[report.globex]
callback = report.send
frequency = 2 hours
to = globex@example.com
active = no

[cleanup.nightly]
call = cleanup.hourly
every = day
at = 02:30
timezone = Europe/Berlin
deep = true

[bad.call]
call = does.not.exist
every = 1 hour

[bad.schedule]
call = report.send
every = 5 lightyears
`;

/** Open a DataSource on `options` with the Kronos entities, run `work`, close it. */
export async function inspectDatabase<T>(options: DataSourceOptions, work: (ds: DataSource) => Promise<T>): Promise<T> {
  const ds = new DataSource({ ...options, entities: KRONOS_ENTITIES });
  await ds.initialize();
  try {
    return await work(ds);
  } finally {
    await ds.destroy();
  }
}

export interface FixtureApp {
  db: TestDatabase;
  dir: string;
  /** The configFile (FIXTURE_INI unless a test rewrites it). */
  ini: string;
  options: CliOptions;
  /** `kronos ...args --app <fixture app>` on this test's database. */
  cli(...args: string[]): Promise<CliResult>;
  /**
   * The same on a database of its own, for commands run side by side that need no shared state
   * (processes starting together on one SQLite file queue on its write lock).
   */
  cliAlone(...args: string[]): Promise<CliResult>;
  /** Handler calls the fixture app recorded, in order. */
  calls(): string[];
  inspect<T>(work: (ds: DataSource) => Promise<T>): Promise<T>;
}

/** A fresh database, configFile and call log for each test of the suite. */
export function useFixtureApp(dialect: Dialect): FixtureApp {
  const fx = {} as FixtureApp;
  beforeEach(async () => {
    fx.db = await freshDatabase(dialect);
    fx.dir = scratchDir('kronos-cli-');
    fx.ini = join(fx.dir, 'scheduler.ini');
    const log = join(fx.dir, 'calls.log');
    writeFileSync(fx.ini, FIXTURE_INI);
    fx.options = { env: fixtureEnv(fx.db.options, { KRONOS_INI: fx.ini, KRONOS_FIXTURE_LOG: log }) };
    fx.cli = (...args) => kronos([...args, '--app', FIXTURE_APP], fx.options);
    fx.cliAlone = async (...args) => {
      if (dialect !== 'sqlite')
        throw new Error(
          'cliAlone() needs SQLite: freshDatabase() on a server reuses (and empties) the one test database',
        );
      const own = await freshDatabase('sqlite');
      return kronos([...args, '--app', FIXTURE_APP], { env: { ...fx.options.env, ...fixtureEnv(own.options) } });
    };
    fx.calls = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
    fx.inspect = (work) => inspectDatabase(fx.db.options, work);
  });
  return fx;
}
