/** Where a value stops being JSON, and why: `$.items[2].price` and a reason for people. */
export interface JsonProblem {
  path: string;
  reason: string;
}

/**
 * The first value in a payload that JSON would silently drop or mangle (functions, symbols,
 * undefined, BigInt, NaN/Infinity, cycles, class instances other than Date), or null. Payloads
 * are data the handler reads back, so they must survive `JSON.stringify` + `JSON.parse` unchanged.
 */
export function findPayloadProblem(value: unknown): JsonProblem | null {
  return walk(value, '$', '', new Set(), true);
}

/**
 * The value that makes `JSON.stringify` throw (BigInt, a cycle, a `toJSON()` that throws), or
 * null. Results follow `JSON.stringify`'s own rules otherwise, like a Nest HTTP response: `toJSON`
 * is honoured (Dates, entities), undefined and functions are left out, NaN becomes null. Call it
 * after `JSON.stringify` threw, to say where.
 */
export function findResultProblem(value: unknown): JsonProblem | null {
  return walk(value, '$', '', new Set(), false);
}

function walk(input: unknown, path: string, key: string, seen: Set<object>, strict: boolean): JsonProblem | null {
  let value = input;
  if (!strict && hasToJson(value)) {
    try {
      value = value.toJSON(key);
    } catch (error) {
      return { path, reason: `its toJSON() threw: ${(error as Error)?.message ?? String(error)}` };
    }
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return strict && !Number.isFinite(value) ? { path, reason: `${value} is not a finite number` } : null;
    case 'bigint':
      return { path, reason: `BigInt ${value}n has no JSON form (${strict ? 'send' : 'return'} it as a string)` };
    case 'function':
      return strict ? { path, reason: 'a function cannot be stored' } : null;
    case 'symbol':
      return strict ? { path, reason: 'a symbol cannot be stored' } : null;
    case 'undefined':
      return strict ? { path, reason: 'undefined would be dropped (use null)' } : null;
  }
  if (value === null || (strict && value instanceof Date)) return null;
  const object = value as object;
  if (seen.has(object)) return { path, reason: 'circular reference' };
  seen.add(object);
  let problem: JsonProblem | null = null;
  if (Array.isArray(object)) {
    for (let index = 0; index < object.length && !problem; index++)
      problem = walk(object[index], `${path}[${index}]`, String(index), seen, strict);
  } else {
    const proto: unknown = Object.getPrototypeOf(object);
    if (strict && proto !== Object.prototype && proto !== null) {
      return { path, reason: `an instance of ${object.constructor?.name ?? 'a class'} is not plain data` };
    }
    for (const [name, item] of Object.entries(object)) {
      problem = walk(item, `${path}.${name}`, name, seen, strict);
      if (problem) break;
    }
  }
  seen.delete(object);
  return problem;
}

const hasToJson = (value: unknown): value is { toJSON(key: string): unknown } =>
  value !== null &&
  (typeof value === 'object' || typeof value === 'bigint') &&
  typeof (value as { toJSON?: unknown }).toJSON === 'function';
