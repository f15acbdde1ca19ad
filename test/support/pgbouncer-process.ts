/**
 * The PgBouncer launcher shared by the specs and the benchmark: free of Jest, so the benchmark's
 * build (bench/tsconfig.json, Node types only) compiles it too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../setup/global-setup.js';
import { postgresSettings } from './settings.js';

/** Debian's pgbouncer package (`apt-get install pgbouncer`), or PGBOUNCER_BIN. */
export const PGBOUNCER_BIN = process.env.PGBOUNCER_BIN || '/usr/sbin/pgbouncer';

export interface PgBouncerOptions {
  /** Server connections per database and user (`default_pool_size`). Default 4. */
  poolSize?: number;
  /** `pool_mode`. Default `'transaction'`. */
  poolMode?: 'session' | 'transaction' | 'statement';
}

export const pgbouncerInstalled = (): boolean => existsSync(PGBOUNCER_BIN);

/**
 * A PgBouncer process of a test's (or the benchmark's) own, in front of the PostgreSQL server the
 * PG* variables name: its config in a fresh temporary folder, listening on a free port of
 * 127.0.0.1, every database of the server reachable by name, clients trusted as the server's own
 * user. The tail of its log (stderr) is kept for failure messages.
 */
export class PgBouncer {
  private process?: ChildProcess;
  private root?: string;
  port = 0;
  log = '';

  constructor(private readonly options: PgBouncerOptions = {}) {}

  async start(): Promise<this> {
    const server = postgresSettings();
    this.root = await mkdtemp(join(tmpdir(), 'kronos-pgbouncer-'));
    await chmod(this.root, 0o755); // readable by the unprivileged user pgbouncer runs as under root
    this.port = await freePort();
    const users = join(this.root, 'users.txt');
    await writeFile(users, `"${server.user}" "${server.password}"\n`, { mode: 0o644 });
    const ini = join(this.root, 'pgbouncer.ini');
    await writeFile(
      ini,
      [
        '[databases]',
        `* = host=${server.host} port=${server.port} user=${server.user}${server.password ? ` password=${server.password}` : ''}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${this.port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${users}`,
        `pool_mode = ${this.options.poolMode ?? 'transaction'}`,
        `default_pool_size = ${this.options.poolSize ?? 4}`,
        'max_client_conn = 2000',
        `admin_users = ${server.user}`,
        'log_connections = 0',
        'log_disconnections = 0',
        '',
      ].join('\n'),
      { mode: 0o644 },
    );
    // PgBouncer refuses to run as root: drop to nobody then.
    const asRoot = process.getuid?.() === 0;
    const child = spawn(PGBOUNCER_BIN, [ini], {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    this.process = child;
    child.stderr.on('data', (chunk: Buffer) => (this.log = (this.log + chunk.toString()).slice(-10_000)));
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`pgbouncer exited with ${code} before listening:\n${this.log}`))),
    );
    await Promise.race([exited, this.listening()]);
    return this;
  }

  /** TypeORM options for `database` (default: the test database) through this PgBouncer. */
  typeorm(database = postgresSettings().database) {
    const s = postgresSettings();
    return {
      type: 'postgres' as const,
      host: '127.0.0.1',
      port: this.port,
      username: s.user,
      password: s.password,
      database,
    };
  }

  /**
   * The server connections PgBouncer holds for `database` now (every state), and the clients
   * waiting for one, from its admin console (`SHOW POOLS`).
   */
  async pool(database = postgresSettings().database): Promise<{ servers: number; waiting: number }> {
    const s = postgresSettings();
    const admin = new pg.Client({
      host: '127.0.0.1',
      port: this.port,
      user: s.user,
      password: s.password,
      database: 'pgbouncer',
    });
    await admin.connect();
    try {
      const { rows } = await admin.query<Record<string, string>>('SHOW POOLS');
      const row = rows.find((r) => r.database === database);
      if (!row) return { servers: 0, waiting: 0 };
      const servers = ['sv_active', 'sv_idle', 'sv_used', 'sv_tested', 'sv_login'].reduce(
        (sum, key) => sum + Number(row[key] ?? 0),
        0,
      );
      return { servers, waiting: Number(row.cl_waiting) };
    } finally {
      await admin.end();
    }
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (child && child.exitCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await gone;
    }
    if (this.root) await rm(this.root, { recursive: true, force: true });
  }

  private async listening(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const open = await new Promise<boolean>((resolve) => {
        const socket = connect(this.port, '127.0.0.1', () => (socket.end(), resolve(true)));
        socket.once('error', () => resolve(false));
      });
      if (open) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`pgbouncer did not listen on 127.0.0.1:${this.port}:\n${this.log}`);
  }
}
