import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventListenerExplorer } from './discovery/event-listener-explorer.js';
import { JobExplorer } from './discovery/job-explorer.js';
import { KRONOS_ENTITIES } from './entities/index.js';
import { KronosRuntime } from './kronos.runtime.js';
import { SchedulerBootstrap } from './scheduler.bootstrap.js';
import { assertClock, clockOf, KRONOS_CLOCK } from './scheduler.clock.js';
import {
  ConfigurableModuleClass,
  SCHEDULER_MODULE_OPTIONS,
  type ASYNC_OPTIONS_TYPE,
  type OPTIONS_TYPE,
} from './scheduler.module-definition.js';
import { assertKnownAsyncOptions } from './scheduler.option-keys.js';
import { resolveSchedulerOptions, type SchedulerModuleOptions } from './scheduler.options.js';
import { SchedulerService } from './service/scheduler.service.js';

/**
 * Kronos for a Nest application that uses `@nestjs/typeorm`.
 *
 * @example
 * ```ts
 * imports: [
 *   TypeOrmModule.forRoot({ type: 'better-sqlite3', database: 'app.db', autoLoadEntities: true, synchronize: true }),
 *   SchedulerModule.forRoot({ worker: { concurrency: 10 }, impersonation: { resolveUser: (id) => users.find(id) } }),
 * ]
 * ```
 * @publicApi
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    JobExplorer,
    EventListenerExplorer,
    SchedulerBootstrap,
    SchedulerService,
    // Its own provider, so a test can override it: overrideProvider(KRONOS_CLOCK).useValue(clock).
    { provide: KRONOS_CLOCK, useFactory: clockOf, inject: [SCHEDULER_MODULE_OPTIONS] },
    {
      provide: KronosRuntime,
      useFactory: (options: SchedulerModuleOptions, clock: unknown) =>
        new KronosRuntime({ ...resolveSchedulerOptions(options), clock: assertClock(clock) }),
      inject: [SCHEDULER_MODULE_OPTIONS, KRONOS_CLOCK],
    },
  ],
  exports: [SchedulerService, KRONOS_CLOCK],
})
export class SchedulerModule extends ConfigurableModuleClass {
  /** Register with options given inline. */
  static override forRoot(options: typeof OPTIONS_TYPE) {
    return withEntities(super.forRoot(options), options.dataSource);
  }

  /** Register with options from a factory, class or existing provider (e.g. `ConfigService`). */
  static override forRootAsync(options: typeof ASYNC_OPTIONS_TYPE) {
    assertKnownAsyncOptions(options);
    return withEntities(super.forRootAsync(options), options.dataSource);
  }
}

/** Register the entities with the DataSource, so `autoLoadEntities` picks them up. */
function withEntities<T extends { imports?: unknown[] }>(definition: T, dataSource: string | undefined): T {
  return {
    ...definition,
    imports: [...(definition.imports ?? []), TypeOrmModule.forFeature(KRONOS_ENTITIES, dataSource)],
  };
}
