import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgres } from './settings.js';

/** Debian's pgbouncer package (`apt-get install pgbouncer`), or PGBOUNCER_BIN. */
export const PGBOUNCER_BIN = process.env.PGBOUNCER_BIN || '/usr/sbin/pgbouncer';

export const pgbouncerInstalled = (): boolean => existsSync(PGBOUNCER_BIN);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * A PgBouncer of the benchmark's own in front of its PostgreSQL server, in transaction pooling
 * mode with `poolSize` server connections per database and user: its configuration in a fresh
 * temporary folder, listening on a free port of 127.0.0.1, every database of the server reachable
 * by name.
 */
export class PgBouncer {
  private child?: ChildProcess;
  private root?: string;
  port = 0;
  private log = '';

  constructor(readonly poolSize: number) {}

  async start(): Promise<this> {
    const server = postgres();
    this.root = await mkdtemp(join(tmpdir(), 'kronos-bench-pgbouncer-'));
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
        'pool_mode = transaction',
        `default_pool_size = ${this.poolSize}`,
        'max_client_conn = 2000',
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
    this.child = child;
    child.stderr.on('data', (chunk: Buffer) => (this.log = (this.log + chunk.toString()).slice(-10_000)));
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`pgbouncer exited with ${code} before listening:\n${this.log}`))),
    );
    await Promise.race([exited, this.listening()]);
    return this;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
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
