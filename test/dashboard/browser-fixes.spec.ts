import type { Locator } from 'playwright-core';
import { TASK_STATUSES } from '../../lib/types.js';
import { waitFor, waitForTask } from '../support/test-app.js';
import { BIDI_CONTROL, nextRefresh, phoneContext, phoneLayout } from './support/browser.js';
import { ADMIN_HEADER, ADMIN_TOKEN } from './support/dashboard-app.js';
import { dashboardInChromium, PLATFORMS_AND_DATABASES } from './support/chromium-suite.js';

/**
 * What an administrator found wrong with the pages, held on every platform and database, in
 * Chromium: secrets stay out of results, output, messages and progress, and out of live
 * refreshes; bidirectional controls show as escapes; the timeout that applies is shown; an
 * invalid filter is refused; a trailing slash leads to the page; every mutation, the new ones
 * included, is refused without the page's CSRF token or from another origin; and no page is wider
 * than a phone's screen.
 */
describe.each(PLATFORMS_AND_DATABASES)('Dashboard fixes in a browser [%s, %s]', (adapter, dialect) => {
  const ui = dashboardInChromium(dialect, { adapter, dashboardOptions: { refreshInterval: '500ms' } });

  it('keeps sensitive values out of a run’s result, output and message, and out of progress after a live refresh', async () => {
    const { d, page } = ui;
    const secrets = ['hunter2', '4111-1111-1111-1111', 'cvc-9z9', 'tok-123-abc'];
    const payload = {
      user: 'ann',
      password: 'hunter2"pw',
      card: { number: '4111-1111-1111-1111', holder: 'Ann' },
      cards: [{ cvc: 'cvc-9z9' }],
      token: 'tok-123-abc',
    };
    const echoed = await waitForTask(d.scheduler, (await d.scheduler.enqueue('echo', payload)).id, ['COMPLETED']);
    const failed = await waitForTask(
      d.scheduler,
      (await d.scheduler.enqueue('leak', { password: 'hunter2"pw', cards: [{ cvc: 'cvc-9z9' }] })).id,
      ['FAILED'],
    );
    const showsNoSecret = async (where: string) => {
      const content = await page.content();
      for (const secret of secrets)
        expect({ where, leaks: content.includes(secret) ? secret : null }).toEqual({ where, leaks: null });
    };
    await page.goto(`${d.url}/runs/${echoed.latestRun!.id}`);
    await expectText(page.locator('[data-result]'), '"password": "[redacted]"');
    await expectText(page.locator('[data-result]'), '"holder": "Ann"');
    await showsNoSecret('the run page of echo');
    await page.goto(`${d.url}/runs/${failed.latestRun!.id}`);
    await expectText(page.locator('[data-message]'), 'sign-in refused for [redacted]');
    await expectText(page.locator('[data-output]'), 'signing in with [redacted], card code [redacted]');
    await showsNoSecret('the run page of a failed run');

    const running = await d.scheduler.enqueue('leak', {
      password: 'hunter2"pw',
      cards: [{ cvc: 'cvc-9z9' }],
      wait: true,
    });
    await waitFor(async () => (await d.scheduler.status(running.id)).task.progressMessage !== null, 10_000, 'progress');
    await page.goto(`${d.url}/tasks/${running.id}`);
    await expectText(page.locator('[data-live]'), 'checking [redacted]');
    const refreshed = nextRefresh(page);
    await d.scheduler.enqueue('echo', { change: 'refresh' });
    await refreshed;
    await expectText(page.locator('[data-live]'), 'checking [redacted]');
    await showsNoSecret('a running task after a live refresh');
    await d.scheduler.stop(running.id);
    await waitForTask(d.scheduler, running.id, ['STOPPED']);
  });

  it('shows bidirectional control characters as visible escapes, never raw', async () => {
    const { d, page } = ui;
    const { id } = await d.scheduler.enqueue('explode', { html: 'RTL:\u202Egnp.exe \u2066x\u2069' });
    const run = (await waitForTask(d.scheduler, id, ['FAILED'])).latestRun!;
    for (const path of [`runs/${run.id}`, 'runs', `tasks/${id}`]) {
      await page.goto(`${d.url}/${path}`);
      await expectText(page.locator('main'), 'RTL:\\u202Egnp.exe \\u2066x\\u2069');
      expect(BIDI_CONTROL.test(await page.content())).toBe(false);
    }
  });

  it('shows the timeout that applies to a task and where it comes from', async () => {
    const { d, page } = ui;
    const own = await d.scheduler.enqueue('slow', undefined, { timeout: '30s', delay: '1h' });
    const fromJob = await d.scheduler.enqueue('slow', undefined, { delay: '1h' });
    for (const [id, shown] of [
      [own.id, '30 s (set for this task)'],
      [fromJob.id, "2 min 0 s (the job's timeout)"],
    ] as const) {
      await page.goto(`${d.url}/tasks/${id}`);
      await expectText(page.locator('[data-timeout]'), shown);
    }
    await Promise.all([own, fromJob].map((t) => d.scheduler.stop(t.id)));
  });

  it('answers an invalid filter with 400 naming it, and sends a trailing slash to the page', async () => {
    const { d, page } = ui;
    const tasks = await page.goto(`${d.url}/tasks?status=BOGUS&before=abc`);
    expect(tasks?.status()).toBe(400);
    const message = (await page.locator('[data-filter-error]').textContent()) ?? '';
    expect(message).toContain(`status "BOGUS" is not one of ${TASK_STATUSES.join(', ')}`);
    expect(message).toContain('before "abc" is not a task id');
    expect(await page.locator('tr[data-task]').count()).toBe(0);
    for (const [path, title] of [
      ['/', 'Overview'],
      ['/jobs/', 'Jobs'],
      ['/tasks/', 'Tasks'],
    ]) {
      const response = await page.goto(`${d.url}${path}`);
      expect([response?.status(), new URL(page.url()).pathname]).toEqual([200, `/scheduler${path.slice(0, -1)}`]);
      await expectText(page.locator('h1'), title);
    }
  });

  it('refuses every mutation posted without the page token or from another origin, changing and recording nothing', async () => {
    const { d, context, page } = ui;
    await page.goto(`${d.url}/jobs`);
    const token = (await context.cookies()).find((c) => c.name === 'kronos_csrf')!.value;
    const audited = async () => (await d.dataSource.query<unknown[]>('SELECT id FROM kronos_audit')).length;
    const before = await audited();
    const form = {
      name: 'echo',
      task: '1',
      command: 'kill',
      op: 'delete',
      scope: 'filter',
      group: 'main',
      worker: 'any',
    };
    for (const action of [
      'deactivate',
      'run-now',
      'stop',
      'retry',
      'workers',
      'bulk',
      'cleanup',
      'reschedule',
      'reset-schedule',
      'group-pause',
      'group-resume',
      'worker',
    ]) {
      const url = `${d.url}/actions/${action}`;
      const withoutToken = await page.evaluate(
        async ([to, fields]) => (await fetch(to, { method: 'POST', body: new URLSearchParams(fields) })).status,
        [url, form] as const,
      );
      const crossSite = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          [ADMIN_HEADER]: ADMIN_TOKEN,
          cookie: `kronos_csrf=${token}`,
          origin: 'https://evil.example',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ ...form, _csrf: token }),
      });
      expect({ action, withoutToken, crossSite: crossSite.status }).toEqual({
        action,
        withoutToken: 403,
        crossSite: 403,
      });
    }
    expect(await audited()).toBe(before);
    expect((await d.scheduler.listJobs()).find((j) => j.name === 'echo')!.active).toBe(true);
    expect((await d.scheduler.groups()).some((g) => g.paused)).toBe(false);
  });

  it('fits a phone on every page: none is wider than the screen, and the header does not overlap', async () => {
    const { browser, d } = ui;
    const { id } = await d.scheduler.enqueue('explode', { html: 'a very long value '.repeat(20) });
    const run = (await waitForTask(d.scheduler, id, ['FAILED'])).latestRun!;
    const phone = await phoneContext(browser);
    try {
      const small = await phone.newPage();
      for (const path of [
        '',
        'jobs',
        'jobs/echo',
        'jobs/nightly',
        'tasks',
        `tasks/${id}`,
        'tasks?status=FAILED&payload=html%3Dx',
        'tasks?status=BOGUS',
        'runs',
        `runs/${run.id}`,
        'workers',
        'audit',
        'cleanup',
        'cleanup?before=2000-01-01',
      ]) {
        await small.goto(path ? `${d.url}/${path}` : d.url);
        const { scrollWidth, innerWidth, headerOverlap } = await phoneLayout(small);
        expect({ path, innerWidth, widerBy: Math.max(0, scrollWidth - innerWidth), headerOverlap }).toEqual({
          path,
          innerWidth: 390,
          widerBy: 0,
          headerOverlap: false,
        });
      }
    } finally {
      await phone.close();
    }
  });
});

async function expectText(locator: Locator, text: string): Promise<void> {
  await waitFor(async () => ((await locator.textContent()) ?? '').includes(text), 10_000, `"${text}" in the page`);
}
