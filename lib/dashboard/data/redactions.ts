import type { JobInfo } from '../../service/views.js';
import { Redaction } from '../redact.js';

/** The redaction of one task of `jobName`: its job's sensitive paths (every value for a job no longer in code). */
export function redactionOf(jobs: readonly JobInfo[], jobName: string, payload: string | null | undefined): Redaction {
  const job = jobs.find((j) => j.name === jobName);
  return new Redaction(job?.sensitive ?? [], !job || job.missing, payload);
}

/** Whether texts of `jobName`'s tasks may hold values to redact (then its payloads are needed). */
function hides(jobs: readonly JobInfo[], jobName: string): boolean {
  const job = jobs.find((j) => j.name === jobName);
  return Redaction.needed(job?.sensitive ?? [], !job || job.missing);
}

/**
 * The redactions of the tasks behind a list's rows. Rows of jobs without sensitive fields need
 * nothing; for the others, the payloads of their tasks are read in one query by primary key.
 */
export async function redactionsOf(
  jobs: readonly JobInfo[],
  rows: readonly { taskId: number; jobName: string }[],
  payloads: (taskIds: number[]) => Promise<Map<number, string | null>>,
): Promise<(row: { taskId: number; jobName: string }) => Redaction> {
  const sensitive = rows.filter((row) => hides(jobs, row.jobName));
  if (sensitive.length === 0) return () => Redaction.NONE;
  const stored = await payloads([...new Set(sensitive.map((row) => row.taskId))]);
  const byTask = new Map<number, Redaction>();
  return (row) => {
    if (!hides(jobs, row.jobName)) return Redaction.NONE;
    let redaction = byTask.get(row.taskId);
    if (!redaction) {
      redaction = redactionOf(jobs, row.jobName, stored.has(row.taskId) ? stored.get(row.taskId) : undefined);
      byTask.set(row.taskId, redaction);
    }
    return redaction;
  };
}
