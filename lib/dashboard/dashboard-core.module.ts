import { Module, type DynamicModule } from '@nestjs/common';
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
import {
  normalizeDashboardPath,
  resolveDashboardOptions,
  type SchedulerDashboardOptions,
} from './dashboard.options.js';
import { DASHBOARD_CONFIG, DASHBOARD_PATH } from './dashboard.tokens.js';
import { DashboardChanges } from './data/changes.js';
import { DashboardData } from './data/dashboard-data.js';
import { DashboardAccess, DashboardAccessGuard, DashboardMutationGuard } from './http/dashboard-access.js';
import { createDashboardController } from './http/dashboard.controller.js';
import { FastifyTrailingSlash } from './http/trailing-slash.js';

/**
 * What `SchedulerDashboardModule` mounts: the routes, the page templates and the queries behind
 * them. Imported with `import()` by `SchedulerDashboardModule.register()`/`registerAsync()`, so a
 * process that never registers the dashboard (a worker, the `kronos` command) never loads it.
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
export class SchedulerDashboardCoreModule extends ConfigurableModuleClass {
  /** The dashboard with options given inline, its routes at `options.path`. */
  static override register(options: typeof OPTIONS_TYPE): DynamicModule {
    return withRoutes(super.register(options), options.path);
  }

  /** The dashboard with options from a factory, class or existing provider; `path` stays inline. */
  static override registerAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    return withRoutes(super.registerAsync(options), options.path);
  }
}

function withRoutes(definition: DynamicModule, path: string | undefined): DynamicModule {
  const controller = createDashboardController(normalizeDashboardPath(path ?? '/scheduler'));
  return { ...definition, controllers: [...(definition.controllers ?? []), controller] };
}
