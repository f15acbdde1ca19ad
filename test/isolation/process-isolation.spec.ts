import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { describeForDialects } from '../support/databases.js';
import { freshDatabase, waitFor, waitForTask, type TestApp } from '../support/test-app.js';
import { bootIsolatedApp, isAlive, isolationChildren, releaseFile } from './helpers.js';

const result = (view: { latestRun: { result: string | null } | null }) => JSON.parse(view.latestRun!.result!);

describeForDialects(
  'process isolation',
  (dialect) => {
    let t: TestApp;
    const seenPids = new Set<number>();

    beforeAll(async () => {
      t = await bootIsolatedApp(await freshDatabase(dialect));
    }, 120_000);

    afterAll(async () => {
      await t?.close();
    });

    async function run(job: string, payload?: unknown, options: { runAs?: string | number } = {}) {
      const { id } = await t.scheduler.enqueue(job, payload, options);
      return waitForTask(t.scheduler, id, ['COMPLETED', 'FAILED', 'TIMEOUT', 'STOPPED'], 30_000);
    }

    it('runs a handler in a child process and records its result', async () => {
      const view = await run('iso.pid');
      expect(view.task.status).toBe('COMPLETED');
      const { pid, child } = result(view);
      expect(pid).not.toBe(process.pid);
      expect(child).toBe('1');
      expect(isolationChildren()).toContain(pid);
      seenPids.add(pid);

      const local = await run('iso.local'); // isolation: 'in-process' on the job wins
      expect(result(local).pid).toBe(process.pid);
    });

    it('fails a run whose return value JSON refuses, naming the path, as in-process execution does', async () => {
      const view = await run('iso.bigint');
      expect(view.task).toMatchObject({ status: 'FAILED', attempt: 1 }); // not retried
      expect(view.latestRun).toMatchObject({ status: 'FAILED', result: null });
      expect(view.latestRun!.message).toBe(
        'Result of job "iso.bigint" is not JSON-serialisable at $.cents: BigInt 5n has no JSON form (return it as a string); the handler ran to its end but its result cannot be stored.',
      );
    });

    it('reuses its children: consecutive tasks run in the same process', async () => {
      const first = result(await run('iso.pid')).pid;
      const second = result(await run('iso.pid')).pid;
      const third = result(await run('iso.pid')).pid;
      expect(second).toBe(first);
      expect(third).toBe(first);
    });

    it('streams progress and output to the parent: visible through status() while it runs', async () => {
      const release = releaseFile();
      const { id } = await t.scheduler.enqueue('iso.progress', { release });
      const live = await waitFor(
        async () => {
          const view = await t.scheduler.status(id);
          return view.task.status === 'RUNNING' && view.task.progress === 40 && view.task.output?.includes('pid')
            ? view
            : null;
        },
        20_000,
        'live progress of the isolated task',
      );
      expect(live.task.progressMessage).toBe('working');
      expect(live.task.output).toMatch(/^second line\n\{ pid: \d+ \}$/); // `!clear!` applied
      writeFileSync(release, '');
      const done = await waitForTask(t.scheduler, id, ['COMPLETED'], 20_000);
      expect(done.latestRun!.output).not.toContain('first line');
      expect(done.latestRun!.output).toContain('second line');
      expect(result(done).pid).not.toBe(process.pid);
    });

    it('resolves the runAs user in the child: ctx.user and SchedulerContext.current() work there', async () => {
      const view = await run('iso.whoami', undefined, { runAs: '7' });
      expect(result(view)).toEqual({
        pid: expect.any(Number),
        user: 'ada',
        userId: '7',
        inService: 'ada',
        current: true,
      });
      expect(result(view).pid).not.toBe(process.pid);

      const numeric = await run('iso.whoami', undefined, { runAs: 7 }); // the child's resolver gets '7' too
      expect(result(numeric)).toMatchObject({ user: 'ada', userId: '7' });

      const anonymous = await run('iso.whoami');
      expect(result(anonymous)).toMatchObject({ user: null, userId: null, inService: 'nobody' });

      const gone = await run('iso.whoami', undefined, { runAs: '99' });
      expect(gone.task.status).toBe('FAILED');
      expect(gone.latestRun!.message).toContain('no longer exists');
    });

    it('lets handlers use SchedulerService in the child', async () => {
      const view = await run('iso.chain');
      const follow = await waitForTask(t.scheduler, result(view).next, ['COMPLETED'], 20_000);
      expect(result(follow).child).toBe('1');
    });

    it('stop() aborts ctx.signal in the child; a handler that honours it leaves its process in the pool', async () => {
      const release = releaseFile();
      const { id } = await t.scheduler.enqueue('iso.progress', { release });
      const running = await waitFor(
        async () => {
          const view = await t.scheduler.status(id);
          return view.task.output?.match(/pid: (\d+)/) ? view : null;
        },
        20_000,
        'the task to run',
      );
      const pid = Number(running.task.output!.match(/pid: (\d+)/)![1]);
      await t.scheduler.stop(id);
      const stopped = await waitForTask(t.scheduler, id, ['STOPPED'], 20_000);
      expect(stopped.latestRun!.status).toBe('STOPPED');
      expect(stopped.latestRun!.message).not.toContain('killed');
      expect(isAlive(pid)).toBe(true);
      expect(isolationChildren()).toContain(pid);
    });

    it('kills a runaway child at its timeout (run TIMEOUT) and runs the next task in a fresh child', async () => {
      const view = await run('iso.spin');
      expect(view.task.status).toBe('TIMEOUT');
      expect(view.latestRun!.status).toBe('TIMEOUT');
      expect(view.latestRun!.message).toMatch(
        /^Job "iso.spin" timed out after 1000 ms; its process \(pid \d+\) ignored the abort for 1000 ms and was killed/,
      );
      const spinner = Number(view.latestRun!.output!.match(/spinning in (\d+)/)![1]);
      expect(isAlive(spinner)).toBe(false);
      // The stop time includes the kill grace: the attempt ended when its process did.
      expect(view.latestRun!.stopTime! - view.latestRun!.startTime).toBeGreaterThanOrEqual(1900);

      const next = await run('iso.pid');
      expect(next.task.status).toBe('COMPLETED');
      expect(result(next).pid).not.toBe(spinner);
      expect(isAlive(result(next).pid)).toBe(true);
    });

    it('records a handler that ends its process as FAILED with the exit reason; the worker carries on', async () => {
      const view = await run('iso.exit', { code: 3 });
      expect(view.task.status).toBe('FAILED');
      expect(view.latestRun!.message).toContain('exit code 3');
      expect(view.latestRun!.output).toMatch(/exiting \d+/); // logged just before process.exit()
      const crashed = Number(view.latestRun!.output!.match(/exiting (\d+)/)![1]);

      const next = await run('iso.pid');
      expect(next.task.status).toBe('COMPLETED');
      expect(result(next).pid).not.toBe(crashed);
      const again = await run('iso.local');
      expect(again.task.status).toBe('COMPLETED');
    });

    it('children ignore SIGINT and SIGTERM while their parent is there (the parent ends them)', async () => {
      const pid = result(await run('iso.pid')).pid;
      process.kill(pid, 'SIGTERM');
      process.kill(pid, 'SIGINT');
      await new Promise((r) => setTimeout(r, 300));
      expect(isAlive(pid)).toBe(true);
      expect(result(await run('iso.pid')).pid).toBe(pid);
    });

    it('app.close() stops the pool: no child process outlives the application', async () => {
      const children = isolationChildren();
      expect(children.length).toBeGreaterThan(0);
      await t.close();
      t = undefined as never;
      expect(isolationChildren()).toEqual([]);
      for (const pid of children) expect(isAlive(pid)).toBe(false);
    });
  },
  ['sqlite', 'postgres'],
);
