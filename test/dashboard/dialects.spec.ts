import { describeForDialects } from '../support/databases.js';
import { freshDatabase, waitForTask } from '../support/test-app.js';
import { ADMIN_HEADER, ADMIN_TOKEN, bootDashboardApp, type DashboardApp } from './support/dashboard-app.js';
import { DashboardTestJobs } from './support/jobs.js';

const admin = { [ADMIN_HEADER]: ADMIN_TOKEN };

/** The dashboard's read queries are portable TypeORM; this runs every page on every database. */
describeForDialects('Dashboard pages and actions', (dialect) => {
  let d: DashboardApp;
  beforeAll(async () => {
    d = await bootDashboardApp({ providers: [DashboardTestJobs], db: await freshDatabase(dialect) });
  });
  afterAll(() => d?.close());

  it.each(['abc', '0', '999999', '2147483648', String(2 ** 40), '1.5'])(
    'answers the task and run pages for id %s with 404, never a database error',
    async (id) => {
      for (const [page, noun] of [
        ['tasks', 'Task'],
        ['runs', 'Run'],
      ]) {
        const response = await fetch(`${d.url}/${page}/${id}`, { headers: admin });
        expect(response.status).toBe(404);
        expect(await response.text()).toContain(`${noun} ${id} does not exist.`);
      }
    },
  );

  it('renders every page, filter and cursor', async () => {
    const done = await d.scheduler.enqueue('echo', { password: 'pw', n: 1 });
    const failed = await d.scheduler.enqueue('explode', { html: '<i>x</i>' });
    await waitForTask(d.scheduler, done.id, ['COMPLETED']);
    const failedRun = (await waitForTask(d.scheduler, failed.id, ['FAILED'])).latestRun!;
    const pages: [string, string][] = [
      ['', 'runs / failures, last hour'],
      ['/jobs', 'data-job="echo"'],
      ['/tasks', `data-task="${failed.id}"`],
      ['/tasks?status=FAILED', `data-task="${failed.id}"`],
      ['/tasks?job=echo', `data-task="${done.id}"`],
      ['/tasks?group=main', 'were searched for this page'],
      ['/tasks?payload=n%3D1&user=&worker=', `data-task="${done.id}"`],
      ['/runs?payload=html%3D%3Ci%3Ex%3C%2Fi%3E&group=main', `data-run="${failedRun.id}"`],
      [`/tasks?before=${failed.id}`, `data-task="${done.id}"`],
      [`/tasks?after=${done.id}`, `data-task="${failed.id}"`],
      [`/tasks/${done.id}`, '&quot;password&quot;: &quot;[redacted]&quot;'],
      ['/runs', `data-run="${failedRun.id}"`],
      ['/runs?status=FAILED&job=explode', `data-run="${failedRun.id}"`],
      [`/runs?task=${failed.id}`, `data-run="${failedRun.id}"`],
      [`/runs/${failedRun.id}`, 'failed on &lt;i&gt;x&lt;/i&gt;'],
      ['/workers', 'ACTIVE'],
      ['/jobs/explode', 'failed on &lt;i&gt;x&lt;/i&gt;'],
      ['/jobs/echo', 'data-p95'],
    ];
    for (const [path, expected] of pages) {
      const response = await fetch(`${d.url}${path}`, { headers: admin });
      const html = await response.text();
      expect([path, response.status]).toEqual([path, 200]);
      expect(html).toContain(expected);
    }
    // JSON path equality, not a text search: the value must be at that path.
    const elsewhere = await (await fetch(`${d.url}/tasks?payload=password%3D1`, { headers: admin })).text();
    expect(elsewhere).not.toContain(`data-task="${done.id}"`);
    const nested = await (await fetch(`${d.url}/tasks?payload=n%3Dpw`, { headers: admin })).text();
    expect(nested).not.toContain(`data-task="${done.id}"`);
    const overview = await (await fetch(d.url, { headers: admin })).text();
    expect(overview).not.toContain('≈');
  });

  it('carries out a form action', async () => {
    const page = await fetch(`${d.url}/jobs`, { headers: admin });
    const cookie = page.headers.get('set-cookie')!.split(';')[0];
    const response = await fetch(`${d.url}/actions/deactivate`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...admin, cookie },
      body: new URLSearchParams({ _csrf: cookie.split('=')[1], name: 'explode', back: 'jobs' }),
    });
    expect(response.status).toBe(303);
    expect((await d.scheduler.listJobs()).find((j) => j.name === 'explode')!.active).toBe(false);
  });
});
