import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TMP_ENV } from '../support/settings.js';
import { probeMysql } from './mysql-probe.js';
import { preparePostgres } from './postgres-server.js';

/**
 * Runs once in the parent process before any test file. Tests run in band, so the environment
 * set here (database addresses, MariaDB availability, scratch folder) is what they see.
 */
export default async function globalSetup(): Promise<void> {
  process.env[TMP_ENV] = await mkdtemp(join(tmpdir(), 'kronos-test-'));
  await preparePostgres();
  await probeMysql();
}
