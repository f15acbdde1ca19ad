/** What a sensitive payload value is shown as. */
export const REDACTED = '[redacted]';

/**
 * A copy of `value` with the values at the job's `sensitive` paths replaced by `[redacted]`.
 * A plain key matches at any depth; a dotted path matches from the root, `*` standing for any
 * one key or array index. With `everything`, every leaf is redacted (a job no longer in code,
 * whose sensitive fields are unknown).
 */
export function redact(value: unknown, sensitive: readonly string[], everything = false): unknown {
  return redactWith(value, sensitive, REDACTED, everything);
}

/** `redact()` with `replacement` in place of `[redacted]`. */
function redactWith(value: unknown, sensitive: readonly string[], replacement: unknown, everything = false): unknown {
  const anywhere = new Set(sensitive.filter((path) => !path.includes('.')));
  const paths = sensitive.filter((path) => path.includes('.')).map((path) => path.split('.'));
  const walk = (node: unknown, trail: string[]): unknown => {
    if (node === null || typeof node !== 'object') return everything ? replacement : node;
    const entries = Array.isArray(node) ? node.map((v, i) => [String(i), v] as const) : Object.entries(node);
    const out: [string, unknown][] = entries.map(([key, child]) => {
      const childTrail = [...trail, key];
      const hidden =
        anywhere.has(key) ||
        paths.some((p) => p.length === childTrail.length && p.every((seg, i) => seg === '*' || seg === childTrail[i]));
      return [key, hidden ? replacement : walk(child, childTrail)];
    });
    return Array.isArray(node) ? out.map(([, v]) => v) : Object.fromEntries(out);
  };
  return walk(value, []);
}

/** A stored JSON payload, redacted and pretty-printed; text that is not JSON is shown only without sensitive fields. */
export function redactedPayload(json: string | null, sensitive: readonly string[], everything = false): string | null {
  if (json === null || json === '') return null;
  try {
    return JSON.stringify(redact(JSON.parse(json), sensitive, everything), null, 2);
  } catch {
    return sensitive.length > 0 || everything ? REDACTED : json;
  }
}

/**
 * What the pages may show of one task's data. Built from its job's `sensitive` paths and the
 * task's stored payload:
 *
 * - the payload: the values at the sensitive paths become `[redacted]` (every value when the
 *   job is no longer in code);
 * - a run's JSON result: the same paths redacted, then the text rule below;
 * - any text (a message, output, a stack trace, a progress message, a result that is not JSON):
 *   every occurrence of the payload's sensitive values (each string and number inside them, also
 *   as written inside a JSON string) becomes `[redacted]`.
 *
 * When the job has sensitive fields but the payload is gone (the task was pruned), the values
 * to look for are unknown, and texts are withheld whole.
 */
export class Redaction {
  /** Texts of a job without sensitive fields, shown as they are (it knows no payload). */
  static readonly NONE = new Redaction([], false, null);

  private readonly hides: boolean;
  private readonly blind: boolean;
  private readonly secrets: RegExp | null;

  /**
   * @param sensitive the job's `sensitive` paths
   * @param everything every value is sensitive (a job no longer in code)
   * @param payload the task's stored payload; `undefined` when the task is gone
   */
  constructor(
    private readonly sensitive: readonly string[],
    private readonly everything: boolean,
    private readonly payloadJson: string | null | undefined,
  ) {
    this.hides = everything || sensitive.length > 0;
    this.blind = this.hides && payloadJson === undefined;
    this.secrets =
      this.hides && payloadJson ? secretPattern(sensitiveValues(payloadJson, sensitive, everything)) : null;
  }

  /** Whether this job's texts may need redacting (the caller then needs the task's payload). */
  static needed(sensitive: readonly string[], everything: boolean): boolean {
    return everything || sensitive.length > 0;
  }

  /** The payload, pretty-printed, with the sensitive values redacted. */
  payload(): string | null {
    return redactedPayload(this.payloadJson ?? null, this.sensitive, this.everything);
  }

  /** A run's result: JSON redacted by path, then every string, number and key checked for the payload's secrets; pretty-printed. */
  result(json: string | null): string | null {
    if (json === null || this.blind) return this.text(json);
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      return this.text(json);
    }
    const byValue = (node: unknown): unknown => {
      if (typeof node === 'string') return this.text(node);
      if (typeof node === 'number') return this.text(String(node)) === String(node) ? node : REDACTED;
      if (node === null || typeof node !== 'object') return node;
      if (Array.isArray(node)) return node.map(byValue);
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [this.text(key), byValue(child)]));
    };
    return JSON.stringify(byValue(redact(parsed, this.sensitive, this.everything)), null, 2);
  }

  /** A text with every occurrence of the payload's sensitive values redacted. */
  text(value: string): string;
  text(value: string | null): string | null;
  text(value: string | null): string | null {
    if (value === null || value === '' || !this.hides) return value;
    if (this.blind) return REDACTED;
    return this.secrets ? value.replace(this.secrets, REDACTED) : value;
  }
}

/** The strings and numbers at the sensitive paths of a stored payload (all of them with `everything`). */
export function sensitiveValues(json: string, sensitive: readonly string[], everything: boolean): string[] {
  let payload: unknown;
  try {
    payload = JSON.parse(json);
  } catch {
    return [json]; // not JSON: the payload page shows it redacted whole, so is it in texts
  }
  const MARK = Symbol('sensitive');
  const values: string[] = [];
  const collect = (node: unknown): void => {
    if (typeof node === 'string' || typeof node === 'number') values.push(String(node));
    else if (node !== null && typeof node === 'object') for (const child of Object.values(node)) collect(child);
  };
  if (everything) {
    collect(payload);
    return values;
  }
  // Mark the sensitive values by redacting a copy with a marker, then collect where the copy differs.
  const marked = redactWith(payload, sensitive, MARK);
  const walk = (original: unknown, copy: unknown): void => {
    if (copy === MARK) return collect(original);
    if (original !== null && typeof original === 'object' && copy !== null && typeof copy === 'object') {
      for (const [key, child] of Object.entries(original)) walk(child, (copy as Record<string, unknown>)[key]);
    }
  };
  walk(payload, marked);
  return values;
}

/** How a sensitive value may appear in a text: as it is, and as JSON writes it inside a string. */
export function secretForms(value: string): string[] {
  return value === '' ? [] : [value, JSON.stringify(value).slice(1, -1)];
}

/** One pattern matching any of the values, longest first, also as JSON would write them inside a string. */
export function secretPattern(values: string[]): RegExp | null {
  const forms = new Set<string>();
  for (const value of values) for (const form of secretForms(value)) forms.add(form);
  if (forms.size === 0) return null;
  const alternatives = [...forms]
    .sort((a, b) => b.length - a.length)
    .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  // `[redacted]` itself is matched too, so a short secret never eats into what was already redacted.
  return new RegExp([...alternatives, '\\[redacted\\]'].join('|'), 'g');
}
