/** Epoch ms of an ISO instant. */
export const t = (iso: string): number => {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new Error(`bad instant ${iso}`);
  return ms;
};

/** ISO text of epoch ms (or null). */
export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Local wall time 'YYYY-MM-DD HH:MM:SS' of an instant in a time zone (independent of the code under test). */
export const wall = (ms: number | Date, timeZone: string): string =>
  new Date(ms).toLocaleString('sv-SE', { timeZone, hour12: false });
