import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { freePort } from '../setup/global-setup.js';

const run = promisify(execFile);

/** Where this machine's MariaDB server binary is, or null (then private-MariaDB specs are skipped). */
export function mariadbBinary(): string | null {
  for (const path of ['/usr/sbin/mariadbd', '/usr/bin/mariadbd', '/usr/local/bin/mariadbd'])
    if (existsSync(path)) return path;
  return null;
}

/**
 * A MariaDB server of a test's own (the machine's `mariadbd` with its own data directory and
 * port), for tests that stop and restart the database under running workers without disturbing
 * the shared server. Same shape as `PrivatePostgres`.
 */
export class PrivateMariadb {
  private server?: ChildProcess;
  private root = '';
  port = 0;

  async start(): Promise<this> {
    const binary = mariadbBinary();
    if (!binary) throw new Error('mariadbd is not installed');
    this.root = await mkdtemp(join(tmpdir(), 'kronos-private-mariadb-'));
    await run('mariadb-install-db', [
      '--no-defaults',
      `--datadir=${this.datadir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      `--user=${userInfo().username}`,
    ]);
    this.port = await freePort();
    await this.resume();
    const client = await mysql.createConnection(this.connection(''));
    await client.query('CREATE DATABASE kronos');
    await client.end();
    return this;
  }

  private get datadir(): string {
    return join(this.root, 'data');
  }

  connection(database = 'kronos') {
    return { host: '127.0.0.1', port: this.port, user: 'root', password: '', database };
  }

  /** TypeORM options for the `kronos` database on this server. */
  typeorm() {
    const c = this.connection();
    return {
      type: 'mysql' as const,
      host: c.host,
      port: c.port,
      username: c.user,
      password: c.password,
      database: c.database,
    };
  }

  /** Stop the server (a clean shutdown: connections drop), keeping its data. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
    this.server = undefined;
  }

  /** Start it (again) on the same port with the same data; resolves once it accepts connections. */
  async resume(): Promise<void> {
    const args = [
      '--no-defaults',
      `--datadir=${this.datadir}`,
      `--port=${this.port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(this.root, 'mysqld.sock')}`,
      `--pid-file=${join(this.root, 'mysqld.pid')}`,
      `--user=${userInfo().username}`,
      '--skip-log-bin',
      '--innodb-buffer-pool-size=32M',
      '--max-connections=500',
    ];
    this.server = spawn(mariadbBinary()!, args, { stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const client = await mysql.createConnection(this.connection(''));
        await client.end();
        return;
      } catch (error) {
        if (Date.now() > deadline || this.server.exitCode !== null)
          throw new Error(`private MariaDB did not start: ${(error as Error).message}`, { cause: error });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    if (this.root) await rm(this.root, { recursive: true, force: true });
  }
}
