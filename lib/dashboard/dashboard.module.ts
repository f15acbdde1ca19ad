import { Module, type DynamicModule } from '@nestjs/common';
import { ASYNC_OPTIONS_TYPE, ConfigurableModuleClass, OPTIONS_TYPE } from './dashboard.module-definition.js';
import { assertKnownDashboardAsyncOptions } from './dashboard.option-keys.js';
import { normalizeDashboardPath } from './dashboard.options.js';

/** The dashboard's routes, templates and queries: loaded by the first `register()`/`registerAsync()`. */
const loadCore = () => import('./dashboard-core.module.js');

/**
 * A web page where administrators see and steer the scheduler: overview, jobs, tasks, runs and
 * workers, server-rendered by the module itself. Needs `SchedulerModule` in the application and
 * a guard that admits administrators; start-up fails without one unless `insecure: true`.
 *
 * The module itself is light: its routes, page templates and queries are imported (`import()`)
 * when `register()` or `registerAsync()` is called, so importing `nestjs-kronos` in a process
 * that never mounts the dashboard, such as a worker, does not load them.
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
@Module({})
export class SchedulerDashboardModule extends ConfigurableModuleClass {
  /** Mount the dashboard with options given inline. */
  static override register(options: typeof OPTIONS_TYPE): DynamicModule {
    normalizeDashboardPath(options.path ?? '/scheduler');
    return {
      module: SchedulerDashboardModule,
      imports: [loadCore().then(({ SchedulerDashboardCoreModule }) => SchedulerDashboardCoreModule.register(options))],
    };
  }

  /** Mount the dashboard with options from a factory, class or existing provider; `path` stays inline. */
  static override registerAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    assertKnownDashboardAsyncOptions(options);
    normalizeDashboardPath(options.path ?? '/scheduler');
    return {
      module: SchedulerDashboardModule,
      imports: [
        loadCore().then(({ SchedulerDashboardCoreModule }) => SchedulerDashboardCoreModule.registerAsync(options)),
      ],
    };
  }
}
