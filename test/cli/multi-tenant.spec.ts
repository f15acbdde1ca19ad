import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { Task } from '../../lib/index.js';
import { createTestDataSource, describeForDialects, type Dialect } from '../support/databases.js';
import { freshDatabase, waitFor } from '../support/test-app.js';
import { inspectDatabase } from './support/fixture-app.js';
import {
  buildCliFixtures,
  FIXTURE_APP,
  fixtureEnv,
  json,
  kronos,
  scratchDir,
  startKronos,
} from './support/kronos-cli.js';

/** Each tenant's own scheduler.ini: the same handler, the tenant's own arguments. */
const tenantIni = (tenant: string) =>
  `[report.${tenant}]\ncall = report.send\nevery = 1 hour\nto = ops@${tenant}.example\n`;

interface Tenant {
  name: string;
  db: DataSourceOptions;
  env: Record<string, string | undefined>;
  log: string;
  cli(...args: string[]): Promise<Awaited<ReturnType<typeof kronos>>>;
  calls(): string[];
}

function tenant(name: string, db: DataSourceOptions, dir: string, extra: Record<string, string> = {}): Tenant {
  const ini = join(dir, `${name}.ini`);
  const log = join(dir, `${name}.log`);
  writeFileSync(ini, tenantIni(name));
  const env = fixtureEnv(db, { KRONOS_INI: ini, KRONOS_FIXTURE_LOG: log, ...extra });
  return {
    name,
    db,
    env,
    log,
    cli: (...args) => kronos([...args, '--app', FIXTURE_APP], { env }),
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
  };
}

/** Two tenants never see each other's jobs, tasks, runs or workers. */
async function expectIsolated(acme: Tenant, globex: Tenant): Promise<void> {
  const [acmeJobs, globexJobs] = await Promise.all([acme.cli('list', '--json'), globex.cli('list', '--json')]);
  const names = (result: Awaited<ReturnType<typeof kronos>>) =>
    json<any[]>(result)
      .filter((j) => j.source === 'ini')
      .map((j) => j.name);
  expect(names(acmeJobs)).toEqual(['report.acme']);
  expect(names(globexJobs)).toEqual(['report.globex']);

  const ran = await acme.cli('run', 'report.send', '--payload', '{"to":"someone@acme.example"}', '--json');
  expect(json(ran)).toMatchObject({ task: { status: 'COMPLETED' } });
  const [acmeRuns, globexRuns] = await Promise.all([acme.cli('runs', '--json'), globex.cli('runs', '--json')]);
  expect(json<any[]>(acmeRuns).map((r) => r.jobName)).toEqual(['report.send']);
  expect(json<any[]>(globexRuns)).toEqual([]);

  // Both tenants' recurring sections fall due; only the tenant's own worker runs its own.
  for (const t of [acme, globex]) {
    await inspectDatabase(t.db, (ds) =>
      ds.getRepository(Task).update({ uuid: `kronos:schedule:report.${t.name}` }, { nextRunTime: Date.now() - 1000 }),
    );
  }
  const worker = startKronos(['worker', '--app', FIXTURE_APP], { env: globex.env });
  await worker.waitFor(/kronos: worker \S+ running/);
  await waitFor(() => globex.calls().length > 0, 15_000, "globex's worker to run its section");
  const [acmeWorkers, globexWorkers] = await Promise.all([
    acme.cli('workers', '--json'),
    globex.cli('workers', '--json'),
  ]);
  expect(json<any[]>(acmeWorkers)).toEqual([]);
  expect(json<any[]>(globexWorkers)).toHaveLength(1);
  worker.child.kill('SIGTERM');
  expect((await worker.exited).code).toBe(0);
  expect(globex.calls()).toEqual(['report.send report.globex {"to":"ops@globex.example"} -']);
  expect(acme.calls()).toEqual(['report.send report.send {"to":"someone@acme.example"} -']); // only its own `kronos run`
  const acmeSection = await inspectDatabase(acme.db, (ds) =>
    ds.getRepository(Task).findOneByOrFail({ uuid: 'kronos:schedule:report.acme' }),
  );
  expect(acmeSection).toMatchObject({ status: 'QUEUED', timesRun: 0 });
}

/**
 * One shared database, the Kronos tables of each tenant scoped by the tenant: a PostgreSQL schema,
 * or a table prefix on MySQL/MariaDB, on a DataSource of their own (the application's data stays
 * on its default DataSource).
 */
describeForDialects(
  'tenants sharing one database',
  (dialect: Dialect) => {
    beforeAll(() => buildCliFixtures(), 180_000);

    const scope = (name: string): Partial<DataSourceOptions> =>
      dialect === 'postgres' ? { schema: `kronos_tenant_${name}` } : { entityPrefix: `${name}_` };

    async function prepare(name: string): Promise<DataSourceOptions> {
      const ds = await createTestDataSource(dialect, { schema: 'migrations', options: scope(name) });
      const { entities: _e, migrations: _m, ...options } = ds.options;
      await ds.destroy();
      return options;
    }

    it("never see each other's jobs, tasks, runs or workers", async () => {
      const dir = scratchDir('kronos-tenants-');
      const [acmeDb, globexDb] = [await prepare('acme'), await prepare('globex')];
      expect(acmeDb.database).toBe(globexDb.database);
      const named = { KRONOS_FIXTURE_DATASOURCE: 'kronos' };
      await expectIsolated(tenant('acme', acmeDb, dir, named), tenant('globex', globexDb, dir, named));
    });
  },
  ['postgres', 'mysql'],
);

describe('one database per tenant', () => {
  beforeAll(() => buildCliFixtures(), 180_000);

  it("each tenant's worker, started with its own environment file and scheduler.ini, runs only its own work", async () => {
    const dir = scratchDir('kronos-tenants-');
    const [acmeDb, globexDb] = [(await freshDatabase('sqlite')).options, (await freshDatabase('sqlite')).options];
    const acme = tenant('acme', acmeDb, dir);
    const globex = tenant('globex', globexDb, dir);
    // What a deployment does: one environment file per tenant, given to every command.
    for (const t of [acme, globex]) {
      const envFile = join(dir, `${t.name}.env`);
      writeFileSync(
        envFile,
        Object.entries(t.env)
          .map(([key, value]) => `${key}='${value}'`)
          .join('\n'),
      );
      t.cli = (...args) =>
        kronos([...args, '--env', envFile, '--app', FIXTURE_APP], { env: { KRONOS_FIXTURE_DB: undefined } });
    }
    await expectIsolated(acme, globex);
    const unit = await kronos(['export-systemd', '--name', 'kronos-acme', '--env', join(dir, 'acme.env')]);
    expect(unit.stdout).toContain(`EnvironmentFile=${join(dir, 'acme.env')}\n`);
  });
});
