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
 * two figures' own intervals do not overlap. Two pooled percentiles (`pooledSpread`) of the same
 * rounds: the ratio of the pooled values, its interval from resampling whole rounds for both.
 */
export function ratioSpread(a: Spread, b: Spread, options: { paired?: boolean } = {}): RatioSpread {
  if (
    options.paired &&
    isPooled(a) &&
    isPooled(b) &&
    a.pooled.histograms.length === b.pooled.histograms.length &&
    a.pooled.histograms.length >= 3
  )
    return pooledRatio(a, b);
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

/**
 * Latencies of one run counted in logarithmic buckets 2% wide: bucket `i` holds the values in
 * [0.01 · 1.02^i, 0.01 · 1.02^(i+1)) ms (everything under 0.01 ms in bucket 0). A percentile read
 * from it is within 1% of the exact one; a run's thousands of samples fit in a few hundred
 * numbers, so results.json keeps every run's and the rounds can be pooled when the report is
 * written again (`--render`).
 */
export interface Histogram {
  first: number;
  /** The counts of buckets `first`, `first + 1`, …, comma-separated: one line in results.json. */
  counts: string;
}

const countsOf = (h: Histogram): number[] => (h.counts ? h.counts.split(',').map(Number) : []);

const BUCKET_BASE_MS = 0.01;
const BUCKET_GROWTH = Math.log(1.02);
const bucketOf = (ms: number): number =>
  ms <= BUCKET_BASE_MS ? 0 : Math.floor(Math.log(ms / BUCKET_BASE_MS) / BUCKET_GROWTH);
/** The value a bucket stands for: its geometric middle. */
const bucketValue = (bucket: number): number => BUCKET_BASE_MS * Math.exp((bucket + 0.5) * BUCKET_GROWTH);

export function histogram(values: number[]): Histogram {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { first: 0, counts: '' };
  const buckets = finite.map(bucketOf);
  const first = Math.min(...buckets);
  const counts = new Array<number>(Math.max(...buckets) - first + 1).fill(0);
  for (const b of buckets) counts[b - first]++;
  return { first, counts: counts.join(',') };
}

/** Several runs' histograms on one bucket range, so that pooling a choice of them is a sum. */
interface Aligned {
  first: number;
  rows: Float64Array[];
  totals: number[];
}

function align(histograms: Histogram[]): Aligned {
  const runs = histograms.map((h) => ({ first: h.first, counts: countsOf(h) }));
  const used = runs.filter((h) => h.counts.length > 0);
  const first = used.length ? Math.min(...used.map((h) => h.first)) : 0;
  const last = used.length ? Math.max(...used.map((h) => h.first + h.counts.length - 1)) : -1;
  const rows = runs.map((h) => {
    const row = new Float64Array(last - first + 1);
    h.counts.forEach((c, k) => (row[h.first + k - first] += c));
    return row;
  });
  return { first, rows, totals: runs.map((h) => h.counts.reduce((a, b) => a + b, 0)) };
}

/**
 * The nearest-rank percentile of the runs `weights` picks (run `j` counted `weights[j]` times),
 * walking the buckets from the nearer end: a p99 reads only the tail.
 */
function pooledPercentile(a: Aligned, weights: number[], p: number): number {
  let total = 0;
  weights.forEach((w, j) => (total += w * a.totals[j]));
  if (total === 0) return Number.NaN;
  const rank = Math.min(total, Math.max(1, Math.ceil((p / 100) * total)));
  const width = a.rows[0]?.length ?? 0;
  const at = (k: number) => {
    let n = 0;
    for (let j = 0; j < weights.length; j++) if (weights[j]) n += weights[j] * a.rows[j][k];
    return n;
  };
  if (p <= 50) {
    let seen = 0;
    for (let k = 0; k < width; k++) if ((seen += at(k)) >= rank) return bucketValue(a.first + k);
  } else {
    const fromTop = total - rank + 1;
    let seen = 0;
    for (let k = width - 1; k >= 0; k--) if ((seen += at(k)) >= fromTop) return bucketValue(a.first + k);
  }
  return Number.NaN;
}

/** Round weights of one bootstrap resample: `n` rounds drawn with replacement. */
function drawRounds(n: number, random: () => number): number[] {
  const weights = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) weights[Math.floor(random() * n)]++;
  return weights;
}

/** A percentile of every round's tasks pooled, and the rounds it came from, for paired ratios. */
export interface PooledSpread extends Spread {
  pooled: { histograms: Histogram[]; p: number };
}

/**
 * The `p`th percentile of all the runs' tasks pooled (three runs of 400 tasks: a p99 is the 12th
 * slowest of 1,200, not the median of three 4th-slowest), with the range of the runs' own
 * percentiles (`perRun`) and a bootstrap 95% interval that resamples whole runs.
 */
export function pooledSpread(histograms: Histogram[], perRun: number[], p: number): PooledSpread {
  const base = spread(perRun);
  const aligned = align(histograms);
  // The exact pooled percentile lies within the runs' own; a bucket's middle may not, by up to 1%.
  const all = histograms.map(() => 1);
  const value = Math.min(base.max, Math.max(base.min, pooledPercentile(aligned, all, p)));
  let lo = value;
  let hi = value;
  if (histograms.length > 1) {
    const random = generator(histograms.length * 4409 + p);
    const values = Array.from({ length: RESAMPLES }, () =>
      pooledPercentile(aligned, drawRounds(histograms.length, random), p),
    );
    lo = percentile(values, 2.5);
    hi = percentile(values, 97.5);
  }
  return { ...base, median: value, lo, hi, pooled: { histograms, p } };
}

/**
 * The ratio of two pooled percentiles measured in the same rounds, its interval a bootstrap that
 * draws the same rounds for both (the pairing of `ratioSpread`), significant when it leaves out 1.
 */
function pooledRatio(a: PooledSpread, b: PooledSpread): RatioSpread {
  const n = a.pooled.histograms.length;
  const ta = align(a.pooled.histograms);
  const tb = align(b.pooled.histograms);
  const random = generator(n * 977 + a.pooled.p);
  const ratios: number[] = [];
  for (let i = 0; i < RESAMPLES; i++) {
    const weights = drawRounds(n, random);
    const r = pooledPercentile(ta, weights, a.pooled.p) / pooledPercentile(tb, weights, b.pooled.p);
    if (Number.isFinite(r)) ratios.push(r);
  }
  const lo = percentile(ratios, 2.5);
  const hi = percentile(ratios, 97.5);
  return { ratio: a.median / b.median, lo, hi, significant: lo > 1 || hi < 1, paired: true };
}

function isPooled(s: Spread): s is PooledSpread {
  return 'pooled' in s && s.pooled !== undefined;
}
