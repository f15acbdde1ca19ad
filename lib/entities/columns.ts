import type { ValueTransformer } from 'typeorm';

/**
 * Times are stored as UTC epoch milliseconds in BIGINT columns (see docs/architecture.md):
 * identical hand-written SQL on every dialect and no session time-zone conversions. Drivers
 * return BIGINT as a string on PostgreSQL and MySQL; this turns it back into a number.
 */
export const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? value : Number(value)),
};

export const TABLES = {
  job: 'kronos_job',
  task: 'kronos_task',
  run: 'kronos_run',
  worker: 'kronos_worker',
} as const;
