import { KronosError } from '../errors.js';
import { formatValue } from '../format-value.js';

/** An option of a `KronosHealthIndicator` check is invalid (a `maxWait` that is no duration, ...). */
export class InvalidHealthCheckOptionError extends KronosError {
  constructor(
    readonly check: string,
    readonly field: string,
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`Invalid option of the Kronos health check "${check}": ${field} ${formatValue(value)} ${reason}.`);
  }
}
