import { PayloadNotSerializableError, PayloadTooLargeError } from '../errors.js';
import { findPayloadProblem } from '../json-check.js';

/**
 * Serialise a payload to JSON, refusing anything JSON would silently drop or mangle (functions,
 * symbols, undefined values, BigInt, NaN/Infinity, cycles, class instances other than Date),
 * with the path of the first offending value.
 */
export function serializePayload(job: string, payload: unknown, maxBytes: number): string | null {
  if (payload === undefined) return null;
  const problem = findPayloadProblem(payload);
  if (problem) throw new PayloadNotSerializableError(job, problem.path, problem.reason);
  const json = JSON.stringify(payload);
  const bytes = Buffer.byteLength(json);
  if (bytes > maxBytes) throw new PayloadTooLargeError(job, bytes, maxBytes);
  return json;
}
