import type { AuditEntry } from '../../../entities/index.js';
import type { AuditFilter } from '../../data/audit-list.js';
import type { Page } from '../../data/keyset.js';
import { truncate, when } from '../format.js';
import { formValue, html, query, type SafeHtml } from '../html.js';
import { layout, pager, type PageContext } from '../layout.js';

/** A target as a link to what it names when that has a page (a task, a job's tasks). */
function target(ctx: PageContext, value: string | null): SafeHtml | string {
  if (value === null) return html`<span class="muted">–</span>`;
  const task = /^task:(\d{1,10})$/.exec(value);
  if (task) return html`<a href="${ctx.root}tasks/${task[1]}">${value}</a>`;
  if (value.startsWith('job:')) return html`<a href="${ctx.root}tasks${query({ job: value.slice(4) })}">${value}</a>`;
  return value;
}

/** Who did what from the dashboard, newest first. */
export function auditPage(
  ctx: PageContext,
  data: { filter: AuditFilter; page: Page<AuditEntry>; atNewest: boolean },
): SafeHtml {
  const { filter, page } = data;
  const tz = ctx.config.timezone;
  const content = html`<form class="filters" method="get" action="${ctx.root}audit">
<label>Who<input name="actor" size="16" value="${formValue(filter.actor ?? '')}"></label>
<label>Action<input name="action" size="12" value="${formValue(filter.action ?? '')}"></label>
<button type="submit">Filter</button>
</form>
<section id="audit" data-live>
${
  page.rows.length === 0
    ? html`<p class="muted">No action recorded${filter.actor || filter.action ? ' matches' : ' yet'}.</p>`
    : html`<table><thead><tr><th>When</th><th>Who</th><th>Action</th><th>Target</th><th class="num">Rows changed</th><th>Outcome</th></tr></thead><tbody>
${page.rows.map(
  (
    a,
  ) => html`<tr data-audit="${a.id}" data-action="${formValue(a.action)}"><td>${when(a.at, tz, ctx.now)}</td><td data-actor>${a.actor}</td><td><a href="${ctx.root}audit${query({ action: a.action })}">${a.action}</a></td>
<td data-target>${target(ctx, a.target)}</td><td class="num" data-rows>${a.rowsChanged}</td>
<td><span class="badge ${a.outcome === 'ok' ? 's-completed' : 's-failed'}">${a.outcome === 'ok' ? 'done' : 'refused'}</span> <span class="muted" data-detail>${truncate(a.detail, 200)}</span></td></tr>`,
)}</tbody></table>`
}
${pager(ctx, 'audit', { actor: filter.actor, action: filter.action }, page, data.atNewest)}
</section>`;
  return layout(ctx, 'audit', 'Audit trail', content);
}
