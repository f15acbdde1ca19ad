import { Module, type INestApplicationContext, type LoggerService, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource, DataSourceOptions } from 'typeorm';
import { SchedulerModule, SchedulerService, type SchedulerModuleOptions } from '../../lib/index.js';
import { createTestDataSource, type Dialect } from './databases.js';

/** Worker timings short enough for tests to observe every transition quickly. */
export const FAST_WORKER = {
  pollInterval: 25,
  syncInterval: 25,
  heartbeatInterval: 200,
  deadAfter: 1000,
  shutdownGracePeriod: 500,
  exitOnCommand: false,
} as const;

/** A database prepared with the shipped migrations; `options` boots apps on it (again and again). */
export interface TestDatabase {
  dialect: Dialect;
  options: DataSourceOptions;
}

export async function freshDatabase(
  dialect: Dialect,
  schema: 'migrations' | 'synchronize' = 'migrations',
): Promise<TestDatabase> {
  const dataSource = await createTestDataSource(dialect, { schema });
  const { entities: _e, migrations: _m, ...options } = dataSource.options;
  await dataSource.destroy();
  return { dialect, options: options as DataSourceOptions };
}

export interface TestApp {
  app: INestApplicationContext;
  scheduler: SchedulerService;
  dataSource: DataSource;
  close(): Promise<void>;
}

/** Boot a real Nest application context with Kronos on `db`, with the given job providers. */
export interface BootOptions {
  /** Extra modules to import next to TypeORM and Kronos. */
  imports?: any[];
  /** A logger to collect what Kronos says (silent by default; KRONOS_TEST_LOGS=1 prints). */
  logger?: LoggerService;
}

export async function bootApp(
  db: TestDatabase,
  providers: Provider[],
  options: SchedulerModuleOptions = {},
  boot: BootOptions = {},
): Promise<TestApp> {
  const imports = boot.imports ?? [];
  @Module({
    imports: [
      TypeOrmModule.forRoot({ ...db.options, autoLoadEntities: true, synchronize: false }),
      SchedulerModule.forRoot({ worker: { ...FAST_WORKER }, ...options }),
      ...imports,
    ],
    providers,
  })
  class TestAppModule {}
  const app = await NestFactory.createApplicationContext(TestAppModule, {
    logger: boot.logger ?? (process.env.KRONOS_TEST_LOGS ? undefined : false),
    abortOnError: false,
  });
  return {
    app,
    scheduler: app.get(SchedulerService),
    dataSource: app.get<DataSource>(getDataSourceToken()),
    close: () => app.close(),
  };
}

/** Poll `probe` until it returns a truthy value (or throw after `timeoutMs`). */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  timeoutMs = 10_000,
  label = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${label} (last value: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Wait until a task reaches one of `statuses`, returning its status view. */
export async function waitForTask(scheduler: SchedulerService, taskId: number, statuses: string[], timeoutMs = 10_000) {
  return waitFor(
    async () => {
      const view = await scheduler.status(taskId);
      return statuses.includes(view.task.status) ? view : null;
    },
    timeoutMs,
    `task ${taskId} to reach ${statuses.join('/')}`,
  );
}

/** The dialects the core suites run on. */
export const CORE_DIALECTS: Dialect[] = ['sqlite', 'postgres', 'mysql'];

/** A logger that keeps every line, for assertions on warnings. */
export class CollectingLogger implements LoggerService {
  readonly lines: { level: string; message: string }[] = [];
  log(message: unknown) {
    this.lines.push({ level: 'log', message: String(message) });
  }
  error(message: unknown) {
    this.lines.push({ level: 'error', message: String(message) });
  }
  warn(message: unknown) {
    this.lines.push({ level: 'warn', message: String(message) });
  }
  debug() {}
  verbose() {}
  messages(level: string): string[] {
    return this.lines.filter((l) => l.level === level).map((l) => l.message);
  }
}
