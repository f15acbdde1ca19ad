import mysql from 'mysql2/promise';
import { mysqlSettings, MYSQL_STATUS_ENV } from '../support/settings.js';

/**
 * Probe MariaDB/MySQL once for the whole run and record the answer in the environment the tests
 * inherit; `describeForDialects` skips (or, in CI, fails) mysql suites when it is unreachable.
 * The test database is created when the server answers without it.
 */
export async function probeMysql(): Promise<void> {
  const s = mysqlSettings();
  let connection: mysql.Connection | undefined;
  try {
    connection = await mysql.createConnection({ host: s.host, port: s.port, user: s.user, password: s.password, connectTimeout: 2000 });
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${s.database.replaceAll('`', '``')}\``);
    process.env[MYSQL_STATUS_ENV] = 'available';
  } catch (error) {
    const e = error as Error & { code?: string };
    process.env[MYSQL_STATUS_ENV] = e.code ? `${e.code}: ${e.message}` : e.message || String(error);
  } finally {
    await connection?.end().catch(() => undefined);
  }
}
