import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { TASK_STATUSES } from '../../lib/types.js';
import { waitFor, waitForTask } from '../support/test-app.js';
import {
  acceptDialogs,
  adminContext,
  BIDI_CONTROL,
  launchChromium,
  nextRefresh,
  phoneContext,
  phoneLayout,
  screenshot,
} from './support/browser.js';
import { ADMIN_HEADER, ADMIN_TOKEN, bootDashboardApp, type DashboardApp } from './support/dashboard-app.js';
import { DashboardTestJobs } from './support/jobs.js';

/**
 * The dashboard driven by Chromium against a real Express application on SQLite: what an
 * administrator does in the page changes what the worker does, and what the worker did shows.
 */
describe('Dashboard in a browser [express]', () => {
  let browser: Browser;
  let d: DashboardApp;
  let context: BrowserContext;
  let page: Page;
  let jobs: DashboardTestJobs;

  beforeAll(async () => {
    browser = await launchChromium();
    d = await bootDashboardApp({ providers: [DashboardTestJobs], dashboardOptions: { refreshInterval: '500ms' } });
    jobs = d.app.get(DashboardTestJobs);
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

  const jobState = (name: string) => page.locator(`tr[data-job="${name}"] [data-state]`);
  const isActive = async (name: string) => (await d.scheduler.listJobs()).find((j) => j.name === name)!.active;

  it('toggling a job in the page changes what the worker runs', async () => {
    await page.goto(`${d.url}/jobs`);
    await page.locator('tr[data-job="echo"]').getByRole('button', { name: 'Deactivate' }).click();
    await expectText(page.locator('.flash'), 'Job "echo" deactivated.');
    await expectText(jobState('echo'), 'inactive');
    expect(await isActive('echo')).toBe(false);

    const before = jobs.echoed.length;
    const { id } = await d.scheduler.enqueue('echo', { toggled: true });
    await new Promise((r) => setTimeout(r, 600)); // dozens of poll intervals: the worker skips the job
    expect((await d.scheduler.status(id)).task.status).toBe('QUEUED');
    expect(jobs.echoed.length).toBe(before);

    await page.locator('tr[data-job="echo"]').getByRole('button', { name: 'Activate' }).click();
    await expectText(jobState('echo'), 'active');
    await waitForTask(d.scheduler, id, ['COMPLETED']);
    expect(jobs.echoed).toContainEqual({ toggled: true });
  });

  it('"Run now" queues a run that shows up in the Runs page', async () => {
    await page.goto(`${d.url}/jobs`);
    const row = page.locator('tr[data-job="echo"]');
    await row.locator('summary').click();
    await row.locator('textarea[name="payload"]').fill('{"hello": "from the page"}');
    await row.getByRole('button', { name: 'Run now' }).click();
    const flash = await page.locator('.flash').textContent();
    const taskId = Number(/task #(\d+)/.exec(flash ?? '')?.[1]);
    expect(taskId).toBeGreaterThan(0);

    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    expect(new URL(page.url()).pathname).toBe('/scheduler/runs');
    const run = page.locator('tr[data-run]', { has: page.locator(`a[href$="tasks/${taskId}"]`) });
    await run.waitFor(); // the live refresh brings it in if it finished after the page loaded
    await expectText(run.locator('.badge'), 'COMPLETED');
    await run.locator('td').first().locator('a').first().click();
    await expectText(page.locator('[data-result]'), '"hello": "from the page"');
    await expectText(page.locator('[data-output]'), 'echoing');
  });

  it('a task stopped from the page shows STOPPED', async () => {
    const { id } = await d.scheduler.enqueue('slow');
    await waitForTask(d.scheduler, id, ['RUNNING']);
    await page.goto(`${d.url}/tasks?status=RUNNING`);
    const row = page.locator(`tr[data-task="${id}"]`);
    await expectText(row.locator('.badge'), 'RUNNING');
    await waitFor(
      async () => (await row.locator('progress').getAttribute('value')) === '40',
      10_000,
      'the progress bar',
    );
    await screenshot(page, 'express-tasks-running');
    await row.getByRole('button', { name: 'Stop' }).click();
    await expectText(page.locator('.flash'), `Task #${id}`);
    await page.goto(`${d.url}/tasks/${id}`);
    await waitFor(
      async () => (await page.locator('#task .badge').first().textContent()) === 'STOPPED',
      10_000,
      'STOPPED in the page',
    );
    expect((await d.scheduler.status(id)).task.status).toBe('STOPPED');
  });

  it('retries a failed task as a new task with the same payload', async () => {
    const { id } = await d.scheduler.enqueue('explode', { html: 'retry me' });
    await waitForTask(d.scheduler, id, ['FAILED']);
    await page.goto(`${d.url}/tasks?status=FAILED`);
    await page.locator(`tr[data-task="${id}"]`).getByRole('button', { name: 'Retry' }).click();
    const again = Number(
      new RegExp(`Task #${id} queued again as task #(\\d+)`).exec(
        (await page.locator('.flash').textContent()) ?? '',
      )?.[1],
    );
    expect(new URL(page.url()).search).toBe('?status=FAILED');
    const view = await waitForTask(d.scheduler, again, ['FAILED']);
    expect(JSON.parse(view.task.payload!)).toEqual({ html: 'retry me' });
    expect(view.task.queuedBy).toBe('kronos-dashboard');
  });

  it('pages refresh themselves without a reload', async () => {
    await page.goto(`${d.url}/tasks`);
    await page.evaluate('window.marker = 42');
    const { id } = await d.scheduler.enqueue('echo', { live: 1 });
    await page.locator(`tr[data-task="${id}"]`).waitFor();
    // Pages re-read themselves when something changed (pushed), so make another change.
    const next = nextRefresh(page);
    await d.scheduler.enqueue('echo', { live: 2 });
    await next;
    expect(await page.evaluate('window.marker')).toBe(42);
  });

  it('payloads, messages, output and stack traces containing markup are shown as text', async () => {
    const evil = '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2">';
    const { id } = await d.scheduler.enqueue('explode', { html: evil });
    const view = await waitForTask(d.scheduler, id, ['FAILED']);
    const run = view.latestRun!;
    await page.goto(`${d.url}/runs/${run.id}`);
    await expectText(page.locator('[data-message]'), `failed on ${evil}`);
    await expectText(page.locator('[data-output]'), `output ${evil}`);
    await expectText(page.locator('[data-traceback]'), evil);
    await expectText(page.locator('[data-payload]'), '<script>window.__pwned = 1</script>');
    await page.goto(`${d.url}/tasks/${id}`);
    await expectText(page.locator('[data-payload]'), '<script>');
    await page.goto(`${d.url}/jobs`);
    await expectText(page.locator('tr[data-job="nightly"]'), 'Nightly <b>report</b>');
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.locator('img[src="x"]').count()).toBe(0);
  });

  it('redacts payload values marked sensitive in the job options', async () => {
    const { id } = await d.scheduler.enqueue('echo', {
      user: 'ann',
      password: 'hunter2',
      card: { number: '4111-1111', holder: 'Ann' },
    });
    const view = await waitForTask(d.scheduler, id, ['COMPLETED']);
    for (const path of [`tasks/${id}`, `runs/${view.latestRun!.id}`]) {
      await page.goto(`${d.url}/${path}`);
      const payload = (await page.locator('[data-payload]').textContent()) ?? '';
      expect(payload).toContain('"password": "[redacted]"');
      expect(payload).toContain('"number": "[redacted]"');
      expect(payload).toContain('"holder": "Ann"');
      expect(payload).not.toContain('hunter2');
      expect(payload).not.toContain('4111');
    }
  });

  it('keeps sensitive values out of results, output, messages and progress on every page and refresh', async () => {
    // "hunter2" also stands for the password as JSON writes it inside a string: hunter2\"pw.
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
    const running = await d.scheduler.enqueue('leak', {
      password: 'hunter2"pw',
      cards: [{ cvc: 'cvc-9z9' }],
      wait: true,
    });
    await waitFor(
      async () => (await d.scheduler.status(running.id)).task.progressMessage !== null,
      10_000,
      'the progress message',
    );
    const showsNoSecret = async (where: string) => {
      const content = await page.content();
      for (const secret of secrets)
        expect({ where, leaks: content.includes(secret) ? secret : null }).toEqual({ where, leaks: null });
    };

    await page.goto(`${d.url}/runs/${echoed.latestRun!.id}`);
    await expectText(page.locator('[data-result]'), '"password": "[redacted]"');
    await expectText(page.locator('[data-result]'), '"holder": "Ann"');
    await expectText(page.locator('[data-result]'), '"cvc": "[redacted]"');
    await expectText(page.locator('[data-output]'), 'echoing');
    await showsNoSecret('the run page of echo');

    await page.goto(`${d.url}/runs/${failed.latestRun!.id}`);
    await expectText(page.locator('[data-message]'), 'sign-in refused for [redacted]');
    await expectText(page.locator('[data-output]'), 'signing in with [redacted], card code [redacted]');
    await showsNoSecret('the run page of a failed run');
    for (const path of ['', 'runs', 'runs?status=FAILED', `tasks/${failed.task.id}`, `tasks/${echoed.task.id}`]) {
      await page.goto(path ? `${d.url}/${path}` : d.url);
      await expectText(
        page.locator('main'),
        path === `tasks/${echoed.task.id}` ? '"holder": "Ann"' : 'sign-in refused for [redacted]',
      );
      await showsNoSecret(`/${path}`);
    }

    for (const path of ['tasks?status=RUNNING', `tasks/${running.id}`]) {
      await page.goto(`${d.url}/${path}`);
      await expectText(page.locator('[data-live]'), 'checking [redacted]');
      await showsNoSecret(`/${path}`);
      const refreshed = nextRefresh(page);
      await d.scheduler.enqueue('echo', { change: path }); // pages re-read themselves on a change
      await refreshed;
      await expectText(page.locator('[data-live]'), 'checking [redacted]');
      await showsNoSecret(`/${path} after a live refresh`);
    }
    await expectText(page.locator('#task'), 'signing in with [redacted], card code [redacted]');
    await d.scheduler.stop(running.id);
    await waitForTask(d.scheduler, running.id, ['STOPPED']);
  });

  it('shows bidirectional control characters as visible escapes, never raw', async () => {
    const spoof = 'RTL:\u202Egnp.exe \u2066x\u2069 \u200F\u061C';
    const { id } = await d.scheduler.enqueue('explode', { html: spoof });
    const run = (await waitForTask(d.scheduler, id, ['FAILED'])).latestRun!;
    for (const path of [`runs/${run.id}`, 'runs', `tasks/${id}`, '']) {
      await page.goto(path ? `${d.url}/${path}` : d.url);
      await expectText(page.locator('main'), 'RTL:\\u202Egnp.exe \\u2066x\\u2069 \\u200F\\u061C');
      expect(BIDI_CONTROL.test(await page.content())).toBe(false);
    }
  });

  it('shows the timeout that applies to a task and where it comes from', async () => {
    const own = await d.scheduler.enqueue('slow', undefined, { timeout: '30s', delay: '1h' });
    const fromJob = await d.scheduler.enqueue('slow', undefined, { delay: '1h' });
    const fromModule = await d.scheduler.enqueue('echo', {}, { delay: '1h' });
    for (const [id, shown] of [
      [own.id, '30 s (set for this task)'],
      [fromJob.id, "2 min 0 s (the job's timeout)"],
      [fromModule.id, "5 min 0 s (the module's defaultTimeout)"],
    ] as const) {
      await page.goto(`${d.url}/tasks/${id}`);
      await expectText(page.locator('[data-timeout]'), shown);
    }
    await Promise.all([own, fromJob, fromModule].map((t) => d.scheduler.stop(t.id)));
  });

  it('answers an invalid filter with 400 and says which parameter and value', async () => {
    const tasks = await page.goto(`${d.url}/tasks?status=BOGUS&before=abc`);
    expect(tasks?.status()).toBe(400);
    const message = (await page.locator('[data-filter-error]').textContent()) ?? '';
    expect(message).toContain(`status "BOGUS" is not one of ${TASK_STATUSES.join(', ')}`);
    expect(message).toContain('before "abc" is not a task id');
    expect(await page.locator('tr[data-task]').count()).toBe(0);
    const runs = await page.goto(`${d.url}/runs?task=-3`);
    expect(runs?.status()).toBe(400);
    await expectText(page.locator('[data-filter-error]'), 'task "-3" is not a task id');
    expect((await page.goto(`${d.url}/tasks?status=&job=&group=`))?.status()).toBe(200); // the form's "any"
  });

  it('sends every page asked for with a trailing slash to its address, as on Fastify', async () => {
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
      expect([response?.status(), new URL(page.url()).pathname]).toEqual([200, `/scheduler${path.slice(0, -1)}`]);
      await expectText(page.locator('h1'), title);
    }
    const slashed = await fetch(`${d.url}/tasks/?status=FAILED`, {
      headers: { [ADMIN_HEADER]: ADMIN_TOKEN },
      redirect: 'manual',
    });
    expect([slashed.status, slashed.headers.get('location')]).toEqual([308, '../tasks?status=FAILED']);
    await page.locator('header nav').getByRole('link', { name: 'Tasks', exact: true }).click();
    expect(new URL(page.url()).pathname).toBe('/scheduler/tasks');
    expect((await page.goto(`${d.url}/nowhere`))?.status()).toBe(404);
  });

  it('fits a phone: no page is wider than the screen, and the header does not overlap', async () => {
    const { id } = await d.scheduler.enqueue('explode', { html: 'a very long value '.repeat(20) });
    const run = (await waitForTask(d.scheduler, id, ['FAILED'])).latestRun!;
    const phone = await phoneContext(browser);
    try {
      const small = await phone.newPage();
      for (const path of ['', 'jobs', 'tasks', `tasks/${id}`, 'runs', `runs/${run.id}`, 'workers']) {
        await small.goto(path ? `${d.url}/${path}` : d.url);
        const { scrollWidth, innerWidth, headerOverlap } = await phoneLayout(small);
        expect({ path, innerWidth, widerBy: Math.max(0, scrollWidth - innerWidth), headerOverlap }).toEqual({
          path,
          innerWidth: 390,
          widerBy: 0,
          headerOverlap: false,
        });
        await screenshot(small, `express-phone-${path.replace('/', '-') || 'overview'}`);
      }
    } finally {
      await phone.close();
    }
  });

  it('sends workers commands for a group', async () => {
    await page.goto(`${d.url}/workers`);
    const groupRow = page.locator('tr', { has: page.locator('td', { hasText: /^Group main$/ }) });
    await groupRow.getByRole('button', { name: 'Disable' }).click();
    await expectText(page.locator('.flash'), 'to disable');
    await expectText(page.locator('#workers .badge').first(), 'DISABLED');
    await page
      .locator('tr', { has: page.locator('td', { hasText: /^Group main$/ }) })
      .getByRole('button', { name: 'Resume' })
      .click();
    await expectText(page.locator('#workers .badge').first(), 'ACTIVE');
    expect((await d.scheduler.workers()).every((w) => w.status === 'ACTIVE')).toBe(true);
  });

  it("refuses a request without the guard's credentials with 403", async () => {
    const stranger = await browser.newContext();
    try {
      const response = await (await stranger.newPage()).goto(`${d.url}/jobs`);
      expect(response?.status()).toBe(403);
    } finally {
      await stranger.close();
    }
    const post = await fetch(`${d.url}/actions/deactivate`, {
      method: 'POST',
      body: new URLSearchParams({ name: 'echo' }),
    });
    expect(post.status).toBe(403);
    expect(await isActive('echo')).toBe(true);
  });

  describe('CSRF', () => {
    let attacker: Server;
    let attackerOrigin: string;
    let attack = '';
    beforeAll(async () => {
      attacker = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(attack));
      await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
      // localhost and 127.0.0.1 are different sites: a genuine cross-site request.
      attackerOrigin = `http://localhost:${(attacker.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => attacker.close(() => resolve())));

    it('rejects a cross-site form POST even though the browser carries the credentials', async () => {
      await page.goto(`${d.url}/jobs`); // the victim has a dashboard session (and its CSRF cookie)
      attack = `<form method="post" action="${d.url}/actions/deactivate"><input name="name" value="echo"><input name="back" value="jobs"><input name="_csrf" value="guessed"></form>
<script>document.forms[0].submit()</script>`;
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/actions/deactivate')),
        page.goto(`${attackerOrigin}/`),
      ]);
      expect(response.status()).toBe(403);
      expect(await response.text()).toContain('Sec-Fetch-Site is cross-site');
      expect(await isActive('echo')).toBe(true);
    });

    it('rejects a same-origin POST that lacks the page token', async () => {
      await page.goto(`${d.url}/jobs`);
      const status = await page.evaluate(async (url) => {
        const response = await fetch(url, {
          method: 'POST',
          body: new URLSearchParams({ name: 'echo' }),
          credentials: 'same-origin',
        });
        return [response.status, await response.text()] as const;
      }, `${d.url}/actions/deactivate`);
      expect(status[0]).toBe(403);
      expect(status[1]).toContain('no CSRF token');
      expect(await isActive('echo')).toBe(true);
    });
  });

  it('renders every page (screenshots in test-artifacts/dashboard)', async () => {
    const done = await d.scheduler.enqueue('echo', { report: 'weekly', password: 'secret' });
    const failed = await d.scheduler.enqueue('explode', { html: 'a bad input' });
    await waitForTask(d.scheduler, done.id, ['COMPLETED']);
    const failedRun = (await waitForTask(d.scheduler, failed.id, ['FAILED'])).latestRun!;
    await d.scheduler.enqueue('echo', { later: true }, { delay: '1h' });
    const pages: [string, string, string][] = [
      ['overview', '', 'Overview'],
      ['jobs', 'jobs', 'Jobs'],
      ['tasks', 'tasks', 'Tasks'],
      ['task', `tasks/${done.id}`, `Task #${done.id}`],
      ['runs', 'runs', 'Runs'],
      ['run', `runs/${failedRun.id}`, `Run #${failedRun.id}`],
      ['workers', 'workers', 'Workers'],
    ];
    for (const [name, path, title] of pages) {
      const response = await page.goto(path ? `${d.url}/${path}` : d.url);
      expect(response?.status()).toBe(200);
      await expectText(page.locator('h1'), title);
      await screenshot(page, `express-${name}`);
    }
  });
});

async function expectText(locator: import('playwright-core').Locator, text: string): Promise<void> {
  await waitFor(async () => ((await locator.textContent()) ?? '').includes(text), 10_000, `"${text}" in the page`);
}
