import 'reflect-metadata';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  InvalidDashboardOptionError,
  InvalidSchedulerOptionError,
  SchedulerDashboardModule,
  SchedulerModule,
  UnknownDashboardOptionError,
  UnknownSchedulerOptionError,
} from '../../lib/index.js';
import { bootDashboardApp } from '../dashboard/support/dashboard-app.js';
import { freshDatabase, type TestDatabase } from '../support/test-app.js';

/** A real application context on SQLite with the given Kronos module; resolves with what start-up threw. */
async function startupError(db: TestDatabase, kronos: () => DynamicModule): Promise<unknown> {
  try {
    @Module({ imports: [TypeOrmModule.forRoot({ ...db.options, autoLoadEntities: true }), kronos()] })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
    await app.close();
    return null;
  } catch (error) {
    return error;
  }
}

const forRoot = (options: object) => () => SchedulerModule.forRoot({ worker: false, ...options } as never);
const forRootAsync = (options: object) => () => SchedulerModule.forRootAsync(options);

@Injectable()
class AllowAll {
  canActivate() {
    return true;
  }
}

describe('SchedulerModule refuses options it does not know', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase('sqlite');
  });

  it('says where a misplaced worker option belongs instead of keeping the default', async () => {
    const error = await startupError(db, forRoot({ shutdownGracePeriod: 300, worker: { concurrency: 2 } }));
    expect(error).toBeInstanceOf(UnknownSchedulerOptionError);
    expect(error).toBeInstanceOf(InvalidSchedulerOptionError);
    expect(error).toMatchObject({ key: 'shutdownGracePeriod', belongsTo: 'worker' });
    expect((error as Error).message).toBe(
      'Unknown SchedulerModule option shutdownGracePeriod: shutdownGracePeriod is a worker option: ' +
        'SchedulerModule.forRoot({ worker: { shutdownGracePeriod } }).',
    );
  });

  it('suggests the option a typo was meant to be', async () => {
    const error = await startupError(db, forRoot({ worker: { concurency: 4 } }));
    expect(error).toMatchObject({ key: 'worker.concurency', suggestion: 'worker.concurrency' });
    expect((error as Error).message).toBe(
      'Unknown SchedulerModule option worker.concurency: did you mean worker.concurrency?',
    );
  });

  it('suggests a near option of another level, and says how to write it', async () => {
    const error = await startupError(db, forRoot({ heartbeatIntervall: '5s' }));
    expect(error).toMatchObject({ key: 'heartbeatIntervall', suggestion: 'worker.heartbeatInterval' });
    expect((error as Error).message).toContain('SchedulerModule.forRoot({ worker: { heartbeatInterval } })');
  });

  it('lists the valid keys when nothing is near', async () => {
    const error = await startupError(db, forRoot({ retention: { olderThan: '30d', keepFailed: true } }));
    expect(error).toMatchObject({ key: 'retention.keepFailed', suggestion: null, belongsTo: null });
    expect((error as Error).message).toBe(
      'Unknown SchedulerModule option retention.keepFailed: not a retention option; the retention options are olderThan, interval, batchSize.',
    );
  });

  it('checks every level: impersonation, isolation and its appModule', async () => {
    expect(await startupError(db, forRoot({ impersonation: { resolveUser: () => null, cache: true } }))).toMatchObject({
      key: 'impersonation.cache',
    });
    expect(await startupError(db, forRoot({ isolation: { appModule: { path: 'x.js' }, poolsize: 2 } }))).toMatchObject({
      key: 'isolation.poolsize',
      suggestion: 'isolation.poolSize',
    });
    const nested = await startupError(
      db,
      forRoot({ isolation: { appModule: { path: 'x.js', exports: 'AppModule' } } }),
    );
    expect(nested).toMatchObject({ key: 'isolation.appModule.exports', suggestion: 'isolation.appModule.export' });
    const deep = await startupError(db, forRoot({ export: 'AppModule' }));
    expect((deep as Error).message).toContain('SchedulerModule.forRoot({ isolation: { appModule: { export } } })');
  });

  it('still starts with every valid key, including dataSource and isGlobal', async () => {
    const options = {
      worker: {
        concurrency: 2,
        groups: ['main'],
        pollInterval: 50,
        heartbeatInterval: '5s',
        deadAfter: '60s',
        syncInterval: '2s',
        shutdownGracePeriod: '1s',
        batchSize: 10,
        exitOnCommand: false,
      },
      impersonation: { resolveUser: (id: string) => ({ id }) },
      timezone: 'Europe/Berlin',
      defaultTimeout: '1m',
      maxPayloadBytes: 1000,
      maxOutputBytes: 1000,
      retryBackoff: '1s',
      maxRetryBackoff: '1m',
      retention: { olderThan: '30d', interval: '1h', batchSize: 100 },
      dataSource: undefined,
      isGlobal: true,
    };
    expect(await startupError(db, forRoot(options))).toBeNull();
  });

  it("validates forRootAsync's factory result the same way", async () => {
    const error = await startupError(
      db,
      forRootAsync({ useFactory: () => ({ worker: { concurrency: 2, shutdownGrace: '5s' } }) }),
    );
    expect(error).toMatchObject({ key: 'worker.shutdownGrace', suggestion: null });
    expect((error as Error).message).toContain('worker options are concurrency, groups');
  });

  it('says dataSource returned by a factory is read only when the module is imported', async () => {
    const error = await startupError(db, forRootAsync({ useFactory: () => ({ dataSource: 'jobs', worker: false }) }));
    expect(error).toBeInstanceOf(UnknownSchedulerOptionError);
    expect((error as Error).message).toBe(
      'Unknown SchedulerModule option dataSource: dataSource is fixed when the module is imported, not returned by an options factory: ' +
        'SchedulerModule.forRoot({ dataSource }) or SchedulerModule.forRootAsync({ dataSource, useFactory }).',
    );
  });

  it('refuses module options written beside useFactory, where forRootAsync ignores them', () => {
    const call = () => SchedulerModule.forRootAsync({ useFactory: () => ({}), worker: { concurrency: 2 } } as never);
    expect(call).toThrow(UnknownSchedulerOptionError);
    expect(call).toThrow(
      'worker is a SchedulerModule option: SchedulerModule.forRootAsync({ useFactory: () => ({ worker }) })',
    );
  });

  it('refuses options that are not an object', async () => {
    const error = await startupError(db, forRootAsync({ useFactory: () => 'worker' }));
    expect(error).toBeInstanceOf(InvalidSchedulerOptionError);
    expect((error as Error).message).toContain('must be an object');
  });

  it('refuses impersonation with both or neither of resolveUser and resolver', async () => {
    const both = await startupError(db, forRoot({ impersonation: { resolveUser: () => null, resolver: AllowAll } }));
    expect((both as Error).message).toContain('needs exactly one of resolveUser');
    const neither = await startupError(db, forRoot({ impersonation: {} }));
    expect((neither as Error).message).toContain('needs exactly one of resolveUser');
    const notAFunction = await startupError(db, forRoot({ impersonation: { resolver: 'UsersService' } }));
    expect((notAFunction as Error).message).toContain(
      'impersonation.resolver "UsersService": must be a provider class implementing UserResolver',
    );
  });
});

describe('SchedulerDashboardModule refuses options it does not know', () => {
  it('suggests the option a typo was meant to be', async () => {
    const error = await bootDashboardApp({ dashboardOptions: { readonly: true } as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownDashboardOptionError);
    expect(error).toBeInstanceOf(InvalidDashboardOptionError);
    expect((error as Error).message).toBe('Unknown SchedulerDashboardModule option readonly: did you mean readOnly?');
  });

  it('says path returned by a registerAsync factory is read only when the module is imported', async () => {
    const dashboard = SchedulerDashboardModule.registerAsync({
      useFactory: () => ({ guard: new AllowAll(), path: '/admin/jobs' }),
    });
    const error = await bootDashboardApp({ dashboard }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownDashboardOptionError);
    expect((error as Error).message).toContain('SchedulerDashboardModule.registerAsync({ path, useFactory })');
  });

  it('refuses dashboard options written beside useFactory', () => {
    const call = () => SchedulerDashboardModule.registerAsync({ useFactory: () => ({}), guard: AllowAll } as never);
    expect(call).toThrow(
      'guard is a SchedulerDashboardModule option: SchedulerDashboardModule.registerAsync({ useFactory: () => ({ guard }) })',
    );
  });
});
