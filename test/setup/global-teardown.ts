/** Stops the embedded PostgreSQL the global setup may have started, and removes the scratch folder. */
import { rm } from 'node:fs/promises';

export default async function globalTeardown(): Promise<void> {
  const key = Symbol.for('kronos.test.embeddedPostgres');
  const registry = globalThis as Record<symbol, { stop(): Promise<void> } | undefined>;
  const embedded = registry[key];
  registry[key] = undefined;
  await embedded?.stop();
  const scratch = process.env.KRONOS_TEST_TMP;
  if (scratch) await rm(scratch, { recursive: true, force: true });
}
