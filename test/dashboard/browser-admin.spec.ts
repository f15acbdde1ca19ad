import type { Locator, Page } from 'playwright-core';
import { freshDatabase, waitFor, waitForTask } from '../support/test-app.js';
import { phoneContext, phoneLayout, screenshot } from './support/browser.js';
import { ADMIN_HEADER, ADMIN_TOKEN, bootDashboardApp, type DashboardApp } from './support/dashboard-app.js';
import { DashboardTestJobs } from './support/jobs.js';
import {
  actorFromHeader,
  aliceContext,
  dashboardInChromium,
  PLATFORMS_AND_DATABASES,
} from './support/chromium-suite.js';

/**
 * What administrators do beyond single clicks, in Chromium, on Express and Fastify, on SQLite
 * and PostgreSQL: every action they take is on the record, and the record is a page.
 */
describe.each(PLATFORMS_AND_DATABASES)('Dashboard administration in a browser [%s, %s]', (adapter, dialect) => {
  const ui = dashboardInChromium(
    dialect,
    {
      adapter,
      dashboardOptions: { refreshInterval: 0, actor: actorFromHeader },
    },
    aliceContext,
  );

  const auditRows = async () =>
    await ui.d.dataSource.query<
      { id: number; actor: string; action: string; target: string | null; rows_changed: number; outcome: string }[]
    >('SELECT * FROM kronos_audit ORDER BY id DESC');

  describe('audit trail', () => {
    it('records who toggled a job, retried a task and commanded workers, and shows it newest first', async () => {
      const { d, page } = ui;
      await page.goto(`${d.url}/jobs`);
      await page.locator('tr[data-job="explode"]').getByRole('button', { name: 'Deactivate' }).click();
      await expectText(page.locator('.flash'), 'deactivated');
      await page.locator('tr[data-job="explode"]').getByRole('button', { name: 'Activate' }).click();
      await expectText(page.locator('.flash'), 'activated');

      const { id } = await d.scheduler.enqueue('explode', { html: 'audit me' });
      await waitForTask(d.scheduler, id, ['FAILED']);
      await page.goto(`${d.url}/tasks/${id}`);
      await page.getByRole('button', { name: 'Retry' }).click();
      await expectText(page.locator('.flash'), `Task #${id} queued again`);

      await page.goto(`${d.url}/workers`);
      await page.locator('tr', { hasText: 'All groups' }).getByRole('button', { name: 'Resume' }).click();
      await expectText(page.locator('.flash'), 'resume');

      await page.locator('header nav').getByRole('link', { name: 'Audit', exact: true }).click();
      await expectText(page.locator('h1'), 'Audit trail');
      const rows = page.locator('tr[data-audit]');
      const shown = await rows.evaluateAll((trs) =>
        trs
          .slice(0, 4)
          .map((tr) => [
            tr.querySelector('[data-actor]')!.textContent,
            tr.getAttribute('data-action'),
            tr.querySelector('[data-target]')!.textContent,
            tr.querySelector('[data-rows]')!.textContent,
          ]),
      );
      expect(shown).toEqual([
        ['alice', 'workers:resume', 'workers:*', '1'],
        ['alice', 'retry', `task:${id}`, '1'],
        ['alice', 'activate', 'job:explode', '1'],
        ['alice', 'deactivate', 'job:explode', '1'],
      ]);
      await screenshot(page, `${adapter}-${dialect}-audit`);

      await page.locator(`tr[data-audit] [data-target] a[href$="tasks/${id}"]`).click();
      await expectText(page.locator('h1'), `Task #${id}`);

      await page.goto(`${d.url}/audit?action=retry`);
      expect(
        await page.locator('tr[data-audit]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action'))),
      ).toEqual(['retry']);
    });

    it('records a refused action as refused with nothing changed', async () => {
      const { d, page } = ui;
      await page.goto(`${d.url}/jobs`);
      const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
      const { id } = await d.scheduler.enqueue('echo', { n: 1 });
      await waitForTask(d.scheduler, id, ['COMPLETED']);
      // The form a stale page would still show: retrying a COMPLETED task is refused.
      const status = await page.evaluate(
        async ([url, task, token]) =>
          (await fetch(url, { method: 'POST', body: new URLSearchParams({ _csrf: token, task, back: 'tasks' }) }))
            .status,
        [`${d.url}/actions/retry`, String(id), csrf],
      );
      expect(status).toBe(200); // after the redirect
      const [last] = await auditRows();
      expect([last.actor, last.action, last.target, Number(last.rows_changed), last.outcome]).toEqual([
        'alice',
        'retry',
        `task:${id}`,
        0,
        'error',
      ]);
      await page.goto(`${d.url}/audit`);
      await expectText(page.locator(`tr[data-audit="${last.id}"]`), 'refused');
      await expectText(page.locator(`tr[data-audit="${last.id}"] [data-detail]`), 'only FAILED');
    });

    it('records nothing for a request refused by the CSRF check', async () => {
      const { d, page } = ui;
      const before = (await auditRows()).length;
      await page.goto(`${d.url}/jobs`);
      const status = await page.evaluate(
        async (url) => (await fetch(url, { method: 'POST', body: new URLSearchParams({ name: 'echo' }) })).status,
        `${d.url}/actions/deactivate`,
      );
      expect(status).toBe(403);
      expect((await auditRows()).length).toBe(before);
    });

    it('answers an invalid audit filter with 400, and fits a phone', async () => {
      const { browser, d, page } = ui;
      expect((await page.goto(`${d.url}/audit?before=abc`))?.status()).toBe(400);
      await expectText(page.locator('[data-filter-error]'), 'before "abc" is not an audit entry id');
      const phone = await phoneContext(browser);
      try {
        const small = await phone.newPage();
        await small.goto(`${d.url}/audit`);
        const { scrollWidth, innerWidth, headerOverlap } = await phoneLayout(small);
        expect({ widerBy: Math.max(0, scrollWidth - innerWidth), headerOverlap }).toEqual({
          widerBy: 0,
          headerOverlap: false,
        });
      } finally {
        await phone.close();
      }
    });
  });

  describe('search and filters', () => {
    const taskIds = (p: Page = ui.page) =>
      p.locator('tr[data-task]').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-task'))));
    const runTaskIds = () =>
      ui.page
        .locator('tr[data-run] a[href*="tasks/"]')
        .evaluateAll((as) => as.map((a) => Number(/tasks\/(\d+)/.exec(a.getAttribute('href'))![1])));

    it('finds tasks by payload content and user, keeps the search in the URL, in the tabs and across pages', async () => {
      const { browser, d, page } = ui;
      const mine = await d.scheduler.enqueue(
        'echo',
        { customer: { id: 42, name: 'Ada' }, items: ['x', 'y'] },
        { runAs: 'carol' },
      );
      const other = await d.scheduler.enqueue('echo', { customer: { id: 7 } }, { runAs: 'carol' });
      const unrelated = await d.scheduler.enqueue(
        'echo',
        { note: 'customer.id=42 mentioned as text', id: 42 },
        { runAs: 'dave' },
      );
      // Without an impersonation resolver a task that runs as a user fails: either way it has finished.
      const [finished] = await Promise.all(
        [mine, other, unrelated].map((t) => waitForTask(d.scheduler, t.id, ['COMPLETED', 'FAILED'])),
      );
      const tab = finished.task.status === 'COMPLETED' ? 'Completed' : 'Failed';

      await page.goto(`${d.url}/tasks`);
      await page.locator('form[method="get"] input[name="payload"]').fill('customer.id=42');
      await page.locator('form[method="get"] input[name="user"]').fill('carol');
      await page.locator('form[method="get"]').getByRole('button', { name: 'Filter' }).click();
      const url = new URL(page.url());
      expect([url.searchParams.get('payload'), url.searchParams.get('user')]).toEqual(['customer.id=42', 'carol']);
      expect(await taskIds()).toEqual([mine.id]);
      expect(await page.locator('form[method="get"] input[name="payload"]').inputValue()).toBe('customer.id=42');

      await page.goto(`${d.url}/tasks?payload=${encodeURIComponent('customer.name=Ada')}`);
      expect(await taskIds()).toEqual([mine.id]);
      await page.goto(`${d.url}/tasks?payload=${encodeURIComponent('items.1=y')}`);
      expect(await taskIds()).toEqual([mine.id]);
      await page.goto(`${d.url}/tasks?user=carol`);
      expect(await taskIds()).toEqual([other.id, mine.id]);

      await page.locator('.tabs').getByRole('link', { name: tab, exact: true }).click();
      expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({
        status: finished.task.status,
        user: 'carol',
      });
      expect(await taskIds()).toEqual([other.id, mine.id]);

      const small = await browser.newContext({ extraHTTPHeaders: { [ADMIN_HEADER]: ADMIN_TOKEN } });
      try {
        const paged = await small.newPage();
        // One row per page: the Older link carries the search.
        await paged.goto(`${d.url}/tasks?user=carol&before=${other.id}`);
        expect(await taskIds(paged)).toEqual([mine.id]);
        await paged.locator('.pager').getByRole('link', { name: /Newer/ }).click();
        expect(new URL(paged.url()).searchParams.get('user')).toBe('carol');
        expect(await taskIds(paged)).toContain(other.id);
      } finally {
        await small.close();
      }
    });

    it('finds runs by worker, group, payload and time range', async () => {
      const { d, page } = ui;
      const task = await d.scheduler.enqueue('explode', { html: 'find me', order: { ref: 'A-17' } });
      const run = (await waitForTask(d.scheduler, task.id, ['FAILED'])).latestRun!;
      const [worker] = await d.scheduler.workers();
      await page.goto(
        `${d.url}/runs?worker=${encodeURIComponent(worker.name)}&payload=${encodeURIComponent('order.ref=A-17')}&group=main`,
      );
      expect(await runTaskIds()).toEqual([task.id]);
      await page.goto(`${d.url}/runs?worker=nobody`);
      expect(await runTaskIds()).toEqual([]);

      const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16); // a datetime-local value, in UTC (the dashboard's zone)
      await page.goto(`${d.url}/runs?payload=${encodeURIComponent('order.ref=A-17')}`);
      await page.locator('form[method="get"] input[name="from"]').fill(iso(run.startTime - 60_000));
      await page.locator('form[method="get"] input[name="to"]').fill(iso(run.startTime + 120_000));
      await page.locator('form[method="get"]').getByRole('button', { name: 'Filter' }).click();
      expect(new URL(page.url()).searchParams.get('from')).toBe(iso(run.startTime - 60_000));
      expect(await runTaskIds()).toEqual([task.id]);
      await page.goto(
        `${d.url}/runs?payload=${encodeURIComponent('order.ref=A-17')}&from=${iso(run.startTime + 120_000)}`,
      );
      expect(await runTaskIds()).toEqual([]);
      await expectText(page.locator('.notice'), 'This filter has no index of its own');
    });

    it('answers an invalid search with 400 naming each parameter', async () => {
      const { d, page } = ui;
      expect((await page.goto(`${d.url}/tasks?payload=nonsense&from=yesterday`))?.status()).toBe(400);
      await expectText(page.locator('[data-filter-error]'), 'payload "nonsense" is not path=value');
      await expectText(page.locator('[data-filter-error]'), 'from "yesterday" is not a date and time');
      expect(
        (
          await page.goto(
            `${d.url}/runs?from=2026-03-02T10:00&to=2026-03-01T10:00&payload=${encodeURIComponent('a b=1')}`,
          )
        )?.status(),
      ).toBe(400);
      await expectText(page.locator('[data-filter-error]'), 'to "2026-03-01T10:00" is not after from');
      await expectText(page.locator('[data-filter-error]'), 'payload "a b=1"');
    });

    it('keeps the filter form inside a phone screen', async () => {
      const { browser, d } = ui;
      const phone = await phoneContext(browser);
      try {
        const small = await phone.newPage();
        for (const path of ['tasks?user=carol', 'runs?worker=x']) {
          await small.goto(`${d.url}/${path}`);
          const { scrollWidth, innerWidth } = await phoneLayout(small);
          expect({ path, widerBy: Math.max(0, scrollWidth - innerWidth) }).toEqual({ path, widerBy: 0 });
        }
      } finally {
        await phone.close();
      }
    });
  });

  describe('per-job insight', () => {
    it("shows a job's runs and failures per hour, durations, wait and its last error, reached from the Jobs page", async () => {
      const { d, page } = ui;
      const ok = await d.scheduler.enqueue('echo', { insight: 1 });
      const failing = await d.scheduler.enqueue('explode', { html: 'insight <b>x</b>' }, { retries: 1 });
      await waitForTask(d.scheduler, ok.id, ['COMPLETED']);
      await waitForTask(d.scheduler, failing.id, ['FAILED']);

      await page.goto(`${d.url}/jobs`);
      await page.locator('tr[data-job="explode"]').getByRole('link', { name: 'explode', exact: true }).click();
      await expectText(page.locator('h1'), 'Job explode');
      const value = (name: string) => page.locator(`[data-${name}]`).first().textContent();
      expect(Number(await value('day-runs'))).toBeGreaterThanOrEqual(2);
      expect(Number(await value('day-failed'))).toBeGreaterThanOrEqual(2);
      for (const name of ['p50', 'p95', 'max', 'wait']) expect(await value(name)).toMatch(/^\d+(\.\d)? (ms|s)$/);
      expect(await page.locator('.chart svg rect.bad').count()).toBe(24);
      await expectText(page.locator('[data-last-error-message]'), 'failed on insight <b>x</b>');
      await page
        .locator('[data-last-error]')
        .getByRole('link', { name: `task #${failing.id}` })
        .click();
      await expectText(page.locator('h1'), `Task #${failing.id}`);
      await screenshot(page, `${adapter}-${dialect}-task-timeline`);

      await page.goto(`${d.url}/jobs/nightly`);
      await expectText(page.locator('[data-last-error]'), 'No failed run.');
      expect((await page.goto(`${d.url}/jobs/${encodeURIComponent('no such job')}`))?.status()).toBe(404);
    });

    it("keeps the payload's secrets out of a job's last error", async () => {
      const { d, page } = ui;
      const leak = await d.scheduler.enqueue('leak', { password: 'hunter2-insight', cards: [{ cvc: '999' }] });
      await waitForTask(d.scheduler, leak.id, ['FAILED']);
      await page.goto(`${d.url}/jobs/leak`);
      await expectText(page.locator('[data-last-error-message]'), 'sign-in refused for [redacted]');
      expect(await page.content()).not.toContain('hunter2-insight');
    });

    it("shows a task's attempts as a timeline: queued, each attempt with its worker, wait and duration, the retry", async () => {
      const { d, page } = ui;
      const failing = await d.scheduler.enqueue('explode', { html: 'timeline' }, { retries: 1 });
      const view = await waitForTask(d.scheduler, failing.id, ['FAILED']);
      await page.goto(`${d.url}/tasks/${failing.id}`);
      const steps = await page
        .locator('[data-timeline] > li')
        .evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-step'), li.getAttribute('data-attempt')]));
      expect(steps).toEqual([
        ['queued', null],
        ['attempt', '1'],
        ['retried', null],
        ['attempt', '2'],
      ]);
      const [worker] = await d.scheduler.workers();
      await expectText(page.locator('[data-timeline] li[data-attempt="2"]'), `on ${worker.name}`);
      await expectText(page.locator('[data-timeline] li[data-attempt="2"]'), 'FAILED');
      expect(await page.locator('[data-timeline] li[data-attempt="1"] [data-duration]').textContent()).toMatch(
        /^\d+(\.\d)? (ms|s)$/,
      );
      await expectText(page.locator('[data-timeline] li[data-step="retried"]'), 'as attempt 2');
      expect(view.task.status).toBe('FAILED');

      const slow = await d.scheduler.enqueue('slow');
      await waitForTask(d.scheduler, slow.id, ['RUNNING']);
      await page.goto(`${d.url}/tasks/${slow.id}`);
      await expectText(page.locator('[data-timeline] li[data-step="claimed"]'), `claimed by ${worker.name}`);
      await d.scheduler.stop(slow.id);
      await waitForTask(d.scheduler, slow.id, ['STOPPED']);
    });

    it('fits the job page on a phone', async () => {
      const { browser, d } = ui;
      const phone = await phoneContext(browser);
      try {
        const small = await phone.newPage();
        for (const path of ['jobs/explode', 'jobs/echo']) {
          await small.goto(`${d.url}/${path}`);
          const { scrollWidth, innerWidth, headerOverlap } = await phoneLayout(small);
          expect({ path, widerBy: Math.max(0, scrollWidth - innerWidth), headerOverlap }).toEqual({
            path,
            widerBy: 0,
            headerOverlap: false,
          });
        }
      } finally {
        await phone.close();
      }
    });
  });

  describe('bulk actions', () => {
    const statusOf = async (id: number) => (await ui.d.scheduler.status(id)).task.status;

    it('stops ticked tasks, then deletes all tasks matching a filter, reporting and recording the rows changed', async () => {
      const { d, page } = ui;
      // A group no worker serves: the tasks stay QUEUED.
      const queued = await Promise.all(
        [1, 2, 3].map((n) => d.scheduler.enqueue('echo', { bulk: n }, { group: 'parked' })),
      );
      await page.goto(`${d.url}/tasks?group=parked`);
      for (const t of queued.slice(0, 2)) await page.locator(`tr[data-task="${t.id}"] input[type="checkbox"]`).check();
      await page.locator('#bulk select[name="op"]').selectOption('stop');
      await page.locator('#bulk').getByRole('button', { name: 'Apply' }).click();
      await expectText(page.locator('.flash'), 'Stopped or asked to stop: 2 task(s) of 2 selected');
      expect(new URL(page.url()).searchParams.get('group')).toBe('parked');
      expect(await Promise.all(queued.map((t) => statusOf(t.id)))).toEqual(['STOPPED', 'STOPPED', 'QUEUED']);

      await page.goto(`${d.url}/tasks?group=parked&status=STOPPED`);
      await page.locator('#bulk select[name="op"]').selectOption('delete');
      await page.locator('#bulk input[name="scope"][value="filter"]').check();
      await page.locator('#bulk').getByRole('button', { name: 'Apply' }).click();
      await expectText(page.locator('.flash'), 'Deleted: 2 task(s) of 2 matching');
      const left = await d.dataSource.query<{ id: number }[]>(`SELECT id FROM kronos_task WHERE group_name = 'parked'`);
      expect(left.map((r) => Number(r.id))).toEqual([queued[2].id]);

      const [last, before] = await auditRows();
      expect([last.action, last.target, Number(last.rows_changed), last.outcome]).toEqual([
        'bulk:delete',
        'tasks?status=STOPPED&group=parked',
        2,
        'ok',
      ]);
      const ticked = [queued[0].id, queued[1].id].sort((x, y) => x - y);
      expect([before.action, before.target, Number(before.rows_changed)]).toEqual([
        'bulk:stop',
        `tasks:${ticked.join(',')}`,
        2,
      ]);
      await d.scheduler.stop(queued[2].id);
    });

    it('"Retry all failed" on a job page queues every failed task of that job again, in batches', async () => {
      const { d, page } = ui;
      const failing = await Promise.all([1, 2].map((n) => d.scheduler.enqueue('explode', { html: `bulk ${n}` })));
      for (const t of failing) await waitForTask(d.scheduler, t.id, ['FAILED']);
      const failed = await d.dataSource.query<unknown[]>(
        `SELECT id FROM kronos_task WHERE job_name = 'explode' AND status = 'FAILED'`,
      );
      await page.goto(`${d.url}/jobs/explode`);
      await page.getByRole('button', { name: 'Retry all failed' }).click();
      await expectText(page.locator('.flash'), `Queued again: ${failed.length} task(s) of ${failed.length} matching`);
      expect(new URL(page.url()).pathname).toMatch(/\/jobs\/explode$/);
      // They run again (and fail again): each has now run twice.
      for (const t of failing)
        await waitFor(
          async () => (await d.scheduler.status(t.id)).task.timesRun === 2 && (await statusOf(t.id)) === 'FAILED',
          10_000,
          `task ${t.id} run again`,
        );
      const [last] = await auditRows();
      expect([last.action, last.target, Number(last.rows_changed)]).toEqual([
        'bulk:retry',
        'tasks?status=FAILED&job=explode',
        failed.length,
      ]);
    });

    it('refuses a bulk action without a selection or with an invalid filter, changing nothing', async () => {
      const { d, page } = ui;
      await page.goto(`${d.url}/tasks`);
      await page.locator('#bulk').getByRole('button', { name: 'Apply' }).click();
      await expectText(page.locator('.flash.error'), 'No task was selected.');
      const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
      await page.evaluate(
        async ([url, token]) =>
          void (await fetch(url, {
            method: 'POST',
            body: new URLSearchParams({ _csrf: token, op: 'delete', scope: 'filter', status: 'BOGUS', back: 'tasks' }),
          })),
        [`${d.url}/actions/bulk`, csrf],
      );
      const [last] = await auditRows();
      expect([last.action, last.outcome, Number(last.rows_changed)]).toEqual(['bulk', 'error', 0]);
    });
  });

  describe('clean-up', () => {
    it('counts what a clean-up would delete, then deletes exactly that, recorded in the audit trail', async () => {
      const { d, page } = ui;
      const old = await d.scheduler.enqueue('echo', { old: true });
      const recent = await d.scheduler.enqueue('echo', { recent: true });
      await waitForTask(d.scheduler, old.id, ['COMPLETED']);
      await waitForTask(d.scheduler, recent.id, ['COMPLETED']);
      // As if it had finished in 1999.
      await d.dataSource.query(`UPDATE kronos_task SET updated_at = 915148800000 WHERE id = ${old.id}`);
      await d.dataSource.query(`UPDATE kronos_run SET start_time = 915148800000 WHERE task_id = ${old.id}`);

      await page.goto(d.url);
      await page.locator('header nav').getByRole('link', { name: 'Clean-up', exact: true }).click();
      await page.locator('input[name="before"]').fill('2000-01-01T00:00');
      await page.getByRole('button', { name: 'Count (dry run)' }).click();
      expect(new URL(page.url()).searchParams.get('before')).toBe('2000-01-01T00:00');
      expect([
        await page.locator('[data-runs]').textContent(),
        await page.locator('[data-tasks]').textContent(),
      ]).toEqual(['1', '1']);
      expect((await d.scheduler.status(old.id)).task.status).toBe('COMPLETED'); // a dry run deletes nothing

      await page.getByRole('button', { name: 'Delete 1 run(s) and 1 task(s)' }).click();
      await expectText(page.locator('.flash'), 'Deleted 1 run(s) and 1 finished task(s) older than 2000-01-01T00:00.');
      expect([
        await page.locator('[data-runs]').textContent(),
        await page.locator('[data-tasks]').textContent(),
      ]).toEqual(['0', '0']);
      const left = await d.dataSource.query<{ id: number }[]>(
        `SELECT id FROM kronos_task WHERE id IN (${old.id}, ${recent.id})`,
      );
      expect(left.map((r) => Number(r.id))).toEqual([recent.id]);
      const [last] = await auditRows();
      expect([last.action, last.target, Number(last.rows_changed), last.outcome]).toEqual([
        'cleanup',
        'before:2000-01-01T00:00',
        2,
        'ok',
      ]);
    });

    it('answers an invalid date with 400', async () => {
      const { d, page } = ui;
      expect((await page.goto(`${d.url}/cleanup?before=soon`))?.status()).toBe(400);
      await expectText(page.locator('[data-filter-error]'), 'before "soon" is not a date and time');
    });
  });

  describe('dependencies and batches', () => {
    it('a task page links the tasks it depends on and shows its batch with counts; WAITING and CANCELLED have tabs and badges of their own', async () => {
      const { d, page } = ui;
      const { id: batchId, tasks } = await d.scheduler.batch({ description: 'import' }, [
        { job: 'explode', payload: {} },
        { job: 'echo', payload: {}, dependsOn: [{ item: 0 }] },
      ]);
      const [failing, dependent] = tasks.map((t) => t.id);
      await waitForTask(d.scheduler, failing, ['FAILED']);
      await waitForTask(d.scheduler, dependent, ['CANCELLED']);
      await page.goto(`${d.url}/tasks/${dependent}`);
      const dependency = page.locator(`[data-dependency="${failing}"]`);
      await expectText(dependency, 'FAILED');
      await expectText(
        page.locator(`[data-batch="${batchId}"]`),
        '2 task(s): 0 completed, 1 failed, 1 cancelled, 0 stopped, 0 pending',
      );
      const colours = await page.evaluate<Record<'plain' | 'waiting' | 'cancelled', string>>(`(() => {
        const colour = (cls) => {
          const span = Object.assign(document.createElement('span'), { className: 'badge ' + cls });
          document.body.append(span);
          return getComputedStyle(span).backgroundColor;
        };
        return { plain: colour(''), waiting: colour('s-waiting'), cancelled: colour('s-cancelled') };
      })()`);
      expect(colours.waiting).not.toBe(colours.plain);
      expect(colours.cancelled).not.toBe(colours.plain);
      await dependency.getByRole('link').click();
      expect(new URL(page.url()).pathname).toMatch(new RegExp(`/tasks/${failing}$`));
      await expectText(page.locator(`[data-batch="${batchId}"]`), '2 task(s)');
      expect(await page.locator('[data-dependencies]').count()).toBe(0);
      await page.goto(`${d.url}/tasks`);
      await page.locator('.tabs').getByRole('link', { name: 'Cancelled', exact: true }).click();
      expect(await page.locator(`tr[data-task="${dependent}"]`).count()).toBe(1);
      await expect(page.locator('.tabs').getByRole('link', { name: 'Waiting', exact: true }).count()).resolves.toBe(1);
    });
  });

  describe('live by push', () => {
    let live: DashboardApp;
    beforeAll(async () => {
      // The application of the blocks above runs a worker on the same database; on PostgreSQL its
      // changes are the cluster's and are pushed to this page too. Quiet means nothing runs.
      await ui.d.close();
      ui.d = undefined as unknown as DashboardApp;
      live = await bootDashboardApp({
        adapter,
        db: await freshDatabase(dialect),
        providers: [DashboardTestJobs],
        dashboardOptions: { refreshInterval: '500ms' },
      });
    });
    afterAll(() => live?.close());
    const refreshes = async (p: Page) => Number((await p.getAttribute('body', 'data-refreshes')) ?? 0);

    it('re-reads an open page only when something changed, pushed over Server-Sent Events', async () => {
      const { page } = ui;
      await page.goto(`${live.url}/tasks`);
      await waitFor(async () => (await page.getAttribute('body', 'data-stream')) === 'push', 10_000, 'the push stream');
      await waitFor(async () => (await refreshes(page)) >= 1, 10_000, 'the refresh on connecting');
      // The application's start-up changes (definitions, its recurring task) are announced up to a
      // second after they are made (a process sends at most one notice a second): let them land.
      let idle = await refreshes(page);
      for (let settled = false; !settled;) {
        await new Promise((r) => setTimeout(r, 1500));
        const now = await refreshes(page);
        settled = now === idle;
        idle = now;
      }
      await new Promise((r) => setTimeout(r, 2500)); // five refresh intervals with nothing happening
      expect(await refreshes(page)).toBe(idle);

      const { id } = await live.scheduler.enqueue('echo', { pushed: true });
      await page.locator(`tr[data-task="${id}"]`).waitFor({ timeout: 10_000 });
      expect(await refreshes(page)).toBeGreaterThan(idle);
      expect(await page.getAttribute('body', 'data-stream')).toBe('push');
    });

    it('falls back to polling when the stream cannot be opened', async () => {
      const { page } = ui;
      await page.route('**/events', (route) => route.abort());
      await page.goto(`${live.url}/tasks`);
      const { id } = await live.scheduler.enqueue('echo', { polled: true });
      await page.locator(`tr[data-task="${id}"]`).waitFor({ timeout: 10_000 });
      expect(await page.getAttribute('body', 'data-stream')).toBe('poll');
    });

    it('guards the stream like every page', async () => {
      expect((await fetch(`${live.url}/events`)).status).toBe(403);
    });
  });
});

async function expectText(locator: Locator, text: string): Promise<void> {
  await waitFor(async () => ((await locator.textContent()) ?? '').includes(text), 10_000, `"${text}" in the page`);
}
