/** Wall-clock milliseconds with sub-millisecond resolution, comparable between processes of one machine. */
export const wallMs = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Nearest-rank percentile of an unsorted list. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** The middle value (the mean of the two middle values of an even-sized list). */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const round = (value: number, digits = 1): number =>
  Number.isFinite(value) ? Number(value.toFixed(digits)) : value;

/**
 * One figure measured over several runs: the median, the range, and a bootstrap 95% interval of
 * the median (resampling the runs). `values` holds every run, in the order they ran.
 */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Bootstrap 95% interval of the median (equal to the median for a single run). */
  lo: number;
  hi: number;
  n: number;
  values: number[];
}

/** A fixed-seed generator (mulberry32): the same runs give the same intervals every time. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RESAMPLES = 2000;

function resampledMedians(values: number[], random: () => number): number[] {
  const medians = new Array<number>(RESAMPLES);
  const sample = new Array<number>(values.length);
  for (let i = 0; i < RESAMPLES; i++) {
    for (let j = 0; j < values.length; j++) sample[j] = values[Math.floor(random() * values.length)];
    medians[i] = median(sample);
  }
  return medians;
}

/** Median, range and bootstrap 95% interval of the median of `values` (NaN values are left out). */
export function spread(values: number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0)
    return { median: Number.NaN, min: Number.NaN, max: Number.NaN, lo: Number.NaN, hi: Number.NaN, n: 0, values };
  const m = median(finite);
  let lo = m;
  let hi = m;
  if (finite.length > 1) {
    const medians = resampledMedians(finite, generator(finite.length * 7919));
    lo = percentile(medians, 2.5);
    hi = percentile(medians, 97.5);
  }
  return { median: m, min: Math.min(...finite), max: Math.max(...finite), lo, hi, n: finite.length, values: finite };
}

/** A ratio of two spread figures: the ratio of the medians and a bootstrap 95% interval of it. */
export interface RatioSpread {
  ratio: number;
  lo: number;
  hi: number;
  /**
   * `true` when the two figures' 95% intervals do not overlap; `false` when they do ("not
   * significant"); `null` when either figure has fewer than 3 runs (no interval to judge by).
   */
  significant: boolean | null;
  /** The median of per-round ratios (see `ratioSpread`), not the ratio of the medians. */
  paired?: boolean;
}

/**
 * The ratio of two figures. With `paired`, for figures whose runs were made in the same rounds
 * (the i-th value of each in round i, the systems alternating within the round): when both have
 * the same number of runs, at least three, the ratio is the median of the per-round ratios, its
 * 95% interval a bootstrap over the rounds, and it is significant when that interval leaves out 1.
 * A round's runs are minutes apart at most, so what slows the machine for a while (another
 * tenant of the host, the database's own background work) slows both figures of the round and
 * cancels out of their ratio, where it would move one median and not the other. Otherwise, the
 * ratio of the medians, its interval from resampling each figure's runs, and significant when the
 * two figures' own intervals do not overlap.
 */
export function ratioSpread(a: Spread, b: Spread, options: { paired?: boolean } = {}): RatioSpread {
  if (options.paired && a.n === b.n && a.n >= 3 && a.values.length === b.values.length) {
    const perRound = a.values.map((x, i) => x / b.values[i]);
    if (perRound.every((x) => Number.isFinite(x))) {
      const ratio = median(perRound);
      const medians = resampledMedians(perRound, generator(a.n * 131));
      const lo = percentile(medians, 2.5);
      const hi = percentile(medians, 97.5);
      return { ratio, lo, hi, significant: lo > 1 || hi < 1, paired: true };
    }
  }
  const ratio = a.median / b.median;
  if (a.n < 2 || b.n < 2 || !Number.isFinite(ratio) || b.median === 0)
    return { ratio, lo: ratio, hi: ratio, significant: null };
  const random = generator(a.n * 31 + b.n * 7);
  const ma = resampledMedians(a.values, random);
  const mb = resampledMedians(b.values, random);
  const ratios = ma.map((x, i) => x / mb[i]).filter((x) => Number.isFinite(x));
  const significant = a.n < 3 || b.n < 3 ? null : a.hi < b.lo || b.hi < a.lo;
  return { ratio, lo: percentile(ratios, 2.5), hi: percentile(ratios, 97.5), significant };
}
