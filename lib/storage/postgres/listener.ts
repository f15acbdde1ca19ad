import type { Client, ClientConfig } from 'pg';
import type { PostgresConnectionConfig } from '../postgres-options.js';
import { EVENT_CHANNEL } from './run-feed.sql.js';
import type { ChangeSignal } from '../engine.js';
import { CHANGE_CHANNEL, CHANNEL } from './sql.js';

export interface ListenerOptions {
  /** Builds a fresh, unconnected client for each (re)connection. */
  createClient: () => Client;
  /** Told about connection failures; the listener keeps retrying on its own. */
  onError?: (error: Error) => void;
  /** First reconnect delay; doubles per failure up to `maxBackoffMs`. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * A dedicated connection that LISTENs for enqueue notifications. It is a hint channel: polling
 * stays the source of truth, so a dropped connection only costs latency until it is back. After
 * every (re)connection waiters are woken once, since notifications sent meanwhile are lost.
 */
export class TaskListener {
  private client?: Client;
  private connecting?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private failures = 0;
  private closed = false;
  private readonly waiters = new Set<() => void>();
  /** A notification arrived while nobody waited; the next wait returns at once. */
  private pending = false;
  /** Cluster task events (`events: { cluster: true }`): told each payload on `EVENT_CHANNEL` while set. */
  private onEvent?: (payload: string) => void;
  /** The dashboard's change watchers (`watchChanges`): LISTEN on `CHANGE_CHANNEL` while there are some. */
  private readonly watchers = new Set<(signal: ChangeSignal) => void>();

  constructor(private readonly options: ListenerOptions) {}

  get connected(): boolean {
    return this.client !== undefined;
  }

  /** Connect once; on failure report it and keep retrying in the background. */
  async start(): Promise<void> {
    this.closed = false;
    if (this.client || this.timer) return;
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    // A connection still being opened sees `closed` when it lands and ends itself.
    const client = this.client;
    this.client = undefined;
    // Release current waiters so a shutdown is not held up; later waits simply time out.
    for (const wake of [...this.waiters]) wake();
    await client?.end().catch(() => undefined);
  }

  /**
   * LISTEN to cluster task events on this same connection (and again after each reconnection);
   * `null` stops. Payloads sent while the connection is down are lost.
   */
  async listenEvents(onEvent: ((payload: string) => void) | null): Promise<void> {
    const was = this.onEvent;
    this.onEvent = onEvent ?? undefined;
    if (!this.client || (was === undefined) === (onEvent === null)) return;
    await this.client
      .query(`${onEvent ? 'LISTEN' : 'UNLISTEN'} ${EVENT_CHANNEL}`)
      .catch((error: Error) => this.options.onError?.(error));
  }

  /**
   * Be told of every change notice (`CHANGE_CHANNEL`) and enqueue wake-up (`CHANNEL`), and of the
   * connection going down (`interrupted`: notices sent meanwhile are lost) and coming back
   * (`listening`). LISTENs on `CHANGE_CHANNEL` while some watcher is set, again after each
   * reconnection; returns the function that removes the watcher.
   */
  async watchChanges(watcher: (signal: ChangeSignal) => void): Promise<() => Promise<void>> {
    this.watchers.add(watcher);
    if (this.watchers.size === 1) await this.query(`LISTEN ${CHANGE_CHANNEL}`);
    return async () => {
      if (!this.watchers.delete(watcher) || this.watchers.size > 0) return;
      await this.query(`UNLISTEN ${CHANGE_CHANNEL}`);
    };
  }

  /** A statement on the connection when it is up; a failure is reported and the connection's own handling reconnects. */
  private async query(text: string): Promise<void> {
    await this.client?.query(text).catch((error: Error) => this.options.onError?.(error));
  }

  private tell(signal: ChangeSignal): void {
    for (const watcher of [...this.watchers]) watcher(signal);
  }

  /**
   * The listening connection while it is up, for the worker's claim (see `PostgresEngine.claim`):
   * its server process has just delivered the wake-up, so the claim that follows goes to a
   * process that is awake, without a pool checkout. Undefined while the connection is down.
   */
  get connection(): Client | undefined {
    return this.client;
  }

  /** Resolve on a notification, after `timeoutMs`, or when `signal` aborts. */
  wait(timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.pending || signal.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }

  private wakeAll(): void {
    if (this.waiters.size === 0) {
      this.pending = true;
      return;
    }
    for (const wake of [...this.waiters]) wake();
  }

  private connect(): Promise<void> {
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<void> {
    const client = this.options.createClient();
    let dropped = false;
    const drop = (error?: Error) => {
      if (dropped) return;
      dropped = true;
      if (this.client === client) {
        this.client = undefined;
        this.tell('interrupted');
      }
      client.end().catch(() => undefined);
      if (this.closed) return;
      if (error) this.options.onError?.(error);
      this.schedule();
    };
    client.on('error', drop);
    client.on('end', () => drop(new Error('Kronos listener connection ended')));
    client.on('notification', (message) => {
      if (message.channel === CHANNEL) {
        this.wakeAll();
        this.tell('change');
      } else if (message.channel === CHANGE_CHANNEL) this.tell('change');
      else if (message.channel === EVENT_CHANNEL && message.payload) this.onEvent?.(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      if (this.onEvent) await client.query(`LISTEN ${EVENT_CHANNEL}`);
      if (this.watchers.size > 0) await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (error) {
      drop(error as Error);
      return;
    }
    if (this.closed || dropped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (this.failures > 0) this.wakeAll();
    this.failures = 0;
    this.tell('listening');
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    const min = this.options.minBackoffMs ?? 100;
    const max = this.options.maxBackoffMs ?? 10_000;
    const delay = Math.min(max, min * 2 ** this.failures) * (0.75 + Math.random() * 0.5);
    this.failures++;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.closed) void this.connect();
    }, delay);
    this.timer.unref();
  }
}

/** What the listener copies from TypeORM's PostgreSQL options (the credentials of the primary). */
interface TypeOrmPostgresCredentials {
  url?: string;
  host?: string;
  username?: string;
  password?: ClientConfig['password'];
  database?: string;
  port?: number;
  ssl?: ClientConfig['ssl'];
  applicationName?: string;
}

interface TypeOrmPostgresOptions extends TypeOrmPostgresCredentials {
  replication?: { master?: TypeOrmPostgresCredentials };
  extra?: Record<string, unknown>;
  connectTimeoutMS?: number;
}

/** Connection settings for the listener, taken from the DataSource exactly as TypeORM builds its pool. */
export function listenerConfig(dataSourceOptions: Record<string, unknown>): ClientConfig {
  const options = dataSourceOptions as TypeOrmPostgresOptions;
  const credentials = { ...(options.replication?.master ?? options) };
  const { max: _max, min: _min, idleTimeoutMillis: _idle, ...extra } = options.extra ?? {};
  const name = options.applicationName ?? credentials.applicationName;
  return {
    connectionString: credentials.url,
    host: credentials.host,
    user: credentials.username,
    password: credentials.password,
    database: credentials.database,
    port: credentials.port,
    ssl: credentials.ssl,
    connectionTimeoutMillis: options.connectTimeoutMS,
    ...extra,
    application_name: name ? `${name} (kronos listener)` : 'kronos listener',
    keepAlive: true,
  };
}

/** Connection settings for the listener from `postgres.listenConnection` (a direct connection, past any pooler). */
export function directListenerConfig(settings: PostgresConnectionConfig): ClientConfig {
  return { application_name: 'kronos listener', ...(settings as ClientConfig), keepAlive: true };
}
