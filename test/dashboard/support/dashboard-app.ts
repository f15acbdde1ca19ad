import 'reflect-metadata';
import {
  Injectable,
  Module,
  type CanActivate,
  type DynamicModule,
  type ExecutionContext,
  type INestApplication,
  type LoggerService,
  type Provider,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import {
  SchedulerDashboardModule,
  SchedulerModule,
  SchedulerService,
  type SchedulerDashboardOptions,
  type SchedulerModuleOptions,
} from '../../../lib/index.js';
import { FAST_WORKER, freshDatabase, type TestDatabase } from '../../support/test-app.js';

/** What the test guard expects; browsers send it through Playwright's `extraHTTPHeaders`. */
export const ADMIN_HEADER = 'x-admin-token';
export const ADMIN_TOKEN = 'let-me-in';

/** The stand-in for an application's admin guard: a header, as a proxy or an API gateway would set. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    return request.headers[ADMIN_HEADER] === ADMIN_TOKEN;
  }
}

export interface DashboardApp {
  app: INestApplication;
  /** Where the dashboard is, e.g. `http://127.0.0.1:5123/scheduler`. */
  url: string;
  origin: string;
  scheduler: SchedulerService;
  dataSource: DataSource;
  db: TestDatabase;
  close(): Promise<void>;
}

export interface DashboardAppOptions {
  adapter?: 'express' | 'fastify';
  providers?: Provider[];
  /** The dashboard module; default `register({ path: '/scheduler', guard: AdminTokenGuard })`. */
  dashboard?: DynamicModule;
  dashboardOptions?: SchedulerDashboardOptions;
  globalPrefix?: string;
  path?: string;
  scheduler?: SchedulerModuleOptions;
  db?: TestDatabase;
  logger?: LoggerService | false;
}

/** A real Nest HTTP application on SQLite with Kronos and the dashboard, listening on a free port. */
export async function bootDashboardApp(options: DashboardAppOptions = {}): Promise<DashboardApp> {
  const db = options.db ?? (await freshDatabase('sqlite'));
  const path = options.path ?? '/scheduler';
  const dashboard =
    options.dashboard ??
    SchedulerDashboardModule.register({ path, guard: AdminTokenGuard, ...options.dashboardOptions });
  @Module({
    imports: [
      TypeOrmModule.forRoot({ ...db.options, autoLoadEntities: true, synchronize: false }),
      SchedulerModule.forRoot({ worker: { ...FAST_WORKER }, ...options.scheduler }),
      dashboard,
    ],
    providers: [AdminTokenGuard, ...(options.providers ?? [])],
  })
  class DashboardTestModule {}
  const logger = options.logger ?? (process.env.KRONOS_TEST_LOGS ? undefined : false);
  const app =
    options.adapter === 'fastify'
      ? await NestFactory.create(DashboardTestModule, new FastifyAdapter(), { logger, abortOnError: false })
      : await NestFactory.create(DashboardTestModule, { logger, abortOnError: false });
  if (options.globalPrefix) app.setGlobalPrefix(options.globalPrefix);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const origin = `http://127.0.0.1:${address.port}`;
  const mount = [options.globalPrefix, path]
    .map((p) => (p ?? '').replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
  return {
    app,
    url: `${origin}/${mount}`,
    origin,
    scheduler: app.get(SchedulerService),
    dataSource: app.get<DataSource>(getDataSourceToken()),
    db,
    close: () => app.close(),
  };
}
