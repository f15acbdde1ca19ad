/**
 * Where the test databases are, read from the environment at call time (the global setup may
 * export the address of an embedded PostgreSQL it started). Kept free of TypeORM so the global
 * setup can use it before any entity is loaded.
 */
export interface ServerSettings {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export function postgresSettings(env: NodeJS.ProcessEnv = process.env): ServerSettings {
  return {
    host: env.PGHOST || '127.0.0.1',
    port: Number(env.PGPORT || 5432),
    user: env.PGUSER || 'postgres',
    password: env.PGPASSWORD ?? '',
    database: env.PGDATABASE || 'test',
  };
}

export function mysqlSettings(env: NodeJS.ProcessEnv = process.env): ServerSettings {
  return {
    host: env.MYSQL_HOST || '127.0.0.1',
    port: Number(env.MYSQL_PORT || 3306),
    user: env.MYSQL_USER || 'root',
    password: env.MYSQL_PASSWORD ?? '',
    database: env.MYSQL_DATABASE || 'test',
  };
}

export const isCI = (env: NodeJS.ProcessEnv = process.env): boolean => env.CI === 'true';

/** Set by the global setup: `available`, or why MariaDB could not be reached. */
export const MYSQL_STATUS_ENV = 'KRONOS_TEST_MYSQL';
/** Set by the global setup: a folder for this run's scratch files, removed by the teardown. */
export const TMP_ENV = 'KRONOS_TEST_TMP';

/** A framed, multi-line message that stands out in a long test log. */
export function banner(lines: string[]): string {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const rule = '#'.repeat(width);
  return ['', rule, ...lines.map((l) => `# ${l.padEnd(width - 4)} #`), rule, ''].join('\n');
}
