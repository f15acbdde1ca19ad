/**
 * Fixed-window rate limits (`ClaimRequest.rate`, docs/flow-control.md): the claims of a job in
 * the window `[k × perMs, (k + 1) × perMs)` that holds `now` are counted on its definition row
 * (`rate_window` = the window's start, `rate_count`). Each dialect reads and writes that pair
 * under the lock that serialises the job's claimers; this is the arithmetic they share.
 */
export interface RateState {
  /** Start of the window `now` falls in. */
  window: number;
  /** Claims already counted in that window. */
  used: number;
  /** How many more tasks may be claimed in it (0 or more). */
  room: number;
  /**
   * The instant the claim is judged and stamped at: `now`, or the start of the stored window when
   * that window is later than `now`'s. A clock read before the claimer waited for the row lock
   * (MySQL fixes a statement's clock when the statement starts) can be behind the window another
   * claimer counted in meanwhile; judging by it would count in a window already closed and
   * overwrite the later one's count, letting the next claimer fill that window a second time.
   */
  at: number;
}

/** Where `now` stands against the stored window: a stored window other than the current one counts as empty. */
export function rateState(
  rate: { limit: number; perMs: number },
  now: number,
  storedWindow: unknown,
  storedCount: unknown,
): RateState {
  const stored = storedWindow === null || storedWindow === undefined ? null : Number(storedWindow);
  const at = stored !== null && stored > now ? stored : now;
  const window = Math.floor(at / rate.perMs) * rate.perMs;
  const used = stored === window ? Number(storedCount) : 0;
  return { window, used, room: Math.max(0, rate.limit - used), at };
}

/** A rate-limited row as a claim read it under its lock: the limit, the stored window and count. */
export interface StoredRate {
  rate: { limit: number; perMs: number };
  window: unknown;
  count: unknown;
}

/** A claim judged against its job's window and its group's at one instant. */
export interface ClaimJudgement {
  /** The instant both windows are judged at, and the claim's clock (its tasks' `claimed_at`). */
  at: number;
  /** How many tasks both limits leave room for (`Infinity` when neither applies). */
  room: number;
  job: RateState | null;
  group: RateState | null;
}

/**
 * Judge a claim by its job's window and its group's (either may be absent) at one instant: the
 * latest of `now` and the stored windows (see `RateState.at`), so the tasks are counted in the
 * windows their `claimed_at` falls in, for the job and the group alike.
 */
export function judgeClaim(now: number, job: StoredRate | null, group: StoredRate | null): ClaimJudgement {
  let at = now;
  for (const row of [job, group]) if (row) at = rateState(row.rate, at, row.window, row.count).at;
  const judge = (row: StoredRate | null) => (row ? rateState(row.rate, at, row.window, row.count) : null);
  const states = { job: judge(job), group: judge(group) };
  const room = Math.min(states.job?.room ?? Infinity, states.group?.room ?? Infinity);
  return { at, room, ...states };
}
