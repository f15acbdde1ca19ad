/** What a sensitive payload value is shown as. */
export const REDACTED = '[redacted]';

/**
 * A copy of `value` with the values at the job's `sensitive` paths replaced by `[redacted]`.
 * A plain key matches at any depth; a dotted path matches from the root, `*` standing for any
 * one key or array index. With `everything`, every leaf is redacted (a job no longer in code,
 * whose sensitive fields are unknown).
 */
export function redact(value: unknown, sensitive: readonly string[], everything = false): unknown {
  const anywhere = new Set(sensitive.filter((path) => !path.includes('.')));
  const paths = sensitive.filter((path) => path.includes('.')).map((path) => path.split('.'));
  const walk = (node: unknown, trail: string[]): unknown => {
    if (node === null || typeof node !== 'object') return everything ? REDACTED : node;
    const entries = Array.isArray(node) ? node.map((v, i) => [String(i), v] as const) : Object.entries(node);
    const out: [string, unknown][] = entries.map(([key, child]) => {
      const childTrail = [...trail, key];
      const hidden = anywhere.has(key) || paths.some((p) => p.length === childTrail.length && p.every((seg, i) => seg === '*' || seg === childTrail[i]));
      return [key, hidden ? REDACTED : walk(child, childTrail)];
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
