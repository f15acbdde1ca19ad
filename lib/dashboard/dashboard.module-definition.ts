import { ConfigurableModuleBuilder } from '@nestjs/common';
import {
  normalizeDashboardPath,
  type SchedulerDashboardExtras,
  type SchedulerDashboardOptions,
} from './dashboard.options.js';
import { DASHBOARD_PATH } from './dashboard.tokens.js';
import { createDashboardController } from './http/dashboard.controller.js';

/**
 * `register()` / `registerAsync()`. The path is an extra, fixed at import time, because Nest
 * declares routes before any options factory runs; everything else may come from a factory.
 */
export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: DASHBOARD_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SchedulerDashboardOptions>({ moduleName: 'KronosDashboard' })
  .setExtras<SchedulerDashboardExtras>({ path: '/scheduler' }, (definition, extras) => {
    const path = normalizeDashboardPath(extras.path ?? '/scheduler');
    return {
      ...definition,
      controllers: [...(definition.controllers ?? []), createDashboardController(path)],
      providers: [...(definition.providers ?? []), { provide: DASHBOARD_PATH, useValue: path }],
    };
  })
  .build();
