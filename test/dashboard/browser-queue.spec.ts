import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { Dialect } from '../support/databases.js';
import { freshDatabase, waitFor } from '../support/test-app.js';
import { acceptDialogs, launchChromium } from './support/browser.js';
import { ADMIN_HEADER, ADMIN_TOKEN, bootDashboardApp, type DashboardApp } from './support/dashboard-app.js';
import { DashboardTestJobs } from './support/jobs.js';

const ADMIN_NAME_HEADER = 'x-admin-name';

/**
 * Schedules and queues from the dashboard, in Chromium, on Express and Fastify, on SQLite and
 * PostgreSQL: an administrator reschedules a recurring job after previewing its next runs, gives
 * it its schedule from code back, and every change is on the record.
 */
describe.each<['express' | 'fastify', Dialect]>([
  ['express', 'sqlite'],
  ['fastify', 'postgres'],
  ['express', 'postgres'],
  ['fastify', 'sqlite'],
])('Dashboard schedules and queues in a browser [%s, %s]', (adapter, dialect) => {
  let browser: Browser;
  let d: DashboardApp;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    d = await bootDashboardApp({
      adapter,
      db: await freshDatabase(dialect),
      providers: [DashboardTestJobs],
      dashboardOptions: { refreshInterval: 0, actor: (request: { headers: Record<string, string | undefined> }) => request.headers[ADMIN_NAME_HEADER] },
    });
  });
  afterAll(async () => {
    await d?.close();
    await browser?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ extraHTTPHeaders: { [ADMIN_HEADER]: ADMIN_TOKEN, [ADMIN_NAME_HEADER]: 'alice' }, viewport: { width: 1360, height: 900 } });
    page = await context.newPage();
    acceptDialogs(page);
  });
  afterEach(() => context.close());

  const lastAudit = async () =>
    (await d.dataSource.query<{ actor: string; action: string; target: string | null; outcome: string; detail: string | null }[]>('SELECT * FROM kronos_audit ORDER BY id DESC'))[0];
  const nightly = async () => (await d.scheduler.listJobs()).find((j) => j.name === 'nightly')!;

  describe('schedules from the job page', () => {
    it('previews the next ten runs in the time zone of a typed spec, saves it, then resets to the schedule from code, both recorded', async () => {
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
      expect(await lastAudit()).toMatchObject({ actor: 'alice', action: 'reschedule', target: 'job:nightly', outcome: 'ok' });
      expect((await lastAudit()).detail).toContain('30 6 * * 1-5');

      await page.getByRole('button', { name: "Reset to the code's schedule" }).click();
      await expectText(page.locator('.flash'), 'schedule from code again');
      const back = await nightly();
      expect(back.timezone).toBe('Europe/Berlin');
      expect(back.scheduleDescription).toContain('03:00');
      expect(await lastAudit()).toMatchObject({ actor: 'alice', action: 'reset-schedule', target: 'job:nightly', outcome: 'ok' });
    });

    it('says why a typed spec is refused, naming the value, and saves nothing', async () => {
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
        async ([url, token]) => (await fetch(url, { method: 'POST', body: new URLSearchParams({ _csrf: token, name: 'nightly', spec: '{"every": "fortnightly"}' }) })).status,
        [`${d.url}/actions/reschedule`, csrf],
      );
      expect(await lastAudit()).toMatchObject({ action: 'reschedule', target: 'job:nightly', outcome: 'error' });
      expect((await lastAudit()).detail).toContain('fortnightly');
      expect((await nightly()).timezone).toBe('Europe/Berlin');
    });

    it('offers no schedule form on a queued job, and refuses a reschedule without the CSRF token', async () => {
      await page.goto(`${d.url}/jobs/echo`);
      expect(await page.locator('[data-schedule-form]').count()).toBe(0);
      await page.goto(`${d.url}/jobs/nightly`);
      const status = await page.evaluate(
        async (url) => (await fetch(url, { method: 'POST', body: new URLSearchParams({ name: 'nightly', spec: '{"every": "minute"}' }) })).status,
        `${d.url}/actions/reschedule`,
      );
      expect(status).toBe(403);
      expect((await nightly()).timezone).toBe('Europe/Berlin');
    });
  });
});

async function expectText(locator: Locator, text: string): Promise<void> {
  await waitFor(async () => ((await locator.textContent()) ?? '').includes(text), 10_000, `"${text}" in the page`);
}
