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
}

/** Where `now` stands against the stored window: a stored window other than the current one counts as empty. */
export function rateState(
  rate: { limit: number; perMs: number },
  now: number,
  storedWindow: unknown,
  storedCount: unknown,
): RateState {
  const window = Math.floor(now / rate.perMs) * rate.perMs;
  const used =
    storedWindow !== null && storedWindow !== undefined && Number(storedWindow) === window ? Number(storedCount) : 0;
  return { window, used, room: Math.max(0, rate.limit - used) };
}
