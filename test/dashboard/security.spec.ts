import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { of } from 'rxjs';
import { DashboardGuardMissingError, InvalidDashboardOptionError, SchedulerDashboardModule } from '../../lib/index.js';
import { CollectingLogger, waitFor, waitForTask } from '../support/test-app.js';
import { screenshot } from './support/browser.js';
import { ADMIN_HEADER, ADMIN_TOKEN, bootDashboardApp } from './support/dashboard-app.js';
import { DashboardTestJobs } from './support/jobs.js';
import { dashboardInChromium, PLATFORMS_AND_DATABASES } from './support/chromium-suite.js';

/** A guard class the application does not provide anywhere: the dashboard builds it. */
@Injectable()
class HeaderGuard implements CanActivate {
  canActivate(context: ExecutionContext) {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string> }>();
    return Promise.resolve(request.headers[ADMIN_HEADER] === ADMIN_TOKEN);
  }
}

const admin = { [ADMIN_HEADER]: ADMIN_TOKEN };

describe('Dashboard security', () => {
  describe('start-up', () => {
    it('fails without a guard, naming the path and the way out', async () => {
      const boot = bootDashboardApp({ dashboard: SchedulerDashboardModule.register({ path: '/scheduler' }) });
      await expect(boot).rejects.toThrow(DashboardGuardMissingError);
      await expect(boot).rejects.toThrow(/dashboard at "\/scheduler" has no guard.*insecure: true/);
    });

    it('fails without a guard from registerAsync too', async () => {
      const boot = bootDashboardApp({
        dashboard: SchedulerDashboardModule.registerAsync({ useFactory: () => ({ readOnly: true }) }),
      });
      await expect(boot).rejects.toThrow(DashboardGuardMissingError);
    });

    it('starts without a guard only with insecure: true, and warns about it', async () => {
      const logger = new CollectingLogger();
      const d = await bootDashboardApp({
        dashboard: SchedulerDashboardModule.register({ path: '/ops', insecure: true }),
        path: '/ops',
        logger,
      });
      try {
        expect(logger.messages('warn').join('\n')).toMatch(/dashboard at \/ops is mounted WITHOUT a guard/);
        expect((await fetch(`${d.url}/jobs`)).status).toBe(200);
      } finally {
        await d.close();
      }
    });

    it('rejects invalid options with a typed error', async () => {
      expect(() => SchedulerDashboardModule.register({ path: '/jobs/:id', insecure: true })).toThrow(
        InvalidDashboardOptionError,
      );
      await expect(bootDashboardApp({ dashboardOptions: { pageSize: 0 } })).rejects.toThrow(
        /pageSize 0: must be an integer from 1 to 500/,
      );
      await expect(bootDashboardApp({ dashboardOptions: { refreshInterval: '10ms' } })).rejects.toThrow(
        InvalidDashboardOptionError,
      );
      // Numbers JSON cannot write are named as written.
      await expect(bootDashboardApp({ dashboardOptions: { pageSize: Number.NaN } })).rejects.toThrow(
        'Invalid SchedulerDashboardModule option pageSize NaN: must be an integer from 1 to 500.',
      );
      await expect(
        bootDashboardApp({ dashboardOptions: { trustedOrigins: ['https://admin.example.com/path'] } }),
      ).rejects.toThrow(/trustedOrigins/);
      await expect(
        bootDashboardApp({ dashboard: SchedulerDashboardModule.register({ guard: {} as CanActivate }) }),
      ).rejects.toThrow(/guard .* must be a CanActivate/);
    });
  });

  describe('guards', () => {
    it('accepts a guard class the application does not provide, and async verdicts', async () => {
      const d = await bootDashboardApp({
        dashboard: SchedulerDashboardModule.register({ path: '/scheduler', guard: HeaderGuard }),
      });
      try {
        expect((await fetch(`${d.url}/jobs`, { headers: admin })).status).toBe(200);
        expect((await fetch(`${d.url}/jobs`)).status).toBe(403);
      } finally {
        await d.close();
      }
    });

    it('accepts a guard instance with an Observable verdict, and lets it answer 401 itself', async () => {
      const guard: CanActivate = {
        canActivate: (context) => {
          const { headers } = context.switchToHttp().getRequest<{ headers: Record<string, string> }>();
          if (!headers.authorization) throw new UnauthorizedException();
          return of(headers.authorization === 'Bearer admin');
        },
      };
      const d = await bootDashboardApp({ dashboard: SchedulerDashboardModule.register({ path: '/scheduler', guard }) });
      try {
        expect((await fetch(d.url)).status).toBe(401);
        expect((await fetch(d.url, { headers: { authorization: 'Bearer someone' } })).status).toBe(403);
        expect((await fetch(d.url, { headers: { authorization: 'Bearer admin' } })).status).toBe(200);
      } finally {
        await d.close();
      }
    });
  });

  /**
   * Under `readOnly` every mutation is refused on every platform and database, the newer ones
   * included (bulk actions of every kind, clean-up, schedules, queue pause and resume, worker
   * commands), each posted with the page's CSRF token and a form that would be carried out
   * otherwise: nothing changes and nothing is recorded in the audit trail.
   */
  describe.each(PLATFORMS_AND_DATABASES)('read-only [%s, %s]', (adapter, dialect) => {
    const ui = dashboardInChromium(dialect, { adapter, dashboardOptions: { readOnly: true } });

    it('shows no action in any page', async () => {
      const { d, page } = ui;
      const { id } = await d.scheduler.enqueue('slow');
      try {
        for (const path of [
          '',
          '/jobs',
          '/jobs/echo',
          '/jobs/nightly?spec=%7B%22every%22%3A%22minute%22%7D',
          '/tasks',
          `/tasks/${id}`,
          '/runs',
          '/workers',
          '/audit',
          '/cleanup?before=2000-01-01T00:00',
        ]) {
          await page.goto(`${d.url}${path}`);
          expect(await page.locator('form[method="post"]').count()).toBe(0);
          expect(
            await page
              .getByRole('button', {
                name: /Deactivate|Run now|Stop|Retry|Disable|Kill|Apply|Save this schedule|Reset to|Pause group|Resume group/,
              })
              .count(),
          ).toBe(0);
          expect(await page.locator('input[type="checkbox"][form="bulk"]').count()).toBe(0);
        }
        expect(await page.locator('header').textContent()).toContain('read-only');
        await page.goto(`${d.url}/jobs`);
        await screenshot(page, `read-only-jobs-${adapter}-${dialect}`);
      } finally {
        await d.scheduler.stop(id);
      }
    });

    it('refuses every mutation, even with a valid CSRF token, changing and recording nothing', async () => {
      const { d, context, page } = ui;
      // The task the other test stopped has ended (its run recorded): nothing changes by itself while the forms are posted.
      const runningNow = async () =>
        (await d.dataSource.query<unknown[]>(`SELECT id FROM kronos_task WHERE status = 'RUNNING'`)).length;
      await waitFor(async () => ((await runningNow()) === 0 ? true : null));
      // A finished task to retry, delete and clean up, and a queued one to stop, due in an hour: no
      // worker touches it meanwhile.
      const failed = (await d.scheduler.enqueue('explode', { html: 'x' })).id;
      const queued = (await d.scheduler.enqueue('echo', {}, { delay: '1h' })).id;
      await waitForTask(d.scheduler, failed, ['FAILED']);
      const group = (await d.scheduler.listJobs()).find((j) => j.name === 'echo')!.group;
      const worker = (await d.scheduler.workers())[0].name;
      const state = async () => ({
        tasks: await d.dataSource.query<unknown[]>(
          'SELECT id, status, stop_requested, next_run_time FROM kronos_task ORDER BY id',
        ),
        runs: (await d.dataSource.query<unknown[]>('SELECT id FROM kronos_run')).length,
        audited: (await d.dataSource.query<unknown[]>('SELECT id FROM kronos_audit')).length,
        jobs: (await d.scheduler.listJobs()).map((j) => [j.name, j.active, j.scheduleDescription]),
        paused: (await d.scheduler.groups()).filter((g) => g.paused).map((g) => g.name),
        workers: (await d.scheduler.workers()).map((w) => [w.name, w.status]),
      });
      const before = await state();
      expect(before.workers).toEqual([[worker, 'ACTIVE']]);
      // Each form as a query string, in an order in which each would take effect were the dashboard not read-only.
      const mutations: [string, string][] = [
        ['run-now', 'name=echo&payload=%7B%7D'],
        ['reschedule', `name=nightly&spec=${encodeURIComponent('{"every":"minute"}')}`],
        ['reset-schedule', 'name=nightly'],
        ['stop', `task=${queued}`],
        ['retry', `task=${failed}`],
        ['bulk', `op=retry&task=${failed}&task=${queued}`],
        ['bulk', `op=stop&task=${queued}`],
        ['bulk', `op=delete&task=${failed}`],
        ['bulk', 'op=retry&scope=filter&status=FAILED'],
        ['bulk', 'op=stop&scope=filter'],
        ['bulk', 'op=delete&scope=filter'],
        ['group-pause', `group=${group}`],
        ['group-resume', `group=${group}`],
        ['workers', 'command=disable'],
        ['workers', `command=resume&group=${group}`],
        ['worker', `command=terminate&worker=${encodeURIComponent(worker)}`],
        ['deactivate', 'name=echo'],
        ['activate', 'name=echo'],
        ['cleanup', 'before=2100-01-01T00:00'],
      ];
      await page.goto(`${d.url}/jobs`);
      const token = (await context.cookies()).find((c) => c.name === 'kronos_csrf')!.value;
      for (const [action, form] of mutations) {
        const answer = await page.evaluate(
          async ([url, body]) => {
            const response = await fetch(url, { method: 'POST', body: new URLSearchParams(body) });
            return [response.status, await response.text()] as const;
          },
          [`${d.url}/actions/${action}`, `_csrf=${encodeURIComponent(token)}&${form}`] as const,
        );
        expect({ action, form, answer }).toEqual({
          action,
          form,
          answer: [403, expect.stringContaining('read-only')],
        });
      }
      expect(await state()).toEqual(before);
    });
  });

  it('accepts a same-origin form with its token, and only its own pages as the way back', async () => {
    const d = await bootDashboardApp({ providers: [DashboardTestJobs] });
    try {
      const page = await fetch(`${d.url}/jobs`, { headers: admin });
      const cookie = page.headers.get('set-cookie')!.split(';')[0];
      const token = cookie.split('=')[1];
      const post = (back: string) =>
        fetch(`${d.url}/actions/deactivate`, {
          method: 'POST',
          redirect: 'manual',
          headers: { ...admin, cookie, origin: d.origin },
          body: new URLSearchParams({ _csrf: token, name: 'echo', back }),
        });
      const accepted = await post('tasks?job=echo');
      expect(accepted.status).toBe(303);
      expect(accepted.headers.get('location')).toBe('../tasks?job=echo');
      expect((await d.scheduler.listJobs()).find((j) => j.name === 'echo')!.active).toBe(false);
      for (const evil of ['//evil.example/', 'https://evil.example/', '../../../x', 'tasks/../../x']) {
        expect((await post(evil)).headers.get('location')).toBe('../jobs');
      }
      const foreign = await fetch(`${d.url}/actions/activate`, {
        method: 'POST',
        headers: { ...admin, cookie, origin: 'https://evil.example' },
        body: new URLSearchParams({ _csrf: token, name: 'echo' }),
      });
      expect(foreign.status).toBe(403);
    } finally {
      await d.close();
    }
  });
});
