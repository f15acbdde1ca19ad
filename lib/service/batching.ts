/**
 * Start-up writes, a few at a time: each is its own statement and commit, and commits in flight
 * together share the database's flush. 10,000 recurring jobs are 10,000 definitions to insert on a
 * first deployment, and as many stale slots to move after a long stop.
 */
export const WRITES_IN_FLIGHT = 8;

/** Rows per batch statement, and names per `IN (...)` look-up (PostgreSQL takes 65,535 parameters). */
export const CHUNK = 1000;

/** `work` for each item, at most `limit` at a time; results in the items' order. */
export async function inFlight<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const n = next++;
      results[n] = await work(items[n]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** `items` cut into arrays of at most `size`. */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let n = 0; n < items.length; n += size) out.push(items.slice(n, n + size));
  return out;
}
