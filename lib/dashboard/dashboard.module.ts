import { Module } from '@nestjs/common';
import { DashboardActions } from './dashboard-actions.js';
import { DashboardAudit } from './dashboard-audit.js';
import { DashboardBulk } from './dashboard-bulk.js';
import { DashboardSchedules } from './dashboard-schedule.js';
import { DashboardQueues } from './dashboard-queues.js';
import {
  ASYNC_OPTIONS_TYPE,
  ConfigurableModuleClass,
  DASHBOARD_MODULE_OPTIONS,
  OPTIONS_TYPE,
} from './dashboard.module-definition.js';
import { assertKnownDashboardAsyncOptions } from './dashboard.option-keys.js';
import { resolveDashboardOptions, type SchedulerDashboardOptions } from './dashboard.options.js';
import { DASHBOARD_CONFIG, DASHBOARD_PATH } from './dashboard.tokens.js';
import { DashboardChanges } from './data/changes.js';
import { DashboardData } from './data/dashboard-data.js';
import { DashboardAccess, DashboardAccessGuard, DashboardMutationGuard } from './http/dashboard-access.js';
import { FastifyTrailingSlash } from './http/trailing-slash.js';

/**
 * A web page where administrators see and steer the scheduler: overview, jobs, tasks, runs and
 * workers, server-rendered by the module itself. Needs `SchedulerModule` in the application and
 * a guard that admits administrators; start-up fails without one unless `insecure: true`.
 *
 * @example
 * ```ts
 * imports: [
 *   SchedulerModule.forRoot({ ... }),
 *   SchedulerDashboardModule.register({ path: '/scheduler', guard: AdminGuard }),
 * ]
 * ```
 * @publicApi
 */
@Module({
  providers: [
    {
      provide: DASHBOARD_CONFIG,
      useFactory: (options: SchedulerDashboardOptions, path: string) => resolveDashboardOptions(options ?? {}, path),
      inject: [DASHBOARD_MODULE_OPTIONS, DASHBOARD_PATH],
    },
    DashboardAccess,
    DashboardAccessGuard,
    DashboardMutationGuard,
    DashboardData,
    DashboardChanges,
    DashboardActions,
    DashboardAudit,
    DashboardBulk,
    DashboardSchedules,
    DashboardQueues,
    FastifyTrailingSlash,
  ],
})
export class SchedulerDashboardModule extends ConfigurableModuleClass {
  /** Mount the dashboard with options given inline. */
  static override register(options: typeof OPTIONS_TYPE) {
    return super.register(options);
  }

  /** Mount the dashboard with options from a factory, class or existing provider; `path` stays inline. */
  static override registerAsync(options: typeof ASYNC_OPTIONS_TYPE) {
    assertKnownDashboardAsyncOptions(options);
    return super.registerAsync(options);
  }
}
