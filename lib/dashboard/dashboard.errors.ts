import { KronosError } from '../errors.js';

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
    super(`Invalid SchedulerDashboardModule option ${field} ${JSON.stringify(value) ?? String(value)}: ${reason}.`);
  }
}
