export { SchedulerDashboardModule } from './dashboard.module.js';
export type { SchedulerDashboardExtras, SchedulerDashboardOptions } from './dashboard.options.js';
export {
  DashboardGuardMissingError,
  InvalidDashboardOptionError,
  UnknownDashboardOptionError,
} from './dashboard.errors.js';
