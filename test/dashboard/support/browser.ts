import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN_HEADER, ADMIN_TOKEN } from './dashboard-app.js';

/** Debian's Chromium, as `.ci/run` installs it. */
export const CHROMIUM = process.env.KRONOS_CHROMIUM ?? '/usr/bin/chromium';

export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '../../../test-artifacts/dashboard');

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set KRONOS_CHROMIUM.`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A browser profile of an administrator: every request carries the guard's credentials. */
export function adminContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({
    extraHTTPHeaders: { [ADMIN_HEADER]: ADMIN_TOKEN },
    viewport: { width: 1360, height: 900 },
  });
}

/** Accept every confirm() the page asks (Stop, Deactivate, Kill). */
export function acceptDialogs(page: Page): void {
  page.on('dialog', (dialog) => void dialog.accept());
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Wait until the page's live refresh has run at least once more. */
export async function nextRefresh(page: Page): Promise<void> {
  const refreshes = async () => Number((await page.getAttribute('body', 'data-refreshes')) ?? 0);
  const seen = await refreshes();
  const deadline = Date.now() + 10_000;
  while ((await refreshes()) <= seen) {
    if (Date.now() > deadline) throw new Error('The page did not refresh itself within 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An administrator's browser on a phone: 390 px wide, as an iPhone 12 to 15 reports it. */
export function phoneContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({
    extraHTTPHeaders: { [ADMIN_HEADER]: ADMIN_TOKEN },
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
}

/** What a phone shows of the page: its width against the screen's, and whether the header's navigation and live control overlap. */
export async function phoneLayout(
  page: Page,
): Promise<{ scrollWidth: number; innerWidth: number; headerOverlap: boolean }> {
  return page.evaluate(`(() => {
    const nav = document.querySelector('header nav').getBoundingClientRect();
    const live = document.querySelector('header .live').getBoundingClientRect();
    const apart = nav.right <= live.left || live.right <= nav.left || nav.bottom <= live.top || live.bottom <= nav.top;
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, headerOverlap: !apart };
  })()`);
}

/** Bidirectional control characters (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C). */
export const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
