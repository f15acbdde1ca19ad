import type { AuditFilter } from '../data/audit-list.js';
import { parsePayloadMatch, type PayloadMatch, type Search, type TimeBound } from '../data/search.js';
import { wallTimeToInstant } from '../../schedule/zoned.js';
import { RUN_STATUSES, type RunListFilter } from '../data/run-list.js';
import { TASK_STATUSES, type TaskFilter } from '../data/task-list.js';
import { KronosError } from '../../errors.js';

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

/** One query parameter a page cannot apply. */
export interface FilterProblem {
  parameter: string;
  value: unknown;
  reason: string;
}

/**
 * A list page was asked for with filters or a cursor it cannot apply (`?status=BOGUS`,
 * `?before=abc`). The page answers 400 and shows the message instead of ignoring the filter.
 */
export class InvalidDashboardFilterError extends KronosError {
  constructor(readonly problems: readonly FilterProblem[]) {
    super(
      `Invalid filter: ${problems.map((p) => `${p.parameter} ${JSON.stringify(p.value) ?? String(p.value)} ${p.reason}`).join('; ')}.`,
    );
  }
}

/** Reads a page's query, collecting every parameter it cannot apply; an empty value means "any". */
class QueryReader {
  readonly problems: FilterProblem[] = [];

  constructor(private readonly query: Query) {}

  text(name: string, max = 200): string | undefined {
    const value = this.query[name];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') return this.refuse(name, value, 'is not a single value');
    if (value.length > max) return this.refuse(name, `${value.slice(0, 40)}…`, `is longer than ${max} characters`);
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.text(name, 40);
    if (value === undefined || allowed.includes(value as T)) return value as T | undefined;
    return this.refuse(name, value, `is not one of ${allowed.join(', ')}`);
  }

  id(name: string, what: string): number | undefined {
    const value = this.text(name, 40);
    if (value === undefined) return undefined;
    return (
      id(value) ??
      this.refuse(name, value, `is not ${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what} id (a whole number from 1)`)
    );
  }

  /** A date and time in `timezone` as a `datetime-local` field sends it (`2026-03-28T14:00`), or an ISO instant with its offset. */
  time(name: string, timezone: string): TimeBound | undefined {
    const value = this.text(name, 40);
    if (value === undefined) return undefined;
    const local = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(value);
    if (local) {
      const [year, month, day, hour, minute, second] = local.slice(1).map((part) => Number(part ?? 0));
      if (month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 59) {
        return { text: value, at: wallTimeToInstant({ year, month, day, hour, minute, second }, timezone) };
      }
    } else if (
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/.test(value) &&
      !Number.isNaN(Date.parse(value))
    ) {
      return { text: value, at: Date.parse(value) };
    }
    return this.refuse(name, value, `is not a date and time (2026-03-28T14:00, in ${timezone})`);
  }

  /** `path=value`: a dotted path of payload keys and array indexes, and the value there. */
  payload(name: string): PayloadMatch | undefined {
    const value = this.text(name, 200);
    if (value === undefined) return undefined;
    return (
      parsePayloadMatch(value) ??
      this.refuse(name, value, 'is not path=value with a dotted path of keys and indexes (customer.id=42)')
    );
  }

  /** The search fields Tasks and Runs share. */
  search(timezone: string): Search {
    const search: Search = {
      group: this.text('group', 64),
      worker: this.text('worker'),
      user: this.text('user'),
      from: this.time('from', timezone),
      to: this.time('to', timezone),
      payload: this.payload('payload'),
    };
    if (search.from && search.to && search.from.at >= search.to.at)
      this.refuse('to', search.to.text, `is not after from (${search.from.text})`);
    return search;
  }

  /** The values read, or the error naming every parameter that was refused. */
  done<T>(value: T): T {
    if (this.problems.length > 0) throw new InvalidDashboardFilterError(this.problems);
    return value;
  }

  private refuse(parameter: string, value: unknown, reason: string): undefined {
    this.problems.push({ parameter, value, reason });
    return undefined;
  }
}

type Cursor = { before?: number; after?: number };

function cursor(reader: QueryReader, what: string): Cursor {
  const before = reader.id('before', what);
  const after = reader.id('after', what);
  return after !== undefined ? { after } : { before };
}

/** The Tasks page's filter and cursor; throws `InvalidDashboardFilterError` naming what it cannot apply. */
export function taskQuery(query: Query, timezone = 'UTC'): { filter: TaskFilter; cursor: Cursor } {
  const reader = new QueryReader(query);
  const filter: TaskFilter = {
    status: reader.oneOf('status', TASK_STATUSES),
    job: reader.text('job'),
    ...reader.search(timezone),
  };
  return reader.done({ filter, cursor: cursor(reader, 'task') });
}

/** The Runs page's filter and cursor; throws `InvalidDashboardFilterError` naming what it cannot apply. */
export function runQuery(query: Query, timezone = 'UTC'): { filter: RunListFilter; cursor: Cursor } {
  const reader = new QueryReader(query);
  const filter: RunListFilter = {
    status: reader.oneOf('status', RUN_STATUSES),
    job: reader.text('job'),
    taskId: reader.id('task', 'task'),
    ...reader.search(timezone),
  };
  return reader.done({ filter, cursor: cursor(reader, 'run') });
}

/** The Audit trail page's filter and cursor; throws `InvalidDashboardFilterError` naming what it cannot apply. */
export function auditQuery(query: Query): { filter: AuditFilter; cursor: Cursor } {
  const reader = new QueryReader(query);
  const filter: AuditFilter = { actor: reader.text('actor'), action: reader.text('action', 40) };
  return reader.done({ filter, cursor: cursor(reader, 'audit entry') });
}

/** The Clean-up page's date: finished tasks and runs older than it are counted (and deleted by its action). */
export function cleanupQuery(query: Query, timezone = 'UTC'): { before?: TimeBound } {
  const reader = new QueryReader(query);
  return reader.done({ before: reader.time('before', timezone) });
}

/** Where an action returns to: a dashboard page relative to its root, nothing else (no open redirect). */
export function backTarget(value: unknown, fallback: string): string {
  return typeof value === 'string' &&
    /^(?:jobs\/[\w%.~!*'()-]{1,600}|(?:(?:jobs|tasks|runs|workers|audit|cleanup)(?:\/\d{1,10})?)?(?:\?[\w%=&.+~:!*'()-]{0,1000})?)$/.test(
      value,
    )
    ? value
    : fallback;
}
