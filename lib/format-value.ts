/**
 * A value as error messages show it: strings quoted as JSON, numbers as JavaScript writes them
 * (`NaN`, `Infinity`, `-0`, which JSON would turn into `null` or `0`), BigInts with their `n`,
 * objects and arrays as JSON with those numbers kept readable. Never throws.
 */
export function formatValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return value.toString();
    case 'function':
      return `function ${value.name || '(anonymous)'}`;
  }
  try {
    return JSON.stringify(value, keepNumbers)?.replace(RAW, '$1') ?? String(value);
  } catch {
    return String(value);
  }
}

/** Marks a number JSON cannot write, so `formatValue` can unquote it afterwards. */
const MARK = '\u0000';
const RAW = /"\\u0000([^"\\]*)\\u0000"/g;

function keepNumbers(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0)))
    return `${MARK}${Object.is(value, -0) ? '-0' : value}${MARK}`;
  if (typeof value === 'bigint') return `${MARK}${value}n${MARK}`;
  return value;
}
