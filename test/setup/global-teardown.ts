import { rm } from 'node:fs/promises';
import { TMP_ENV } from '../support/settings.js';
import { stopEmbeddedPostgres } from './postgres-server.js';

export default async function globalTeardown(): Promise<void> {
  await stopEmbeddedPostgres();
  const scratch = process.env[TMP_ENV];
  if (scratch) await rm(scratch, { recursive: true, force: true });
}
