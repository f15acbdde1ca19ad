/** A pg-boss process: `work()` on one queue with a no-op handler that records each job's number. */
import { PgBoss } from 'pg-boss';
import { probe, serve, spec } from '../support/probe.js';

const boss = new PgBoss({ connectionString: spec.settings.connectionString, ...(spec.settings.constructor ?? {}) });
boss.on('error', (error) => console.error('pg-boss:', error.message));
await boss.start();
const handler = async (jobs: { data: { n: number } }[]) => {
  for (const job of jobs) probe.record(job.data.n);
};
if (spec.settings.work) await boss.work(spec.settings.queue, spec.settings.work, handler);
else await boss.work(spec.settings.queue, handler);
serve(() => boss.stop({ graceful: true, timeout: 10_000 }));
