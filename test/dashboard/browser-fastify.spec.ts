import { Injectable, Module } from '@nestjs/common';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { SchedulerDashboardModule } from '../../lib/index.js';
import { TASK_STATUSES } from '../../lib/types.js';
import { waitFor, waitForTask } from '../support/test-app.js';
import {
  acceptDialogs,
  adminContext,
  launchChromium,
  phoneContext,
  phoneLayout,
  screenshot,
} from './support/browser.js';
import {
  ADMIN_HEADER,
  ADMIN_TOKEN,
  AdminTokenGuard,
  bootDashboardApp,
  type DashboardApp,
} from './support/dashboard-app.js';
import { DashboardTestJobs } from './support/jobs.js';

/** Stands in for the application's configuration. */
@Injectable()
class AdminSettings {
  readonly refresh = '500ms';
}
@Module({ providers: [AdminSettings], exports: [AdminSettings] })
class AdminSettingsModule {}

/**
 * The same dashboard on Fastify, behind a global prefix, registered with `registerAsync`: links,
 * redirects, cookies and the form body all go through Nest's Fastify adapter.
 */
describe('Dashboard in a browser [fastify, global prefix, registerAsync]', () => {
  let browser: Browser;
  let d: DashboardApp;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    d = await bootDashboardApp({
      adapter: 'fastify',
      globalPrefix: 'api',
      providers: [DashboardTestJobs],
      dashboard: SchedulerDashboardModule.registerAsync({
        path: '/admin/scheduler',
        imports: [AdminSettingsModule],
        inject: [AdminSettings],
        useFactory: (settings: AdminSettings) => ({ guard: AdminTokenGuard, refreshInterval: settings.refresh }),
      }),
      path: '/admin/scheduler',
    });
  });
  afterAll(async () => {
    await d?.close();
    await browser?.close();
  });
  beforeEach(async () => {
    context = await adminContext(browser);
    page = await context.newPage();
    acceptDialogs(page);
  });
  afterEach(() => context.close());

  it('serves every page below the prefix, and its links stay there', async () => {
    expect(d.url).toMatch(/\/api\/admin\/scheduler$/);
    await page.goto(d.url);
    await expectText(page.locator('h1'), 'Overview');
    for (const [link, path, title] of [
      ['Jobs', '/api/admin/scheduler/jobs', 'Jobs'],
      ['Tasks', '/api/admin/scheduler/tasks', 'Tasks'],
      ['Runs', '/api/admin/scheduler/runs', 'Runs'],
      ['Workers', '/api/admin/scheduler/workers', 'Workers'],
      ['Overview', '/api/admin/scheduler', 'Overview'],
    ]) {
      await page.locator('header nav').getByRole('link', { name: link, exact: true }).click();
      await expectText(page.locator('h1'), title);
      expect(new URL(page.url()).pathname).toBe(path);
      await screenshot(page, `fastify-${title.toLowerCase()}`);
    }
  });

  it('toggles a job and runs it now from the page', async () => {
    await page.goto(`${d.url}/jobs`);
    const row = page.locator('tr[data-job="echo"]');
    await row.getByRole('button', { name: 'Deactivate' }).click();
    await expectText(page.locator('.flash'), 'deactivated');
    expect(new URL(page.url()).pathname).toBe('/api/admin/scheduler/jobs');
    expect((await d.scheduler.listJobs()).find((j) => j.name === 'echo')!.active).toBe(false);
    await page.locator('tr[data-job="echo"]').getByRole('button', { name: 'Activate' }).click();
    await expectText(page.locator('tr[data-job="echo"] [data-state]'), 'active');

    await page.locator('tr[data-job="echo"] summary').click();
    await page.locator('tr[data-job="echo"] textarea[name="payload"]').fill('{"via": "fastify"}');
    await page.locator('tr[data-job="echo"]').getByRole('button', { name: 'Run now' }).click();
    const taskId = Number(/task #(\d+)/.exec((await page.locator('.flash').textContent()) ?? '')?.[1]);
    const view = await waitForTask(d.scheduler, taskId, ['COMPLETED']);
    await page.goto(`${d.url}/runs`);
    await expectText(page.locator(`tr[data-run="${view.latestRun!.id}"] .badge`), 'COMPLETED');
  });

  it('sends every page asked for with a trailing slash to its address, as on Express', async () => {
    const { id } = await d.scheduler.enqueue('echo', { slash: true });
    const run = (await waitForTask(d.scheduler, id, ['COMPLETED'])).latestRun!;
    for (const [path, title] of [
      ['/', 'Overview'],
      ['/jobs/', 'Jobs'],
      ['/tasks/', 'Tasks'],
      [`/tasks/${id}/`, `Task #${id}`],
      ['/runs/', 'Runs'],
      [`/runs/${run.id}/`, `Run #${run.id}`],
      ['/workers/', 'Workers'],
    ]) {
      const response = await page.goto(`${d.url}${path}`);
      expect([response?.status(), new URL(page.url()).pathname]).toEqual([
        200,
        `/api/admin/scheduler${path.slice(0, -1)}`,
      ]);
      await expectText(page.locator('h1'), title);
    }
    const slashed = await fetch(`${d.url}/tasks/?status=FAILED`, {
      headers: { [ADMIN_HEADER]: ADMIN_TOKEN },
      redirect: 'manual',
    });
    expect([slashed.status, slashed.headers.get('location')]).toEqual([308, '../tasks?status=FAILED']);
    await page.locator('header nav').getByRole('link', { name: 'Tasks', exact: true }).click();
    expect(new URL(page.url()).pathname).toBe('/api/admin/scheduler/tasks');
    await page.goto(`${d.url}/jobs/`);
    await page.locator('header nav').getByRole('link', { name: 'Overview', exact: true }).click();
    expect(new URL(page.url()).pathname).toBe('/api/admin/scheduler');
    expect((await page.goto(`${d.url}/nowhere/`))?.status()).toBe(404);
  });

  it('answers an invalid filter with 400 naming it, also a parameter given twice', async () => {
    expect((await page.goto(`${d.url}/tasks?status=BOGUS&before=abc`))?.status()).toBe(400);
    await expectText(page.locator('[data-filter-error]'), `status "BOGUS" is not one of ${TASK_STATUSES.join(', ')}`);
    await expectText(page.locator('[data-filter-error]'), 'before "abc" is not a task id');
    expect((await page.goto(`${d.url}/runs?status=FAILED&status=LOST`))?.status()).toBe(400);
    await expectText(page.locator('[data-filter-error]'), 'status ["FAILED","LOST"] is not a single value');
  });

  it('fits a phone: no page is wider than the screen, and the header does not overlap', async () => {
    const phone = await phoneContext(browser);
    try {
      const small = await phone.newPage();
      for (const path of ['', 'jobs', 'tasks', 'runs', 'workers']) {
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

  it('refuses strangers (403) and requests without the CSRF token', async () => {
    expect((await fetch(`${d.url}/jobs`)).status).toBe(403);
    await page.goto(`${d.url}/jobs`);
    const refused = await page.evaluate(
      async (url) => (await fetch(url, { method: 'POST', body: new URLSearchParams({ name: 'echo' }) })).status,
      `${d.url}/actions/deactivate`,
    );
    expect(refused).toBe(403);
    expect((await d.scheduler.listJobs()).find((j) => j.name === 'echo')!.active).toBe(true);
  });
});

async function expectText(locator: Locator, text: string): Promise<void> {
  await waitFor(async () => ((await locator.textContent()) ?? '').includes(text), 10_000, `"${text}" in the page`);
}
