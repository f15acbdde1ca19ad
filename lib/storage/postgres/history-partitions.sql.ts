import type { Pool } from 'pg';
import type { HistoryPartitioning, HistoryPeriod } from '../postgres-options.js';
import { transaction } from './sql.js';
import { quoteIdent } from './tables.js';

/**
 * Time-partitioned run history on PostgreSQL (docs/partitioning.md): the run table partitioned
 * by range of `start_time` (epoch ms), one partition per UTC day or ISO week, plus a default
 * partition that catches any row no range holds, so an insert never fails. Housekeeping creates
 * partitions ahead; retention drops whole partitions instead of deleting rows in batches.
 *
 * Every DDL change runs in a transaction holding a transaction-scoped advisory lock keyed by the
 * run table, so several processes can maintain the same table at once (the second one finds the
 * first one's work done), with a short `lock_timeout` so a long reader never makes the fleet's
 * inserts queue behind a waiting DDL statement: a timed-out round is retried on the next one.
 */

export type { HistoryPartitioning, HistoryPeriod } from '../postgres-options.js';

/** What a round of partition dropping did. */
export interface DroppedHistory {
  /** The partitions dropped, by name. */
  partitions: string[];
  /** Rows they held, as estimated by PostgreSQL's statistics (counting would read them all). */
  runs: number;
  /** The lower bound of the oldest range partition left, or null when none is left. */
  keptFrom: number | null;
}

/** A query on one connection: a `pg` client's or a migration's query runner. */
export type Query = (text: string, values?: unknown[]) => Promise<Record<string, unknown>[]>;

const DAY = 86_400_000;
/** 1970-01-05T00:00Z, the first Monday after the epoch: weeks start on Mondays (ISO). */
const FIRST_MONDAY = 4 * DAY;
/** How long a DDL statement waits for a table lock before the round gives up (retried later). */
const LOCK_TIMEOUT = '5s';

/** The start (epoch ms, UTC) of the period holding instant `t`. */
export function periodStart(by: HistoryPeriod, t: number): number {
  if (by === 'day') return Math.floor(t / DAY) * DAY;
  const week = 7 * DAY;
  return Math.floor((t - FIRST_MONDAY) / week) * week + FIRST_MONDAY;
}

/** The start of the period after the one starting at `start`. */
export function nextPeriod(by: HistoryPeriod, start: number): number {
  return start + (by === 'day' ? DAY : 7 * DAY);
}

/** A range partition: rows with `from <= start_time < to` (±Infinity for MINVALUE/MAXVALUE). */
export interface RangePartition {
  name: string;
  from: number;
  to: number;
}

/** The run table as the catalog describes it. */
export interface RunTableLayout {
  /** The schema the run table lives in (its partitions go there too). */
  schema: string;
  /** The run table's own name. */
  table: string;
  partitioned: boolean;
  /** Range partitions, oldest first. */
  ranges: RangePartition[];
  /** The default partition's name, or null. */
  defaultPartition: string | null;
}

const bound = (text: string): number =>
  text === 'MINVALUE' ? -Infinity : text === 'MAXVALUE' ? Infinity : Number(text.replaceAll("'", ''));

/** Read the run table's layout from the catalog (`run` is the quoted, maybe schema-qualified name). */
export async function readRunLayout(query: Query, run: string): Promise<RunTableLayout> {
  const [table] = await query(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = to_regclass($1)`,
    [run],
  );
  if (!table) throw new Error(`Kronos: the run table ${run} does not exist (are the migrations applied?)`);
  const layout: RunTableLayout = {
    schema: String(table.schema),
    table: String(table.name),
    partitioned: table.kind === 'p',
    ranges: [],
    defaultPartition: null,
  };
  if (!layout.partitioned) return layout;
  const partitions = await query(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = to_regclass($1)`,
    [run],
  );
  for (const p of partitions) {
    const text = String(p.bound);
    if (text === 'DEFAULT') {
      layout.defaultPartition = String(p.name);
      continue;
    }
    const range = /FROM \((\S+)\) TO \((\S+)\)/.exec(text);
    if (range) layout.ranges.push({ name: String(p.name), from: bound(range[1]), to: bound(range[2]) });
  }
  layout.ranges.sort((a, b) => a.from - b.from);
  return layout;
}

/** The stretches of `[from, to)` that no range partition covers. */
export function uncovered(ranges: readonly RangePartition[], from: number, to: number): [number, number][] {
  const gaps: [number, number][] = [];
  let at = from;
  for (const r of ranges) {
    if (r.to <= at || r.from >= to) continue;
    if (r.from > at) gaps.push([at, r.from]);
    at = Math.max(at, r.to);
    if (at >= to) break;
  }
  if (at < to) gaps.push([at, to]);
  return gaps;
}

/** A partition's name: the run table's, `_p` and its first UTC day (`kronos_run_p20261203`). */
export function partitionName(table: string, from: number): string {
  const iso = new Date(from).toISOString();
  const day = iso.slice(0, 10).replaceAll('-', '');
  return from % DAY === 0 ? `${table}_p${day}` : `${table}_p${day}_${from % DAY}`;
}

const qualified = (schema: string, name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;

/**
 * Create the range partition `[from, to)`: a plain table shaped like the run table, filled with
 * the rows of that range the default partition caught meanwhile (moved in the same
 * transaction), then attached. ATTACH takes a SHARE UPDATE EXCLUSIVE lock on the run table, so
 * inserts and reads go on; it checks the new table (empty, or just filled) and the default
 * partition (which holds nothing of the range any more).
 */
async function createRange(query: Query, run: string, layout: RunTableLayout, from: number, to: number) {
  const name = partitionName(layout.table, from);
  const path = qualified(layout.schema, name);
  await query(`CREATE TABLE ${path} (LIKE ${run} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)`);
  if (layout.defaultPartition) {
    await query(
      `WITH moved AS (DELETE FROM ${qualified(layout.schema, layout.defaultPartition)}
                       WHERE start_time >= $1 AND start_time < $2 RETURNING *)
       INSERT INTO ${path} SELECT * FROM moved`,
      [from, to],
    );
  }
  await query(`ALTER TABLE ${run} ATTACH PARTITION ${path} FOR VALUES FROM (${from}) TO (${to})`);
  return name;
}

/** Run `work` in a transaction holding the run table's maintenance lock. */
function maintenance<T>(pool: Pool, run: string, work: (query: Query) => Promise<T>): Promise<T> {
  return transaction(pool, async (client) => {
    await client.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('kronos history ' || $1::regclass::oid::text))`, [run]);
    return work(async (text, values) => (await client.query<Record<string, unknown>>(text, values)).rows);
  });
}

/**
 * Make sure range partitions cover the current period and `ahead` periods after it (only the
 * stretches no partition covers yet are created, so changing `by` never overlaps an existing
 * partition). Returns the names created, or null when the run table is not partitioned.
 */
export function ensureHistoryPartitions(
  pool: Pool,
  run: string,
  plan: HistoryPartitioning,
  now: number,
): Promise<string[] | null> {
  return maintenance(pool, run, async (query) => {
    const layout = await readRunLayout(query, run);
    if (!layout.partitioned) return null;
    let end = periodStart(plan.by, now);
    for (let i = 0; i <= plan.ahead; i++) end = nextPeriod(plan.by, end);
    const created: string[] = [];
    for (let from = periodStart(plan.by, now); from < end; from = nextPeriod(plan.by, from)) {
      for (const [lo, hi] of uncovered(layout.ranges, from, nextPeriod(plan.by, from))) {
        created.push(await createRange(query, run, layout, lo, hi));
        layout.ranges.push({ name: created.at(-1)!, from: lo, to: hi });
        layout.ranges.sort((a, b) => a.from - b.from);
      }
    }
    return created;
  });
}

/**
 * Drop the range partitions wholly older than `before` (every row started before it), one
 * transaction each: DETACH, then DROP. A partition still holding a RUNNING run is kept (one
 * probe of the partial status index). Returns null when the run table is not partitioned.
 */
export async function dropHistoryPartitions(pool: Pool, run: string, before: number): Promise<DroppedHistory | null> {
  const first = await maintenance(pool, run, (query) => readRunLayout(query, run));
  if (!first.partitioned) return null;
  const dropped: DroppedHistory = { partitions: [], runs: 0, keptFrom: null };
  for (const candidate of first.ranges.filter((r) => r.to <= before)) {
    await maintenance(pool, run, async (query) => {
      const layout = await readRunLayout(query, run);
      const partition = layout.ranges.find((r) => r.name === candidate.name);
      if (!partition) return; // another process dropped it meanwhile
      const path = qualified(layout.schema, partition.name);
      const [running] = await query(`SELECT 1 FROM ${path} WHERE status = 'RUNNING' AND status <> 'COMPLETED' LIMIT 1`);
      if (running) return;
      const [estimate] = await query(
        `SELECT GREATEST(reltuples, 0)::bigint AS rows FROM pg_class WHERE oid = $1::regclass`,
        [path],
      );
      await query(`ALTER TABLE ${run} DETACH PARTITION ${path}`);
      await query(`DROP TABLE ${path}`);
      dropped.partitions.push(partition.name);
      dropped.runs += Number(estimate?.rows ?? 0);
    });
  }
  const last = await maintenance(pool, run, (query) => readRunLayout(query, run));
  dropped.keptFrom = last.ranges.length > 0 ? last.ranges[0].from : null;
  return dropped;
}

/** At most this many range partitions for the existing rows of a converted table; older rows share one. */
const MAX_HISTORY_PARTITIONS = 400;

/**
 * Rebuild the run table in the other layout, keeping every row, its id and the id sequence:
 * partitioned (range partitions for the existing rows' periods, `ahead` more, and a default
 * partition) or plain again. Runs inside the caller's transaction (a migration's): the table is
 * locked ACCESS EXCLUSIVE while its rows are copied. The secondary indexes are recreated from
 * their own definitions (whatever another migration made of them); the primary key becomes
 * `(id, start_time)` when partitioned (PostgreSQL requires the partition key in it) and `(id)` when plain.
 * Returns how many runs were copied, or null when the table already had that layout.
 */
export async function rebuildRunTable(
  query: Query,
  run: string,
  target: { partitioned: true; plan: HistoryPartitioning; now: number } | { partitioned: false },
): Promise<number | null> {
  const layout = await readRunLayout(query, run);
  if (layout.partitioned === target.partitioned) return null;
  await query(`LOCK TABLE ${run} IN ACCESS EXCLUSIVE MODE`);
  const [serial] = await query(`SELECT pg_get_serial_sequence($1, 'id') AS seq`, [run]);
  const indexes = await query(
    `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def, x.indisunique AS unique
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
      WHERE x.indrelid = to_regclass($1) AND NOT x.indisprimary`,
    [run],
  );
  const unique = indexes.find((i) => i.unique === true);
  if (unique && target.partitioned)
    throw new Error(
      `Kronos: the run table's unique index ${String(unique.name)} does not hold start_time, so the table cannot be partitioned by it`,
    );
  const [pk] = await query(`SELECT conname FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype = 'p'`, [
    run,
  ]);
  const old = qualified(layout.schema, `${layout.table}_rebuilt`);
  await query(`ALTER TABLE ${run} RENAME TO ${quoteIdent(`${layout.table}_rebuilt`)}`);
  for (const index of indexes) await query(`DROP INDEX ${qualified(layout.schema, String(index.name))}`);
  if (pk) await query(`ALTER TABLE ${old} DROP CONSTRAINT ${quoteIdent(String(pk.conname))}`);
  await query(
    `CREATE TABLE ${run} (LIKE ${old} INCLUDING DEFAULTS INCLUDING STORAGE)${target.partitioned ? ' PARTITION BY RANGE (start_time)' : ''}`,
  );
  await query(`ALTER TABLE ${run} ADD PRIMARY KEY (${target.partitioned ? 'id, start_time' : 'id'})`);
  if (typeof serial?.seq === 'string') await query(`ALTER SEQUENCE ${serial.seq} OWNED BY ${run}.id`);
  for (const index of indexes) {
    const definition = String(index.def).replace(/ ON (ONLY )?\S+ USING /, ` ON ${run} USING `);
    await query(definition);
  }
  if (target.partitioned) {
    const { plan, now } = target;
    const table = layout.table;
    await query(`CREATE TABLE ${qualified(layout.schema, `${table}_default`)} PARTITION OF ${run} DEFAULT`);
    const [oldest] = await query(`SELECT MIN(start_time) AS t FROM ${old}`);
    const current = periodStart(plan.by, now);
    let first = oldest?.t === null || oldest?.t === undefined ? current : periodStart(plan.by, Number(oldest.t));
    let end = current;
    for (let i = 0; i <= plan.ahead; i++) end = nextPeriod(plan.by, end);
    const length = nextPeriod(plan.by, 0);
    let floor = end;
    for (let i = 0; i < MAX_HISTORY_PARTITIONS && floor > first; i++) floor -= length;
    if (floor > first) {
      // Older rows share one partition, dropped whole once all of them are past the horizon.
      const path = qualified(layout.schema, `${table}_p_older`);
      await query(`CREATE TABLE ${path} PARTITION OF ${run} FOR VALUES FROM (MINVALUE) TO (${floor})`);
      first = floor;
    }
    for (let from = first; from < end; from = nextPeriod(plan.by, from)) {
      const path = qualified(layout.schema, partitionName(table, from));
      await query(
        `CREATE TABLE ${path} PARTITION OF ${run} FOR VALUES FROM (${from}) TO (${nextPeriod(plan.by, from)})`,
      );
    }
  }
  const [copied] = await query(
    `WITH copied AS (INSERT INTO ${run} SELECT * FROM ${old} RETURNING 1) SELECT COUNT(*)::bigint AS n FROM copied`,
  );
  await query(`DROP TABLE ${old}`);
  return Number(copied?.n ?? 0);
}
