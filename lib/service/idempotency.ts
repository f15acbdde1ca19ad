import { IdempotencyConflictError } from '../errors.js';
import type { EnqueueResult, ExistingTask, NewTask } from '../storage/engine.js';

type Difference = IdempotencyConflictError['differences'][number];

/**
 * The rule for a reused idempotency `uuid`: the job, the payload and the `runAs` user are the
 * work, so the same three return the existing task, and any difference is an
 * `IdempotencyConflictError`. Everything else (start time, delay, priority, group, retries,
 * timeout, stopAt, queuedBy) says how to run the work: a repeated enqueue keeps the first
 * enqueue's, since a retried request recomputes them (a `delay` counts from a later now).
 *
 * Checked on what the engine read after its insert met the unique index, so two nodes enqueuing
 * one uuid at once are judged like two calls one after the other.
 */
export function checkRepeatedEnqueue(task: NewTask, result: EnqueueResult): void {
  if (result.created || !result.existing) return;
  const differences = differencesFrom(result.existing, task);
  if (differences.length > 0)
    throw new IdempotencyConflictError(result.uuid, result.id, result.existing.jobName, differences, task.jobName);
}

function differencesFrom(existing: ExistingTask, task: NewTask): Difference[] {
  const differences: Difference[] = [];
  if (existing.jobName !== task.jobName) differences.push('job');
  if (!samePayload(existing.payload, task.payload)) differences.push('payload');
  if (existing.runAs !== task.runAs) differences.push('runAs');
  return differences;
}

/** Payloads compared as canonical JSON: key order and spacing do not matter; no payload is JSON null. */
function samePayload(stored: string | null, given: string | null): boolean {
  if (stored === given) return true;
  try {
    return (
      canonicalJson(stored === null ? null : JSON.parse(stored)) ===
      canonicalJson(given === null ? null : JSON.parse(given))
    );
  } catch {
    return false; // a stored payload that is not JSON (written by hand) is not the same as any given one
  }
}

/** JSON text with object keys sorted at every depth, so equal values have equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
