import type { AbstractHttpAdapter } from '@nestjs/core';
import type { Flash } from '../dashboard-actions.js';
import type { DashboardConfig } from '../dashboard.options.js';
import type { PageContext } from '../view/layout.js';
import { CSRF_COOKIE, csrfCookie, newCsrfToken } from './csrf.js';
import { linksFor, newNonce, readCookie, requestUrl, setCookie, type DashboardRequest } from './request-io.js';

const FLASH_COOKIE = 'kronos_flash';
const FLASH_MAX = 400;

/** Remember what an action did for the page the browser is redirected to. */
export function setFlash(
  adapter: AbstractHttpAdapter,
  request: DashboardRequest,
  response: unknown,
  flash: Flash,
): void {
  const value = Buffer.from(JSON.stringify({ kind: flash.kind, text: flash.text.slice(0, FLASH_MAX) })).toString(
    'base64url',
  );
  setCookie(adapter, request, response, FLASH_COOKIE, value, 60);
}

function takeFlash(adapter: AbstractHttpAdapter, request: DashboardRequest, response: unknown): Flash | null {
  const value = readCookie(request, FLASH_COOKIE);
  if (value === null) return null;
  setCookie(adapter, request, response, FLASH_COOKIE, '', 0);
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as {
      kind?: unknown;
      text?: unknown;
    } | null;
    if (parsed && (parsed.kind === 'ok' || parsed.kind === 'error') && typeof parsed.text === 'string')
      return { kind: parsed.kind, text: parsed.text.slice(0, FLASH_MAX) };
  } catch {
    // a mangled cookie shows nothing
  }
  return null;
}

/**
 * Build the context of a page served `depth` segments below the mount path: relative links, the
 * CSRF token (issued on first visit), a pending flash, and a fresh CSP nonce.
 */
export function pageContext(
  adapter: AbstractHttpAdapter,
  config: DashboardConfig,
  request: DashboardRequest,
  response: unknown,
  depth: number,
): PageContext {
  const { path, search } = requestUrl(adapter, request);
  const { root, home } = linksFor(path, depth);
  let csrf = csrfCookie(request);
  if (csrf === null) {
    csrf = newCsrfToken();
    setCookie(adapter, request, response, CSRF_COOKIE, csrf);
  }
  const page = depth === 0 ? '' : path.split('/').filter(Boolean).slice(-depth).join('/');
  return {
    config,
    root,
    home,
    back: `${page}${depth === 0 ? '' : search}`,
    csrf,
    nonce: newNonce(),
    flash: takeFlash(adapter, request, response),
    now: Date.now(),
  };
}

/** The relative location of a dashboard page from an action (actions live at `<root>actions/<name>`). */
export function actionRedirect(adapter: AbstractHttpAdapter, request: DashboardRequest, back: string): string {
  const { root, home } = linksFor(requestUrl(adapter, request).path, 2);
  return back === '' ? home : `${root}${back}`;
}
