import { KronosError } from '../errors.js';
import { formatValue } from '../format-value.js';

/** `SchedulerDashboardModule` was registered without a guard and without `insecure: true`. */
export class DashboardGuardMissingError extends KronosError {
  constructor(readonly path: string) {
    super(
      `The Kronos dashboard at "${path}" has no guard: anyone who can reach the server could steer the scheduler. ` +
        'Pass guard: a CanActivate class or instance that admits your administrators, ' +
        'or insecure: true to mount it unprotected (local development only).',
    );
  }
}

/** An option of `SchedulerDashboardModule.register()` / `registerAsync()` is invalid. */
export class InvalidDashboardOptionError extends KronosError {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`Invalid SchedulerDashboardModule option ${field} ${formatValue(value)}: ${reason}.`);
  }
}

/**
 * An option `SchedulerDashboardModule` does not know: a typo, or an option written in the wrong
 * place (such as `path` returned by a `registerAsync` factory). Start-up fails rather than
 * ignore it.
 */
export class UnknownDashboardOptionError extends InvalidDashboardOptionError {
  constructor(
    /** The key as written: `'refreshIntervall'`. */
    readonly key: string,
    /** Why, and what to write instead. */
    readonly hint: string,
    /** The nearest valid key; null when none is near. */
    readonly suggestion: string | null = null,
  ) {
    super(key, undefined, hint);
    this.message = `Unknown SchedulerDashboardModule option ${key}: ${hint}${hint.endsWith('?') ? '' : '.'}`;
  }
}
