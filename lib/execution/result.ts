import type { JsonValue } from '../types.js';

/** Options of `Result.success` / `Result.failure`. */
export interface ResultOptions {
  /** Text for admins, appended to the run's output. */
  output?: string;
  /** JSON value stored as the run's result. */
  data?: JsonValue;
}

/**
 * What a handler may return to set the run's status and message explicitly (superdjango's
 * Result). Any other return value is stored as the run's JSON result with status COMPLETED.
 *
 * @example
 * ```ts
 * return Result.success('Aggregates updated', { output: 'recomputed 3 rows' });
 * return Result.failure('Upstream refused the export', { output: body });
 * ```
 * @publicApi
 */
export class Result {
  private constructor(
    readonly status: 'success' | 'failure',
    readonly message: string,
    readonly output: string | null,
    readonly data: JsonValue | null,
  ) {}

  /** The run COMPLETED; `message` is shown to users. */
  static success(message: string, options: ResultOptions = {}): Result {
    return new Result('success', message, options.output ?? null, options.data ?? null);
  }

  /** The run FAILED without throwing (retries apply as for an error). */
  static failure(message: string, options: ResultOptions = {}): Result {
    return new Result('failure', message, options.output ?? null, options.data ?? null);
  }
}
