/**
 * The package as a user installs it, in three applications of test/consumers/:
 *
 * - esm-vitest: the layout `nest new` generates (ESM, vitest), which also holds the README's Quick start;
 * - commonjs-node10: an existing CommonJS application (`module: commonjs`, `moduleResolution:
 *   node10`) that loads Kronos through `require(esm)`, tested with `node --test`;
 * - jest-esm: an ESM application tested with jest in its ESM mode.
 *
 * Each is copied outside the repository, installed from the packed tarball and the npm registry,
 * compiled by its own tsc, tested by its own runner on SQLite and on PostgreSQL, and its build is
 * booted by `npx kronos list`. A failure prints the application's own output.
 */
import pg from 'pg';
import { packedTarball } from '../support/packed-package.js';
import {
  consumersScratch,
  copyApp,
  describeResult,
  installEnvironment,
  keepBetterSqlitePrebuild,
  nodeEnvironment,
  runCommand,
  type CommandResult,
} from '../support/consumer-apps.js';
import { postgresSettings } from '../support/settings.js';

const MINUTE = 60_000;

const APPS = ['esm-vitest', 'commonjs-node10', 'jest-esm'] as const;

/** A command that must succeed: its whole output is the failure message otherwise. */
function expectSuccess(command: string, result: CommandResult): void {
  if (result.code !== 0)
    throw new Error(`The consumer application's command failed:\n${describeResult(command, result)}`);
  expect(result.code).toBe(0);
}

function postgresUrl(): string {
  const s = postgresSettings();
  const auth = s.password
    ? `${encodeURIComponent(s.user)}:${encodeURIComponent(s.password)}`
    : encodeURIComponent(s.user);
  return `postgres://${auth}@${s.host}:${s.port}/${encodeURIComponent(s.database)}`;
}

/** An empty PostgreSQL schema for one application, so its tables start fresh every run. */
async function freshSchema(schema: string): Promise<void> {
  const client = new pg.Client(postgresSettings());
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(schema)} CASCADE`);
    await client.query(`CREATE SCHEMA ${client.escapeIdentifier(schema)}`);
  } finally {
    await client.end();
  }
}

describe(`consumer applications on Node.js ${process.versions.node}`, () => {
  const timings: string[] = [];
  let scratch: string;
  let tarball: string;

  beforeAll(async () => {
    tarball = await packedTarball();
    scratch = await consumersScratch();
  }, 5 * MINUTE);

  afterAll(() => {
    if (timings.length)
      console.log(`Consumer applications on Node.js ${process.versions.node}:\n${timings.join('\n')}`);
  });

  describe.each(APPS)('%s', (name) => {
    const env = nodeEnvironment();
    const schema = `consumer_${name.replaceAll('-', '_')}`;
    let dir: string;

    /** Run a command in the application's folder and remember how long it took. */
    async function inApp(
      command: string,
      args: string[],
      extraEnv: NodeJS.ProcessEnv = {},
      timeoutMs = 5 * MINUTE,
    ): Promise<CommandResult> {
      const result = await runCommand(command, args, { cwd: dir, env: { ...env, ...extraEnv }, timeoutMs });
      timings.push(`  ${name}: ${[command, ...args].join(' ')} ${(result.ms / 1000).toFixed(1)} s`);
      return result;
    }

    const sqlite = () => ({ SQLITE_FILE: `${dir}/test.db` });
    const postgres = () => ({ DATABASE_URL: postgresUrl(), DB_SCHEMA: schema });

    it(
      'installs from the packed tarball and the npm registry, and compiles with its own tsc',
      async () => {
        dir = await copyApp(name, scratch, tarball);
        const install = await inApp(
          'npm',
          ['install', '--no-audit', '--no-fund', '--prefer-offline'],
          installEnvironment(scratch, {}),
          15 * MINUTE,
        );
        expectSuccess('npm install', install);
        await keepBetterSqlitePrebuild(dir, scratch, env);
        expectSuccess('npm run build', await inApp('npm', ['run', 'build']));
        // The build leaves the tests out: they type-check too.
        expectSuccess('npx tsc --noEmit', await inApp('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']));
      },
      20 * MINUTE,
    );

    it(
      'passes its own tests on SQLite',
      async () => {
        expectSuccess('npm test (SQLite)', await inApp('npm', ['test'], sqlite()));
      },
      5 * MINUTE,
    );

    it(
      'passes its own tests on PostgreSQL',
      async () => {
        await freshSchema(schema);
        expectSuccess('npm test (PostgreSQL)', await inApp('npm', ['test'], postgres()));
      },
      5 * MINUTE,
    );

    it.each([
      ['SQLite', sqlite],
      ['PostgreSQL', postgres],
    ])(
      'boots its build with npx kronos list on %s',
      async (_db, database) => {
        const list = await inApp('npx', ['kronos', 'list'], database());
        expectSuccess('npx kronos list', list);
        expect(list.output).toMatch(/weekly-digest +scheduled +code +every Monday at 08:00 Europe\/Berlin/);
        expect(list.output).toMatch(/lists\.recount +queued/);
      },
      5 * MINUTE,
    );
  });
});
