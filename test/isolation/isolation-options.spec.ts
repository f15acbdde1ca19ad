import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { InvalidJobOptionError, InvalidSchedulerOptionError, Job } from '../../lib/index.js';
import { buildFixtures } from '../support/processes.js';
import { bootApp, freshDatabase, type TestDatabase } from '../support/test-app.js';
import { CHILD_ENTRY, FIXTURE_APP, isolationChildren } from './helpers.js';

@Injectable()
class Isolated {
  @Job('opts.isolated', { isolation: 'process' })
  async run() {}
}

describe('process isolation options are checked at start-up', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    buildFixtures(); // the compiled entry script exists, so the checks reach the module path
    db = await freshDatabase('sqlite');
  }, 120_000);

  it("rejects a job asking for isolation 'process' when the module does not say how children boot", async () => {
    const error = await bootApp(db, [Isolated]).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidJobOptionError);
    expect(error.message).toContain(
      'job "opts.isolated": isolation "process" needs SchedulerModule.forRoot({ isolation: { appModule: { path } } })',
    );
    expect(error.message).toContain('Isolated.run');
  });

  it('rejects an unknown isolation value on a job', async () => {
    @Injectable()
    class Odd {
      @Job('opts.odd', { isolation: 'thread' as never })
      async run() {}
    }
    const error = await bootApp(db, [Odd]).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidJobOptionError);
    expect(error.message).toContain(`isolation "thread" is not 'process' or 'in-process'`);
  });

  it.each([
    [{ appModule: {} }, 'isolation.appModule'],
    [{ appModule: { path: FIXTURE_APP }, mode: 'fork' }, 'isolation.mode "fork"'],
    [{ appModule: { path: FIXTURE_APP }, poolSize: 0 }, 'isolation.poolSize 0'],
    [{ appModule: { path: FIXTURE_APP }, killGrace: '-1s' }, 'isolation.killGrace'],
    [{ appModule: { path: FIXTURE_APP }, logLevels: ['loud'] }, 'isolation.logLevels'],
  ])('rejects invalid module options: %j', async (isolation, field) => {
    const error = await bootApp(db, [Isolated], { isolation: isolation as never }).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidSchedulerOptionError);
    expect(error.message).toContain(field);
  });

  it('rejects an application module file that does not exist, before starting any process', async () => {
    const error = await bootApp(db, [Isolated], {
      isolation: { appModule: { path: 'dist/nowhere.module.js' }, entry: CHILD_ENTRY },
    }).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidSchedulerOptionError);
    expect(error.message).toContain('nowhere.module.js');
    expect(isolationChildren()).toEqual([]);
  });

  it('explains that Kronos running from TypeScript sources needs isolation.entry', async () => {
    const error = await bootApp(db, [Isolated], { isolation: { appModule: { path: FIXTURE_APP } } }).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidSchedulerOptionError);
    expect(error.message).toContain('isolation.entry');
    expect(error.message).toContain('child-main.js');
  });

  it('a web-only process (worker: false) starts no pool', async () => {
    const t = await bootApp(db, [Isolated], {
      worker: false,
      isolation: { appModule: { path: FIXTURE_APP }, entry: CHILD_ENTRY },
    });
    expect(isolationChildren()).toEqual([]);
    await t.close();
  });
});
