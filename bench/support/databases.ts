import mysql2 from 'mysql2/promise';
import pg from 'pg';
import type { Server } from './settings.js';

/**
 * Create the benchmark's PostgreSQL database when it does not exist yet. The benchmark drops and
 * recreates the Kronos tables and the `graphile_worker` and `pgboss` schemas in it: give it a
 * database of its own.
 */
export async function ensurePostgresDatabase(s: Server): Promise<void> {
  const client = new pg.Client({
    host: s.host,
    port: s.port,
    user: s.user,
    password: s.password,
    database: 'postgres',
  });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [s.database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${s.database.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

/** The same for MariaDB/MySQL; returns the server version, or null (with the reason) when it does not answer. */
export async function ensureMysqlDatabase(s: Server): Promise<{ version: string } | { error: string }> {
  try {
    const conn = await mysql2.createConnection({
      host: s.host,
      port: s.port,
      user: s.user,
      password: s.password,
      connectTimeout: 3000,
    });
    try {
      await conn.query(`CREATE DATABASE IF NOT EXISTS \`${s.database.replaceAll('`', '``')}\``);
      const [rows] = await conn.query('SELECT VERSION() AS v');
      const v = String((rows as { v: string }[])[0].v);
      return { version: `${v.includes('MariaDB') ? 'MariaDB' : 'MySQL'} ${v.split('-')[0]}` };
    } finally {
      await conn.end();
    }
  } catch (error) {
    return { error: (error as Error).message };
  }
}
