import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { SchedulerService } from '../../lib/index.js';
import { TMP_ENV } from '../support/settings.js';
import { waitFor } from '../support/test-app.js';
import { launchChromium, screenshot } from './support/browser.js';

const DOCS = join(dirname(fileURLToPath(import.meta.url)), '../../docs');

/** The sample app as `npm start` runs it, on a scratch SQLite file: the dashboard mounted at /scheduler behind its demo guard. */
describe('Dashboard in the sample app', () => {
  let app: INestApplication;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    process.env.KRONOS_SAMPLE_DB = join(
      mkdtempSync(join(process.env[TMP_ENV] || tmpdir(), 'kronos-sample-')),
      'sample.db',
    );
    const { AppModule } = await import('../../sample/app.module.js');
    app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('asks for the demo credentials, then shows the sample jobs working', async () => {
    const anonymous = await fetch(`${url}/scheduler`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect((await fetch(`${url}/jobs`)).status).toBe(200); // the sample's own API is unchanged

    const scheduler = app.get(SchedulerService);
    await waitFor(
      async () => (await scheduler.runs({ job: 'stats.update-aggregate', limit: 3 })).length >= 2,
      30_000,
      'the demo traffic',
    );
    const context = await browser.newContext({
      httpCredentials: { username: 'admin', password: 'admin' },
      viewport: { width: 1280, height: 760 },
    });
    try {
      const page = await context.newPage();
      for (const [path, name] of [
        ['/jobs', 'jobs'],
        ['/runs', 'runs'],
        ['/workers', 'workers'],
        ['', 'overview'],
      ]) {
        const response = await page.goto(`${url}/scheduler${path}`);
        expect(response?.status()).toBe(200);
        await screenshot(page, `sample-${name}`);
      }
      await page.goto(`${url}/scheduler/jobs`);
      expect(await page.locator('tr[data-job="reports.nightly"]').textContent()).toContain('every day at 23:30');
      await screenshot(page, 'sample-jobs-readme');
      // The README's picture changes only when asked: KRONOS_DOCS_SCREENSHOT=1 npm test -- test/dashboard/sample-app.spec.ts
      if (process.env.KRONOS_DOCS_SCREENSHOT === '1') await page.screenshot({ path: join(DOCS, 'dashboard.png') });

      // A job's own page: its runs and failures per hour, durations, wait and last error.
      const jobPage = await page.goto(`${url}/scheduler/jobs/stats.update-aggregate`);
      expect(jobPage?.status()).toBe(200);
      expect(await page.locator('main').textContent()).toContain('stats.update-aggregate');
      await screenshot(page, 'sample-job-page');
      if (process.env.KRONOS_DOCS_SCREENSHOT === '1') await page.screenshot({ path: join(DOCS, 'dashboard-job.png') });
    } finally {
      await context.close();
    }
  }, 60_000);
});
