/**
 * `nestjs-kronos/terminus`: health checks for `@nestjs/terminus` (an optional peer dependency,
 * loaded only by this entry point).
 */
export { KronosHealthIndicator } from './kronos-health.indicator.js';
export type { BacklogCheckOptions, DatabaseCheckOptions } from './health-options.js';
export { InvalidHealthCheckOptionError } from './health.errors.js';
