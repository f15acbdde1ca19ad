import type { Flash } from '../dashboard-actions.js';
import type { DashboardConfig } from '../dashboard.options.js';
import { CSRF_FIELD } from '../http/csrf.js';
import { STYLES, SCRIPT } from './assets.js';
import { formValue, html, trusted, type HtmlValue, type SafeHtml } from './html.js';

export type PageKey = 'overview' | 'jobs' | 'tasks' | 'runs' | 'workers' | 'audit' | 'cleanup';

/** Everything a page needs besides its data. */
export interface PageContext {
  config: DashboardConfig;
  /** Relative link from this page to the dashboard root: `<root>jobs` is the Jobs page. */
  root: string;
  /** Relative link to the Overview (the mount path itself). */
  home: string;
  /** This page relative to the root (with its query), where actions return to. */
  back: string;
  csrf: string;
  nonce: string;
  flash: Flash | null;
  now: number;
}

const NAV: [PageKey, string, string][] = [
  ['overview', 'Overview', ''],
  ['jobs', 'Jobs', 'jobs'],
  ['tasks', 'Tasks', 'tasks'],
  ['runs', 'Runs', 'runs'],
  ['workers', 'Workers', 'workers'],
  ['audit', 'Audit', 'audit'],
  ['cleanup', 'Clean-up', 'cleanup'],
];

export function layout(ctx: PageContext, current: PageKey, title: string, content: SafeHtml): SafeHtml {
  const { config } = ctx;
  const live = config.refreshMs > 0;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · ${config.title}</title>
<style nonce="${ctx.nonce}">${trusted(STYLES)}</style>
</head>
<body data-refresh="${live ? config.refreshMs : 0}" data-events="${live ? `${ctx.root}events` : ''}">
<header>
  <span class="brand">${config.title}</span>
  <nav>${NAV.map(([key, label, href]) => html`<a href="${href ? ctx.root + href : ctx.home}" class="${key === current ? 'current' : ''}">${label}</a>`)}</nav>
  <span class="live">${config.readOnly ? html`<span class="badge">read-only</span>` : ''}${
    live
      ? html`<span id="live-status">live</span><button type="button" id="live-toggle">Pause</button>`
      : html`<span>live refresh off</span>`
  }</span>
</header>
<main>
${ctx.flash ? html`<div class="flash ${ctx.flash.kind}" role="status">${ctx.flash.text}</div>` : ''}
<h1>${title}</h1>
${content}
</main>
<footer>Times in ${config.timezone}.</footer>
<script nonce="${ctx.nonce}">${trusted(SCRIPT)}</script>
</body>
</html>`;
}

/**
 * A POST form for one action, or nothing on a read-only dashboard. Carries the CSRF token and
 * the page to come back to.
 */
export function actionForm(
  ctx: PageContext,
  action: string,
  fields: Record<string, string | number>,
  label: string,
  options: { confirm?: string; danger?: boolean; extra?: HtmlValue } = {},
): SafeHtml {
  if (ctx.config.readOnly) return html``;
  return html`<form class="inline" method="post" action="${ctx.root}actions/${action}"${options.confirm ? html` data-confirm="${options.confirm}"` : ''}>
<input type="hidden" name="${CSRF_FIELD}" value="${ctx.csrf}"><input type="hidden" name="back" value="${formValue(ctx.back)}">${Object.entries(
    fields,
  ).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${formValue(value)}">`,
  )}<button type="submit"${options.danger ? html` class="danger"` : ''}>${label}</button>${options.extra ?? ''}</form>`;
}

/** Newer / older links of a keyset page, keeping the filters. */
export function pager(
  ctx: PageContext,
  page: string,
  filters: Record<string, string | number | undefined>,
  cursors: { newer: number | null; older: number | null },
  atNewest: boolean,
): SafeHtml {
  const link = (extra: Record<string, number>) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...filters, ...extra }))
      if (v !== undefined && v !== '') params.set(k, String(v));
    const q = params.toString();
    return `${ctx.root}${page}${q ? `?${q}` : ''}`;
  };
  return html`<div class="pager">
${atNewest ? '' : html`<a href="${link({})}">« Newest</a>`}
${cursors.newer !== null ? html`<a href="${link({ after: cursors.newer })}" rel="prev">‹ Newer</a>` : ''}
${cursors.older !== null ? html`<a href="${link({ before: cursors.older })}" rel="next">Older ›</a>` : ''}
</div>`;
}
