import type { DataSource, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { Task } from '../../entities/index.js';

/** A time bound as typed (kept in the URL) and the instant it means. */
export interface TimeBound {
  text: string;
  at: number;
}

/** `customer.id=42`: the payload's value at a JSON path, compared as text. */
export interface PayloadMatch {
  text: string;
  /** Object keys and array indexes, from the root. */
  path: string[];
  value: string;
}

/**
 * The search fields Tasks and Runs share besides job and status. None has an index of its own
 * (see docs/dashboard.md): a page with any of them searches a bounded range of ids.
 */
export interface Search {
  group?: string;
  worker?: string;
  /** The user the task runs as (`runAs`). */
  user?: string;
  /** Tasks by creation time, runs by start time: `from` inclusive, `to` exclusive. */
  from?: TimeBound;
  to?: TimeBound;
  payload?: PayloadMatch;
}

/** Whether a search needs the bounded id-range scan (every field of `Search` does). */
export function searches(search: Search): boolean {
  return SEARCH_KEYS.some((key) => search[key] !== undefined);
}

const SEARCH_KEYS: (keyof Search)[] = ['group', 'worker', 'user', 'from', 'to', 'payload'];

const PATH_SEGMENT = /^(?:[A-Za-z_$][\w$-]{0,63}|\d{1,6})$/;

/** `a.b.0=value` -> a match, or null when the path is not a dotted path of keys and indexes. */
export function parsePayloadMatch(text: string): PayloadMatch | null {
  const eq = text.indexOf('=');
  if (eq <= 0) return null;
  const path = text.slice(0, eq).split('.');
  if (path.length > 8 || !path.every((segment) => PATH_SEGMENT.test(segment))) return null;
  return { text, path, value: text.slice(eq + 1) };
}

/** A JSON path of SQLite and MySQL: `$."customer"."id"`, `$."items"[0]`. */
function jsonPath(path: string[]): string {
  return '$' + path.map((segment) => (/^\d+$/.test(segment) ? `[${segment}]` : `."${segment}"`)).join('');
}

const likeEscape = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The condition "the payload's value at `path` equals `value`" on the payload column written as
 * `column`, for the DataSource's database: JSON path equality on PostgreSQL (`#>>`) and MySQL
 * (`JSON_EXTRACT`); on SQLite a `LIKE` on the text first (no JSON parsed for rows that cannot
 * match), then the value at the path.
 */
function payloadCondition(
  dataSource: DataSource,
  column: string,
  match: PayloadMatch,
  params: Record<string, unknown>,
): string {
  params.payloadValue = match.value;
  switch (dataSource.options.type) {
    case 'postgres':
      params.payloadPath = match.path;
      return `(CAST(${column} AS jsonb) #>> CAST(:payloadPath AS text[])) = :payloadValue`;
    case 'mysql':
    case 'mariadb':
      params.payloadPath = jsonPath(match.path);
      return `JSON_UNQUOTE(JSON_EXTRACT(${column}, :payloadPath)) = :payloadValue`;
    default: {
      params.payloadPath = jsonPath(match.path);
      // JSON writes the value as it is unless it holds characters JSON escapes.
      // eslint-disable-next-line no-control-regex -- the control characters are what JSON escapes
      const like = /["\\\u0000-\u001f]/.test(match.value) ? '' : `${column} LIKE :payloadLike ESCAPE '\\' AND `;
      params.payloadLike = `%${likeEscape(match.value)}%`;
      return `${like}(CASE json_type(${column}, :payloadPath) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(json_extract(${column}, :payloadPath) AS TEXT) END) = :payloadValue`;
    }
  }
}

/** Apply a search to a task query (alias `t`). */
export function searchTasks<T extends ObjectLiteral>(
  dataSource: DataSource,
  qb: SelectQueryBuilder<T>,
  search: Search,
): void {
  if (search.group !== undefined) qb.andWhere('t.group = :group', { group: search.group });
  if (search.worker !== undefined) qb.andWhere('t.assignedWorker = :worker', { worker: search.worker });
  if (search.user !== undefined) qb.andWhere('t.runAs = :user', { user: search.user });
  if (search.from !== undefined) qb.andWhere('t.createdAt >= :from', { from: search.from.at });
  if (search.to !== undefined) qb.andWhere('t.createdAt < :to', { to: search.to.at });
  if (search.payload !== undefined) {
    const params: Record<string, unknown> = {};
    qb.andWhere(payloadCondition(dataSource, 't.payload', search.payload, params), params);
  }
}

/** Apply a search to a run query (alias `r`); group and payload are the run's task's. */
export function searchRuns<T extends ObjectLiteral>(
  dataSource: DataSource,
  qb: SelectQueryBuilder<T>,
  search: Search,
): void {
  if (search.worker !== undefined) qb.andWhere('r.worker = :worker', { worker: search.worker });
  if (search.user !== undefined) qb.andWhere('r.runAs = :user', { user: search.user });
  if (search.from !== undefined) qb.andWhere('r.startTime >= :from', { from: search.from.at });
  if (search.to !== undefined) qb.andWhere('r.startTime < :to', { to: search.to.at });
  if (search.group === undefined && search.payload === undefined) return;
  const params: Record<string, unknown> = {};
  // Raw column names: the sub-query's own alias, correlated with the run's task_id.
  const task = qb.subQuery().select('1').from(Task, 'st').where('st.id = r.task_id');
  if (search.group !== undefined) task.andWhere('st.group_name = :group', { group: search.group });
  if (search.payload !== undefined)
    task.andWhere(payloadCondition(dataSource, 'st.payload', search.payload, params), params);
  qb.andWhere(`EXISTS ${task.getQuery()}`, { ...task.getParameters(), ...params });
}

/** The search as URL parameters (what the filter form sends), for pager and tab links. */
export function searchParams(search: Search): Record<string, string | undefined> {
  return {
    group: search.group,
    worker: search.worker,
    user: search.user,
    from: search.from?.text,
    to: search.to?.text,
    payload: search.payload?.text,
  };
}
