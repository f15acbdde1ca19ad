import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/**
 * Keyset pagination on the primary key, newest first: a page is "the n rows below id X"
 * (`before`) or "above id X" (`after`), found through an index whose last column is the id.
 * Unlike OFFSET, a page deep in a million rows costs the same as the first one.
 */
export interface PageRequest {
  before?: number;
  after?: number;
  size: number;
}

export interface Page<T> {
  /** Newest first. */
  rows: T[];
  /** Cursor (`after=`) of the newer page; null on the newest page. */
  newer: number | null;
  /** Cursor (`before=`) of the older page; null when nothing older is left. */
  older: number | null;
  /** Set when a filter without an index was applied: only these ids were searched. */
  searched: { from: number; to: number } | null;
}

/** Id bounds and order of one fetch. */
export interface Bounds {
  order: 'ASC' | 'DESC';
  gt?: number;
  lt?: number;
  gte?: number;
  lte?: number;
  limit: number;
}

/** Ids searched per page when a filter has no index (a bounded primary-key range scan). */
export const SCAN_SPAN = 50_000;

export function applyBounds<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  b: Bounds,
): SelectQueryBuilder<T> {
  if (b.gt !== undefined) qb.andWhere(`${alias}.id > :gt`, { gt: b.gt });
  if (b.lt !== undefined) qb.andWhere(`${alias}.id < :lt`, { lt: b.lt });
  if (b.gte !== undefined) qb.andWhere(`${alias}.id >= :gte`, { gte: b.gte });
  if (b.lte !== undefined) qb.andWhere(`${alias}.id <= :lte`, { lte: b.lte });
  return qb.orderBy(`${alias}.id`, b.order).limit(b.limit);
}

/** Rows of several fetches (one per status, say) merged in `b.order`, cut to `b.limit`. */
export function mergeById<T extends { id: number }>(lists: T[][], b: Bounds): T[] {
  const sign = b.order === 'ASC' ? 1 : -1;
  return lists
    .flat()
    .sort((x, y) => sign * (x.id - y.id))
    .slice(0, b.limit);
}

/**
 * Fetch one page. With `maxId` (a filter without an index), each fetch is limited to
 * `SCAN_SPAN` ids; a page may then come back short, and its cursor continues the search.
 */
export async function keysetPage<T extends { id: number }>(
  page: PageRequest,
  fetch: (bounds: Bounds) => Promise<T[]>,
  maxId?: () => Promise<number>,
): Promise<Page<T>> {
  const size = page.size;
  if (page.after === undefined) {
    const b: Bounds = { order: 'DESC', lt: page.before, limit: size + 1 };
    if (maxId) {
      b.lt = page.before ?? (await maxId()) + 1;
      b.gte = Math.max(1, b.lt - SCAN_SPAN);
    }
    const fetched = await fetch(b);
    const rows = fetched.slice(0, size);
    const more = fetched.length > size;
    const floorLeft = b.gte !== undefined && b.gte > 1;
    return {
      rows,
      older: more ? rows[rows.length - 1].id : floorLeft ? b.gte! : null,
      newer: page.before === undefined ? null : (rows[0]?.id ?? page.before - 1),
      searched: b.gte !== undefined ? { from: more ? rows[rows.length - 1].id : b.gte, to: b.lt! - 1 } : null,
    };
  }
  const b: Bounds = { order: 'ASC', gt: page.after, limit: size + 1 };
  const top = maxId ? await maxId() : undefined;
  if (top !== undefined) b.lte = page.after + SCAN_SPAN;
  const fetched = await fetch(b);
  const rows = fetched.slice(0, size);
  const more = fetched.length > size;
  const ceilingLeft = b.lte !== undefined && top !== undefined && b.lte < top;
  rows.reverse();
  return {
    rows,
    newer: more ? rows[0].id : ceilingLeft ? b.lte! : null,
    older: rows.length > 0 ? rows[rows.length - 1].id : page.after + 1,
    searched: b.lte !== undefined ? { from: page.after + 1, to: more ? rows[0].id : b.lte } : null,
  };
}
