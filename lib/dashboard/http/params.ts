import { RUN_STATUSES, type RunFilter } from '../data/run-list.js';
import { TASK_STATUSES, type TaskFilter } from '../data/task-list.js';
import type { RunStatus, TaskStatus } from '../../types.js';

/** Query and form values arrive as strings (or arrays, or objects with some parsers): keep plain strings only. */
export function text(value: unknown, max = 200): string | undefined {
  return typeof value === 'string' && value !== '' && value.length <= max ? value : undefined;
}

/** A positive 32-bit id, or undefined. */
export function id(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,10}$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 && n <= 2_147_483_647 ? n : undefined;
}

export type Query = Record<string, unknown>;

export function pageCursor(query: Query): { before?: number; after?: number } {
  const after = id(query.after);
  return after !== undefined ? { after } : { before: id(query.before) };
}

export function taskFilter(query: Query): TaskFilter {
  const status = text(query.status, 16) as TaskStatus | undefined;
  return {
    status: status && TASK_STATUSES.includes(status) ? status : undefined,
    job: text(query.job),
    group: text(query.group, 64),
  };
}

export function runFilter(query: Query): RunFilter {
  const status = text(query.status, 16) as RunStatus | undefined;
  return { status: status && RUN_STATUSES.includes(status) ? status : undefined, job: text(query.job), taskId: id(query.task) };
}

/** Where an action returns to: a dashboard page relative to its root, nothing else (no open redirect). */
export function backTarget(value: unknown, fallback: string): string {
  return typeof value === 'string' && /^(?:(?:jobs|tasks|runs|workers)(?:\/\d{1,10})?)?(?:\?[\w%=&.+~:!*'()-]{0,1000})?$/.test(value) ? value : fallback;
}
