import { PayloadNotSerializableError, PayloadTooLargeError } from '../errors.js';

/**
 * Serialise a payload to JSON, refusing anything JSON would silently drop or mangle (functions,
 * symbols, undefined values, BigInt, NaN/Infinity, cycles, class instances other than Date),
 * with the path of the first offending value.
 */
export function serializePayload(job: string, payload: unknown, maxBytes: number): string | null {
  if (payload === undefined) return null;
  check(job, payload, '$', new Set());
  const json = JSON.stringify(payload);
  const bytes = Buffer.byteLength(json);
  if (bytes > maxBytes) throw new PayloadTooLargeError(job, bytes, maxBytes);
  return json;
}

function check(job: string, value: unknown, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new PayloadNotSerializableError(job, path, `${value} is not a finite number`);
      return;
    case 'bigint':
      throw new PayloadNotSerializableError(job, path, `BigInt ${value}n has no JSON form (send it as a string)`);
    case 'function':
      throw new PayloadNotSerializableError(job, path, 'a function cannot be stored');
    case 'symbol':
      throw new PayloadNotSerializableError(job, path, 'a symbol cannot be stored');
    case 'undefined':
      throw new PayloadNotSerializableError(job, path, 'undefined would be dropped (use null)');
  }
  if (value === null || value instanceof Date) return;
  const object = value as object;
  if (seen.has(object)) throw new PayloadNotSerializableError(job, path, 'circular reference');
  seen.add(object);
  if (Array.isArray(object)) {
    object.forEach((item, index) => check(job, item, `${path}[${index}]`, seen));
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      throw new PayloadNotSerializableError(job, path, `an instance of ${object.constructor?.name ?? 'a class'} is not plain data`);
    }
    for (const [key, item] of Object.entries(object)) check(job, item, `${path}.${key}`, seen);
  }
  seen.delete(object);
}
