import 'reflect-metadata';
import { freshDatabase, bootApp, waitFor, waitForTask, type TestApp } from '../support/test-app.js';
import { ISOLATION_PROVIDERS } from '../fixtures/isolation-jobs.js';
import { buildFixtures } from '../support/processes.js';
import { writeFileSync } from 'node:fs';
import { bootIsolatedApp, isolationChildren, releaseFile } from './helpers.js';

const result = (view: { latestRun: { result: string | null } | null }) => JSON.parse(view.latestRun!.result!);

// The pool's life cycle does not depend on the database: SQLite files are enough here.
describe('process isolation: the pool', () => {
  let t: TestApp | undefined;
  beforeAll(() => buildFixtures(), 120_000);
  afterEach(async () => {
    await t?.close();
    t = undefined;
    expect(isolationChildren()).toEqual([]);
  });

  it('a handler that exhausts its heap ends FAILED (out of memory); the next task runs in a fresh process', async () => {
    t = await bootIsolatedApp(await freshDatabase('sqlite'), { execArgv: ['--max-old-space-size=96'], poolSize: 1 });
    const { id } = await t.scheduler.enqueue('iso.oom');
    const view = await waitForTask(t.scheduler, id, ['FAILED'], 60_000);
    expect(view.latestRun!.message).toMatch(/ended its isolated process \(pid \d+\) before settling: .*out of memory/);
    expect(view.latestRun!.traceback).toContain('heap out of memory');
    const crashed = Number(view.latestRun!.output!.match(/allocating in (\d+)/)![1]);
    const next = await t.scheduler.enqueue('iso.pid');
    const done = await waitForTask(t.scheduler, next.id, ['COMPLETED'], 30_000);
    expect(result(done).pid).not.toBe(crashed);
  }, 90_000);

  it('runs beyond the pool size wait for a free child; their timeout starts when their handler does', async () => {
    t = await bootIsolatedApp(await freshDatabase('sqlite'), { poolSize: 1 });
    const release = releaseFile();
    const busy = await t.scheduler.enqueue('iso.progress', { release });
    await waitFor(
      async () => (await t!.scheduler.status(busy.id)).task.output?.includes('pid'),
      20_000,
      'the only child to be busy',
    );
    const waiting = await t.scheduler.enqueue('iso.pid', undefined, { timeout: 300 });
    await new Promise((r) => setTimeout(r, 800)); // longer than its timeout, spent waiting for the child
    writeFileSync(release, '');
    expect((await waitForTask(t.scheduler, waiting.id, ['COMPLETED', 'TIMEOUT'], 20_000)).task.status).toBe(
      'COMPLETED',
    );

    const ids = await Promise.all(Array.from({ length: 6 }, () => t!.scheduler.enqueue('iso.pid')));
    const views = await Promise.all(
      ids.map(({ id }) => waitForTask(t!.scheduler, id, ['COMPLETED', 'FAILED', 'TIMEOUT'], 30_000)),
    );
    expect(views.map((v) => v.task.status)).toEqual(Array(6).fill('COMPLETED'));
    expect(new Set(views.map((v) => result(v).pid)).size).toBe(1);
    expect(isolationChildren()).toHaveLength(1);
  });

  it('shutdown interrupts an isolated run that outlasts the grace period: its process is killed, the task re-queued', async () => {
    const db = await freshDatabase('sqlite');
    t = await bootIsolatedApp(
      db,
      {},
      { worker: { shutdownGracePeriod: 200, pollInterval: 25, syncInterval: 25, exitOnCommand: false } },
    );
    const { id } = await t.scheduler.enqueue('iso.spin'); // ignores its signal
    await waitFor(
      async () => (await t!.scheduler.status(id)).task.output?.includes('spinning'),
      20_000,
      'the spinner to start',
    );
    const started = Date.now();
    await t.close();
    t = undefined;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(isolationChildren()).toEqual([]);

    const web = await bootApp(db, ISOLATION_PROVIDERS, { worker: false });
    try {
      const view = await web.scheduler.status(id);
      expect(view.task.status).toBe('QUEUED');
      expect(view.latestRun!.status).toBe('INTERRUPTED');
      expect(view.latestRun!.message).toContain('was killed');
    } finally {
      await web.close();
    }
  });

  it('an application that cannot boot in the child fails the run with the reason', async () => {
    t = await bootIsolatedApp(await freshDatabase('sqlite'), {
      appModule: { path: '.build/test/fixtures/isolation-app.module.js', export: 'NoSuchModule' },
    });
    const { id } = await t.scheduler.enqueue('iso.pid');
    const view = await waitForTask(t.scheduler, id, ['FAILED'], 30_000);
    expect(view.latestRun!.message).toContain('could not boot the application');
    expect(view.latestRun!.message).toContain('has no export "NoSuchModule"');
    // Jobs that run in the worker's own process are not affected.
    const local = await t.scheduler.enqueue('iso.local');
    expect((await waitForTask(t.scheduler, local.id, ['COMPLETED'])).task.status).toBe('COMPLETED');
  });

  it("mode 'in-process' isolates only the jobs that ask for it", async () => {
    t = await bootIsolatedApp(await freshDatabase('sqlite'), { mode: 'in-process' });
    const { id } = await t.scheduler.enqueue('iso.pid');
    expect(result(await waitForTask(t.scheduler, id, ['COMPLETED'])).pid).toBe(process.pid);
  });
});
