import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SchedulerModuleOptions } from './scheduler.options.js';

/** Options fixed when the module is imported (not produced by an async factory). */
export interface SchedulerModuleExtras {
  /** Name of the TypeORM DataSource to use (as given to `TypeOrmModule.forRoot({ name })`). Default: the default one. */
  dataSource?: string;
  /** Register `SchedulerService` globally. Default true. */
  isGlobal?: boolean;
}

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: SCHEDULER_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SchedulerModuleOptions>({ moduleName: 'Kronos' })
  .setClassMethodName('forRoot')
  .setExtras<SchedulerModuleExtras>({ dataSource: undefined, isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
    providers: [...(definition.providers ?? []), { provide: KRONOS_DATA_SOURCE_NAME, useValue: extras.dataSource }],
  }))
  .build();

/** DI token: the name of the TypeORM DataSource Kronos uses (undefined = default). */
export const KRONOS_DATA_SOURCE_NAME = 'KRONOS_DATA_SOURCE_NAME';
