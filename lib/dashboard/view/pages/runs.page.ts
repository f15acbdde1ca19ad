import type { Run } from '../../../entities/index.js';
import type { Page } from '../../data/keyset.js';
import { RUN_STATUSES, type RunListFilter, type RunRow } from '../../data/run-list.js';
import { badge, formatDuration, truncate, when } from '../format.js';
import { formValue, html, query, type SafeHtml } from '../html.js';
import { layout, pager, type PageContext } from '../layout.js';
import { searchedNotice, searchFields } from '../search-fields.js';
import { searchParams } from '../../data/search.js';

export function runsTable(ctx: PageContext, rows: RunRow[]): SafeHtml {
  if (rows.length === 0) return html`<p class="muted">No run matches.</p>`;
  const tz = ctx.config.timezone;
  return html`<table><thead><tr><th>Run</th><th>Job</th><th>Status</th><th>Started</th><th class="num">Duration</th><th>Ran as</th><th>Worker</th><th class="num">Attempt</th><th>Message</th></tr></thead><tbody>
${rows.map(
  (
    r,
  ) => html`<tr data-run="${r.id}"><td><a href="${ctx.root}runs/${r.id}">#${r.id}</a> <a class="muted" href="${ctx.root}tasks/${r.taskId}">task #${r.taskId}</a></td>
<td>${r.jobName}</td><td>${badge(r.status)}</td><td>${when(r.startTime, tz, ctx.now)}</td><td class="num">${formatDuration(r.durationMs)}</td>
<td>${r.runAs ?? html`<span class="muted">–</span>`}</td><td>${truncate(r.worker, 40)}</td><td class="num">${r.attempt}</td><td>${truncate(r.message, 160)}</td></tr>`,
)}</tbody></table>`;
}

export function runsPage(
  ctx: PageContext,
  data: { filter: RunListFilter; page: Page<RunRow>; jobs: string[]; groups: string[]; atNewest: boolean },
): SafeHtml {
  const { filter, page } = data;
  const option = (value: string, selected: string | undefined, label = value) =>
    html`<option value="${formValue(value)}"${value === (selected ?? '') ? html` selected` : ''}>${label}</option>`;
  const content = html`<form class="filters" method="get" action="${ctx.root}runs">
<label>Status<select name="status">${option('', filter.status, 'any')}${RUN_STATUSES.map((s) => option(s, filter.status))}</select></label>
<label>Job<select name="job">${option('', filter.job, 'any')}${data.jobs.map((j) => option(j, filter.job))}</select></label>
<label>Task<input name="task" inputmode="numeric" size="8" value="${filter.taskId ?? ''}"></label>
${searchFields(filter, data.groups)}
<button type="submit">Filter</button>
</form>
<section id="runs" data-live>
${searchedNotice('runs', page.searched)}
${runsTable(ctx, page.rows)}
${pager(ctx, 'runs', { status: filter.status, job: filter.job, task: filter.taskId, ...searchParams(filter) }, page, data.atNewest)}
</section>`;
  return layout(ctx, 'runs', 'Runs', content);
}

/** A run as the page may show it: `result` and `payload` already redacted and pretty-printed, as are the run's texts. */
export function runDetailPage(
  ctx: PageContext,
  data: { run: Run; result: string | null; payload: string | null },
): SafeHtml {
  const { run, result } = data;
  const tz = ctx.config.timezone;
  const content = html`<section id="run">
<dl class="fields">
<dt>Job</dt><dd><a href="${ctx.root}runs${query({ job: run.jobName })}">${run.jobName}</a></dd>
<dt>Task</dt><dd><a href="${ctx.root}tasks/${run.taskId}">#${run.taskId}</a> · attempt ${run.attempt}</dd>
<dt>Status</dt><dd>${badge(run.status)}</dd>
<dt>Scheduled for</dt><dd>${when(run.scheduledFor, tz, ctx.now)}</dd>
<dt>Started</dt><dd>${when(run.startTime, tz, ctx.now)}</dd>
<dt>Ended</dt><dd>${when(run.stopTime, tz, ctx.now)}</dd>
<dt>Duration</dt><dd>${formatDuration(run.durationMs)}</dd>
<dt>Ran as</dt><dd>${run.runAs ?? html`<span class="muted">no user</span>`}</dd>
<dt>Worker</dt><dd>${run.worker ?? html`<span class="muted">–</span>`}</dd>
<dt>Message</dt><dd data-message>${run.message ?? html`<span class="muted">–</span>`}</dd>
</dl>
${result === null ? '' : html`<h2>Result</h2><pre data-result>${result}</pre>`}
<h2>Output</h2>${run.output ? html`<pre data-output>${run.output}</pre>` : html`<p class="muted">No output.</p>`}
${run.traceback ? html`<h2>Stack trace</h2><pre data-traceback>${run.traceback}</pre>` : ''}
<h2>Task payload</h2>${data.payload === null ? html`<p class="muted">No payload.</p>` : html`<pre data-payload>${data.payload}</pre>`}
</section>`;
  return layout(ctx, 'runs', `Run #${run.id}`, content);
}
