import { createServer, Socket, type Server } from 'node:net';
import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { DataSourceOptions } from 'typeorm';
import { DashboardChanges } from '../../lib/dashboard/data/changes.js';
import { postgresSettings } from '../support/databases.js';
import { bootApp, freshDatabase, waitFor, type TestApp, type TestDatabase } from '../support/test-app.js';
import { adminContext, launchChromium } from './support/browser.js';
import { bootDashboardApp, type DashboardApp } from './support/dashboard-app.js';
import { DashboardTestJobs } from './support/jobs.js';

/** How the dashboard's process and its LISTEN connection name themselves to PostgreSQL. */
const DASHBOARD_APP = 'kronos-spec-dashboard';
const DASHBOARD_LISTENER = 'kronos-spec-dashboard-listener';
const WORKER_APP = 'kronos-spec-worker';
const REFRESH_MS = 500;

/** The database, its connections named `applicationName` (as pg_stat_activity shows them). */
const named = (db: TestDatabase, applicationName: string): TestDatabase => ({
  ...db,
  options: { ...db.options, applicationName } as DataSourceOptions,
});

/**
 * A TCP relay to the database for the dashboard's LISTEN connection (its `listenConnection`), so
 * the test can keep that connection down: while closed, every new connection is cut at once.
 */
class Relay {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  open = true;
  port = 0;

  async start(target: { host: string; port: number }): Promise<this> {
    const server = createServer((client) => {
      if (!this.open) return void client.destroy();
      const upstream = new Socket();
      upstream.connect(target.port, target.host);
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(a);
        a.on('data', (chunk) => b.write(chunk));
        a.on('close', () => b.destroy());
        a.on('error', () => b.destroy());
        a.on('close', () => this.sockets.delete(a));
      }
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/**
 * Live by push on PostgreSQL, in Chromium, on Express and Fastify: the page is told of changes by
 * NOTIFY, heard on the dashboard process's LISTEN connection, so an open page costs the database
 * nothing while nothing changes; while that connection is down the dashboard polls its change
 * counter, and push resumes when it is back. Changes come from another application (its worker).
 */
describe.each<['express' | 'fastify']>([['express'], ['fastify']])(
  'Dashboard live by PostgreSQL NOTIFY in a browser [%s, postgres]',
  (adapter) => {
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let relay: Relay;
    let db: TestDatabase;
    let d: DashboardApp;
    let worker: TestApp;
    let observer: pg.Client;

    beforeAll(async () => {
      const settings = postgresSettings();
      relay = await new Relay().start({ host: settings.host, port: settings.port });
      db = await freshDatabase('postgres');
      d = await bootDashboardApp({
        adapter,
        db: named(db, DASHBOARD_APP),
        providers: [DashboardTestJobs],
        scheduler: {
          worker: false,
          postgres: {
            listenConnection: {
              host: '127.0.0.1',
              port: relay.port,
              user: settings.user,
              password: settings.password,
              database: settings.database,
              application_name: DASHBOARD_LISTENER,
            },
          },
        },
        dashboardOptions: { refreshInterval: `${REFRESH_MS}ms` },
      });
      worker = await bootApp(named(db, WORKER_APP), [DashboardTestJobs]);
      observer = new pg.Client({ ...settings });
      await observer.connect();
      browser = await launchChromium();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await observer?.end();
      await worker?.close();
      await d?.close();
      await relay?.close();
    });
    beforeEach(async () => {
      context = await adminContext(browser);
      page = await context.newPage();
    });
    afterEach(() => context.close());

    const changes = () => d.app.get(DashboardChanges);
    const refreshes = async () => Number((await page.getAttribute('body', 'data-refreshes')) ?? 0);
    const databaseNow = async () =>
      (await observer.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0].now;

    /**
     * Statements the dashboard's process sent since `since`: its connections (the pool TypeORM
     * opened under `DASHBOARD_APP`) that began or finished a statement, or connected, after it.
     * Read from pg_stat_activity, which each backend updates as it runs a statement.
     */
    const dashboardActivity = async (since: Date) =>
      (
        await observer.query<{ pid: number; query: string }>(
          `SELECT pid, query FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = $1
              AND (state_change > $2 OR query_start > $2 OR backend_start > $2)`,
          [DASHBOARD_APP, since],
        )
      ).rows;

    /** Open the Tasks page and wait until it listens to the push stream and has had its first refresh. */
    async function openTasks(): Promise<void> {
      await page.goto(`${d.url}/tasks`);
      await waitFor(async () => (await page.getAttribute('body', 'data-stream')) === 'push', 10_000, 'the push stream');
      await waitFor(async () => (await refreshes()) >= 1, 10_000, 'the refresh on connecting');
    }

    /** Let every statement in flight finish (pages, the worker's first heartbeats), then measure from there. */
    async function quiet(): Promise<Date> {
      await new Promise((r) => setTimeout(r, 1500));
      return databaseNow();
    }

    it('costs the database nothing while nothing changes, and still shows a change at once', async () => {
      await openTasks();
      await waitFor(() => changes().mode === 'notify', 10_000, 'the dashboard listening for changes');
      const since = await quiet();
      const idle = await refreshes();
      await new Promise((r) => setTimeout(r, 10 * REFRESH_MS)); // ten refresh intervals, nothing changing
      expect(await dashboardActivity(since)).toEqual([]);
      expect(await refreshes()).toBe(idle);

      // Another process enqueues (heard on the wake-up channel); its worker claims and completes
      // the task (heard as that process's change notices): the page shows each without polling.
      const { id } = await worker.scheduler.enqueue('echo', { pushed: 'by notify' });
      const row = page.locator(`tr[data-task="${id}"]`);
      await row.waitFor({ timeout: 10_000 });
      await waitFor(async () => ((await row.textContent()) ?? '').includes('COMPLETED'), 10_000, 'COMPLETED shown');
      expect(changes().mode).toBe('notify');
    });

    it('polls the change counter while its LISTEN connection is down, and goes back to push when it is back', async () => {
      await openTasks();
      await waitFor(() => changes().mode === 'notify', 10_000, 'the dashboard listening for changes');

      // The LISTEN connection is cut and cannot come back for now.
      relay.open = false;
      const killed = await observer.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
        [DASHBOARD_LISTENER],
      );
      expect(killed.rowCount).toBe(1);
      await waitFor(() => changes().mode === 'poll', 10_000, 'the dashboard polling its change counter');

      // Polling reads the counter every interval: the measure that stays empty above sees it here.
      const since = await quiet();
      await new Promise((r) => setTimeout(r, 4 * REFRESH_MS));
      expect((await dashboardActivity(since)).length).toBeGreaterThan(0);

      // Changes still reach the open page, found by the counter.
      const { id: polled } = await worker.scheduler.enqueue('echo', { pushed: 'by counter' });
      const row = page.locator(`tr[data-task="${polled}"]`);
      await row.waitFor({ timeout: 10_000 });
      await waitFor(async () => ((await row.textContent()) ?? '').includes('COMPLETED'), 10_000, 'COMPLETED shown');
      expect(changes().mode).toBe('poll');

      // The connection comes back: no more polling, and changes are pushed again.
      relay.open = true;
      await waitFor(() => changes().mode === 'notify', 20_000, 'the dashboard listening again');
      const back = await quiet();
      await new Promise((r) => setTimeout(r, 6 * REFRESH_MS));
      expect(await dashboardActivity(back)).toEqual([]);
      const { id: pushed } = await worker.scheduler.enqueue('echo', { pushed: 'again' });
      await page.locator(`tr[data-task="${pushed}"]`).waitFor({ timeout: 10_000 });
      expect(await page.getAttribute('body', 'data-stream')).toBe('push');
    });
  },
);
