import type { Locator } from 'playwright-core';
import { waitFor } from '../support/test-app.js';
import { phoneContext, phoneLayout } from './support/browser.js';
import {
  actorFromHeader,
  aliceContext,
  dashboardInChromium,
  PLATFORMS_AND_DATABASES,
} from './support/chromium-suite.js';

/**
 * Schedules and queues from the dashboard, in Chromium, on Express and Fastify, on SQLite and
 * PostgreSQL: an administrator reschedules a recurring job after previewing its next runs, gives
 * it its schedule from code back, and every change is on the record.
 */
describe.each(PLATFORMS_AND_DATABASES)('Dashboard schedules and queues in a browser [%s, %s]', (adapter, dialect) => {
  const ui = dashboardInChromium(
    dialect,
    {
      adapter,
      // A rate-limited group no worker serves here: the Workers page shows its limit.
      scheduler: { groups: { mail: { rateLimit: { limit: 100, per: '1m' } } } },
      dashboardOptions: { refreshInterval: 0, actor: actorFromHeader },
    },
    aliceContext,
  );

  const lastAudit = async () =>
    (
      await ui.d.dataSource.query<
        { actor: string; action: string; target: string | null; outcome: string; detail: string | null }[]
      >('SELECT * FROM kronos_audit ORDER BY id DESC')
    )[0];
  const nightly = async () => (await ui.d.scheduler.listJobs()).find((j) => j.name === 'nightly')!;

  describe('schedules from the job page', () => {
    it('previews the next ten runs in the time zone of a typed spec, saves it, then resets to the schedule from code, both recorded', async () => {
      const { d, page } = ui;
      await page.goto(`${d.url}/jobs/nightly`);
      const spec = '{"cron": "30 6 * * 1-5", "timezone": "America/New_York"}';
      await page.locator('[data-schedule-form] input[name="spec"]').fill(spec);
      await page.getByRole('button', { name: 'Preview next 10 runs' }).click();
      const runs = page.locator('[data-schedule-preview] li');
      await runs.first().waitFor();
      const shown = await runs.allTextContents();
      expect(shown).toHaveLength(10);
      for (const slot of shown) expect(slot).toMatch(/ 06:30:00$/);
      expect(await page.locator('main, body').first().textContent()).toContain('in America/New_York');
      // The preview changed nothing.
      expect((await nightly()).timezone).toBe('Europe/Berlin');

      await page.getByRole('button', { name: 'Save this schedule' }).click();
      await expectText(page.locator('.flash'), 'Job "nightly" rescheduled');
      expect(await page.locator('h1').textContent()).toContain('nightly');
      const moved = await nightly();
      expect(moved.timezone).toBe('America/New_York');
      expect(moved.schedule).toMatchObject({ kind: 'cron', expression: '30 6 * * 1-5', timezone: 'America/New_York' });
      expect(await lastAudit()).toMatchObject({
        actor: 'alice',
        action: 'reschedule',
        target: 'job:nightly',
        outcome: 'ok',
      });
      expect((await lastAudit()).detail).toContain('30 6 * * 1-5');

      await page.getByRole('button', { name: "Reset to the code's schedule" }).click();
      await expectText(page.locator('.flash'), 'schedule from code again');
      const back = await nightly();
      expect(back.timezone).toBe('Europe/Berlin');
      expect(back.scheduleDescription).toContain('03:00');
      expect(await lastAudit()).toMatchObject({
        actor: 'alice',
        action: 'reset-schedule',
        target: 'job:nightly',
        outcome: 'ok',
      });
    });

    it('says why a typed spec is refused, naming the value, and saves nothing', async () => {
      const { d, page } = ui;
      for (const [typed, says] of [
        ['every other day', '"every other day" is not JSON'],
        ['{"every": "fortnightly"}', 'fortnightly'],
        ['{"cron": "61 * * * *"}', '61 * * * *'],
      ] as const) {
        await page.goto(`${d.url}/jobs/nightly`);
        await page.locator('[data-schedule-form] input[name="spec"]').fill(typed);
        await page.getByRole('button', { name: 'Preview next 10 runs' }).click();
        await expectText(page.locator('[data-schedule-error]'), says);
        expect(await page.locator('[data-schedule-preview]').count()).toBe(0);
        expect(await page.getByRole('button', { name: 'Save this schedule' }).count()).toBe(0);
      }
      // A stale or forged form with a bad spec is refused and recorded as refused.
      const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
      await page.evaluate(
        async ([url, token]) =>
          (
            await fetch(url, {
              method: 'POST',
              body: new URLSearchParams({ _csrf: token, name: 'nightly', spec: '{"every": "fortnightly"}' }),
            })
          ).status,
        [`${d.url}/actions/reschedule`, csrf],
      );
      expect(await lastAudit()).toMatchObject({ action: 'reschedule', target: 'job:nightly', outcome: 'error' });
      expect((await lastAudit()).detail).toContain('fortnightly');
      expect((await nightly()).timezone).toBe('Europe/Berlin');
    });

    it('offers no schedule form on a queued job, and refuses a reschedule without the CSRF token', async () => {
      const { d, page } = ui;
      await page.goto(`${d.url}/jobs/echo`);
      expect(await page.locator('[data-schedule-form]').count()).toBe(0);
      await page.goto(`${d.url}/jobs/nightly`);
      const status = await page.evaluate(
        async (url) =>
          (
            await fetch(url, {
              method: 'POST',
              body: new URLSearchParams({ name: 'nightly', spec: '{"every": "minute"}' }),
            })
          ).status,
        `${d.url}/actions/reschedule`,
      );
      expect(status).toBe(403);
      expect((await nightly()).timezone).toBe('Europe/Berlin');
    });
  });

  describe('queue control on the Workers page', () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    it("shows each group's rate limit and the starts counted in its current window", async () => {
      const { d, page } = ui;
      await page.goto(`${d.url}/workers`);
      await expectText(page.locator('tr[data-group="mail"] [data-rate-limit]'), '100/1m');
      await expectText(page.locator('tr[data-group="mail"] [data-rate-limit]'), '0 started this window');
      await expectText(page.locator('tr[data-group="main"] [data-rate-limit]'), 'none');
    });

    it('pauses a group (its tasks stay QUEUED, shown with the count), resumes it (they run), both recorded', async () => {
      const { d, page } = ui;
      await page.goto(`${d.url}/workers`);
      const main = page.locator('tr[data-group="main"]');
      await expectText(main.locator('[data-group-state]'), 'active');
      await main.getByRole('button', { name: 'Pause group' }).click();
      await expectText(page.locator('.flash'), 'Group "main" paused');
      await expectText(page.locator('tr[data-group="main"] [data-group-state]'), 'paused');
      await expectText(page.locator('tr[data-group="main"] [data-group-state]'), 'by alice');
      expect(await lastAudit()).toMatchObject({
        actor: 'alice',
        action: 'group-pause',
        target: 'group:main',
        outcome: 'ok',
      });

      await sleep(800); // past the worker's next heartbeat (200 ms here)
      // The recurring task of the nightly job waits QUEUED in the group too.
      const queuedBefore = (await d.scheduler.groups()).find((g) => g.name === 'main')!.queued;
      const { id } = await d.scheduler.enqueue('echo', { paused: true });
      await sleep(1000);
      expect((await d.scheduler.status(id)).task.status).toBe('QUEUED');
      await page.reload();
      expect(await page.locator('tr[data-group="main"] [data-queued]').textContent()).toBe(String(queuedBefore + 1));

      await page.locator('tr[data-group="main"]').getByRole('button', { name: 'Resume group' }).click();
      await expectText(page.locator('.flash'), 'Group "main" resumed');
      expect(await lastAudit()).toMatchObject({
        actor: 'alice',
        action: 'group-resume',
        target: 'group:main',
        outcome: 'ok',
      });
      await waitFor(
        async () => (await d.scheduler.status(id)).task.status === 'COMPLETED',
        10_000,
        'the task to run after the resume',
      );
      await expectText(page.locator('tr[data-group="main"] [data-group-state]'), 'active');
    });

    it('addresses a command to one worker by its own buttons, recorded with its name', async () => {
      const { d, page } = ui;
      await page.goto(`${d.url}/workers`);
      const row = page.locator('tr[data-worker]').first();
      const name = (await row.getAttribute('data-worker'))!;
      await row.getByRole('button', { name: 'Disable', exact: true }).click();
      await expectText(page.locator('.flash'), `Told worker ${name} to disable`);
      expect((await d.scheduler.workers()).find((w) => w.name === name)!.status).toBe('DISABLED');
      expect(await lastAudit()).toMatchObject({
        actor: 'alice',
        action: 'worker:disable',
        target: `worker:${name}`,
        outcome: 'ok',
      });
      await page.locator(`tr[data-worker="${name}"]`).getByRole('button', { name: 'Resume', exact: true }).click();
      await expectText(page.locator('.flash'), `Told worker ${name} to resume`);
      expect((await d.scheduler.workers()).find((w) => w.name === name)!.status).toBe('ACTIVE');
      // A command to a worker that is gone changes nothing and says so.
      const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
      await page.evaluate(
        async ([url, token]) =>
          (
            await fetch(url, {
              method: 'POST',
              body: new URLSearchParams({ _csrf: token, worker: 'gone-worker', command: 'kill' }),
            })
          ).status,
        [`${d.url}/actions/worker`, csrf],
      );
      expect(await lastAudit()).toMatchObject({ action: 'worker:kill', target: 'worker:gone-worker', outcome: 'ok' });
    });

    it('fits a phone: the Workers page with its groups and the job page with a schedule preview are no wider than the screen', async () => {
      const { browser, d } = ui;
      const phone = await phoneContext(browser);
      try {
        const small = await phone.newPage();
        for (const path of ['workers', `jobs/nightly?spec=${encodeURIComponent('{"every": "day", "at": "04:15"}')}`]) {
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

    it('refuses a pause without the CSRF token', async () => {
      const { d, page } = ui;
      await page.goto(`${d.url}/workers`);
      const status = await page.evaluate(
        async (url) => (await fetch(url, { method: 'POST', body: new URLSearchParams({ group: 'main' }) })).status,
        `${d.url}/actions/group-pause`,
      );
      expect(status).toBe(403);
      expect((await d.scheduler.groups()).find((g) => g.name === 'main')!.paused).toBe(false);
    });
  });
});

async function expectText(locator: Locator, text: string): Promise<void> {
  await waitFor(async () => ((await locator.textContent()) ?? '').includes(text), 10_000, `"${text}" in the page`);
}
