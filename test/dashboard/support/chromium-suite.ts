import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Dialect } from '../../support/databases.js';
import { freshDatabase } from '../../support/test-app.js';
import { acceptDialogs, adminContext, launchChromium } from './browser.js';
import {
  ADMIN_HEADER,
  ADMIN_TOKEN,
  bootDashboardApp,
  type DashboardApp,
  type DashboardAppOptions,
} from './dashboard-app.js';
import { DashboardTestJobs } from './jobs.js';

/** Express and Fastify, each on PostgreSQL and SQLite: where the dashboard's browser specs hold. */
export const PLATFORMS_AND_DATABASES: ['express' | 'fastify', Dialect][] = [
  ['fastify', 'postgres'],
  ['express', 'postgres'],
  ['fastify', 'sqlite'],
  ['express', 'sqlite'],
];

/** Who the test's administrator is: the dashboard's `actor` option (`actorFromHeader`) reads it off the request. */
export const ADMIN_NAME_HEADER = 'x-admin-name';

/** The dashboard's `actor` option of the specs: the name in `ADMIN_NAME_HEADER`. */
export const actorFromHeader = (request: { headers: Record<string, string | undefined> }): string | undefined =>
  request.headers[ADMIN_NAME_HEADER];

/** An administrator's browser profile that also names them, as alice. */
export function aliceContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({
    extraHTTPHeaders: { [ADMIN_HEADER]: ADMIN_TOKEN, [ADMIN_NAME_HEADER]: 'alice' },
    viewport: { width: 1360, height: 900 },
  });
}

/** What a suite drives: set before its first test (`browser`, `d`) and before each (`context`, `page`). */
export interface DashboardInChromium {
  browser: Browser;
  d: DashboardApp;
  /** A fresh browser profile per test, closed after it. */
  context: BrowserContext;
  /** A page of `context` that accepts every confirm() (Stop, Deactivate, Kill). */
  page: Page;
}

/**
 * For the suite it is called in: Chromium and a dashboard application with the test jobs over a
 * fresh `dialect` database (`options` as `bootDashboardApp` takes them), started before its first
 * test and closed after its last; and for each test a fresh browser profile made by `newContext`
 * (by default an administrator's) with one page open. Tests read them from the returned object.
 */
export function dashboardInChromium(
  dialect: Dialect,
  options: DashboardAppOptions = {},
  newContext: (browser: Browser) => Promise<BrowserContext> = adminContext,
): DashboardInChromium {
  const suite = {} as DashboardInChromium;
  beforeAll(async () => {
    suite.browser = await launchChromium();
    suite.d = await bootDashboardApp({
      db: await freshDatabase(dialect),
      providers: [DashboardTestJobs],
      ...options,
    });
  });
  afterAll(async () => {
    await suite.d?.close();
    await suite.browser?.close();
  });
  beforeEach(async () => {
    suite.context = await newContext(suite.browser);
    suite.page = await suite.context.newPage();
    acceptDialogs(suite.page);
  });
  afterEach(() => suite.context.close());
  return suite;
}
