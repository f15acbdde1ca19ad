/**
 * Unknown keys in options objects. A key Kronos does not read is always a mistake (a typo, or
 * an option written at the wrong level) and silently ignoring it would keep a default the user
 * meant to change, so start-up fails instead, saying where the key belongs or what was meant.
 */

/** One level of an options object: where it sits and the keys it takes. */
export interface OptionLevel {
  /** Dotted path of the level as the user writes it (`''` at the top, `'worker'`, ...). */
  readonly path: string;
  /** What an option of this level is called: `'a worker option'`. */
  readonly noun: string;
  /** How the key is written at this level: `(key) => 'SchedulerModule.forRoot({ worker: { key } })'`. */
  readonly usage: (key: string) => string;
  readonly keys: readonly string[];
}

/** An unknown key, and the best hint found for it. */
export interface UnknownKey {
  /** The key as the user wrote it, with its level's path: `'worker.concurency'`. */
  readonly key: string;
  /** Why it is wrong and what to write instead. */
  readonly hint: string;
  /** The level where the key (or the nearest valid key) is an option, if any. */
  readonly belongsTo: string | null;
  /** The valid key nearest to a misspelt one, with its level's path: `'worker.concurrency'`. */
  readonly suggestion: string | null;
}

/**
 * The keys of an options interface, checked by the compiler against it: a key missing from the
 * list or not in the interface is a type error, so the list cannot drift from the type.
 */
export const keysOf = <T>(keys: { readonly [K in keyof Required<T>]: true }): readonly string[] => Object.keys(keys);

/** An options object (not null, an array or a function) whose keys can be checked. */
export const isOptionsObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/**
 * The first key of `value` that `level` does not take, with a hint: where it belongs when it is
 * an option of another level, else the nearest valid key ("did you mean"), else the valid keys.
 */
export function findUnknownKey(
  value: Record<string, unknown>,
  level: OptionLevel,
  others: readonly OptionLevel[],
): UnknownKey | null {
  const key = Object.keys(value).find((k) => !level.keys.includes(k));
  if (key === undefined) return null;
  const written = join(level.path, key);
  const home = others.find((other) => other.keys.includes(key));
  if (home) {
    return { key: written, belongsTo: home.path, suggestion: null, hint: `${key} is ${home.noun}: ${home.usage(key)}` };
  }
  const near =
    nearest(key, level) ?? others.map((other) => nearest(key, other)).find((found) => found !== null) ?? null;
  if (near) {
    const { level: at, key: valid } = near;
    const where = at === level ? '' : ` (${at.noun}: ${at.usage(valid)})`;
    return {
      key: written,
      belongsTo: at.path,
      suggestion: join(at.path, valid),
      hint: `did you mean ${join(at.path, valid)}?${where}`,
    };
  }
  const noun = level.noun.replace(/^an? /, '');
  return {
    key: written,
    belongsTo: null,
    suggestion: null,
    hint: `not ${level.noun}; the ${noun}s are ${level.keys.join(', ')}`,
  };
}

/** The key of `level` within a small edit distance of `key` (a typo or a different case). */
function nearest(key: string, level: OptionLevel): { level: OptionLevel; key: string } | null {
  const limit = Math.min(2, Math.floor(key.length / 3));
  let best: { level: OptionLevel; key: string; distance: number } | null = null;
  for (const candidate of level.keys) {
    const distance = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, candidate);
    if (distance <= limit && (best === null || distance < best.distance)) best = { level, key: candidate, distance };
  }
  return best;
}

/** Levenshtein distance, with adjacent transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}
