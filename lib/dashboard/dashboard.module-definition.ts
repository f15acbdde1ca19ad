import { ConfigurableModuleBuilder } from '@nestjs/common';
import {
  normalizeDashboardPath,
  type SchedulerDashboardExtras,
  type SchedulerDashboardOptions,
} from './dashboard.options.js';
import { DASHBOARD_PATH } from './dashboard.tokens.js';

/**
 * `register()` / `registerAsync()`. The path is an extra, fixed at import time, because Nest
 * declares routes before any options factory runs; everything else may come from a factory.
 *
 * This file stays light: the routes (`createDashboardController`) and the providers are in
 * `dashboard-core.module.ts`, which `SchedulerDashboardModule` imports only when an application
 * registers the dashboard.
 */
export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: DASHBOARD_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SchedulerDashboardOptions>({ moduleName: 'KronosDashboard' })
  .setExtras<SchedulerDashboardExtras>({ path: '/scheduler' }, (definition, extras) => ({
    ...definition,
    providers: [
      ...(definition.providers ?? []),
      { provide: DASHBOARD_PATH, useValue: normalizeDashboardPath(extras.path ?? '/scheduler') },
    ],
  }))
  .build();
