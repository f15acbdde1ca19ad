import type { WorkerInfo } from '../../../service/worker-commands.js';
import type { RunRow } from '../../data/run-list.js';
import { COUNT_CAP, type ActivityBucket, type Overview } from '../../data/overview.js';
import { TASK_STATUSES } from '../../data/task-list.js';
import { badge, count, formatDuration, formatTime, truncate, when } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { layout, type PageContext } from '../layout.js';

const card = (label: string, value: string, href?: string, bad = false) =>
  html`<div class="card${bad ? ' bad' : ''}"><div class="value">${href ? html`<a href="${href}">${value}</a>` : value}</div><div class="label">${label}</div></div>`;

/** Hourly runs as stacked bars: completed-or-other above, failures at the base. */
export function chart(ctx: PageContext, buckets: ActivityBucket[]): SafeHtml {
  const width = 960;
  const height = 120;
  const bottom = 16;
  const slot = width / buckets.length;
  const max = Math.max(1, ...buckets.map((b) => b.runs));
  const scale = (n: number) => (n / max) * (height - bottom - 8);
  const bars = buckets.map((b, i) => {
    const x = i * slot + 3;
    const w = slot - 6;
    const total = scale(b.runs);
    const bad = scale(b.failed);
    const label = `${formatTime(b.start, ctx.config.timezone).slice(11, 16)}: ${b.runs} runs, ${b.failed} failed`;
    return html`<g><title>${label}</title>
<rect class="ok" x="${x}" y="${height - bottom - total}" width="${w}" height="${total}"></rect>
<rect class="bad" x="${x}" y="${height - bottom - bad}" width="${w}" height="${bad}"></rect>
${i % 3 === 0 ? html`<text x="${x}" y="${height - 4}">${formatTime(b.start, ctx.config.timezone).slice(11, 16)}</text>` : ''}</g>`;
  });
  return html`<div class="chart"><svg viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" role="img" aria-label="Runs per hour over the last 24 hours">${bars}</svg></div>`;
}

export function overviewPage(
  ctx: PageContext,
  data: { overview: Overview; workers: WorkerInfo[]; recentFailures: RunRow[] },
): SafeHtml {
  const { overview, workers, recentFailures } = data;
  const n = (status: (typeof TASK_STATUSES)[number]) => overview.taskCounts.get(status) ?? 0;
  const tasks = (status: string) => `${ctx.root}tasks?status=${status}`;
  const wait = overview.longestWaiting ? formatDuration(ctx.now - overview.longestWaiting.since) : 'none';
  const failed = n('FAILED') + n('TIMEOUT');
  const about = overview.approximate ? '≈ ' : '';
  const content = html`
<section id="overview-cards" data-live>
<div class="cards">
  ${card('running', count(n('RUNNING'), COUNT_CAP), tasks('RUNNING'))}
  ${card('queued', count(n('QUEUED'), COUNT_CAP), tasks('QUEUED'))}
  ${card('failed or timed-out tasks', count(failed, COUNT_CAP), tasks('FAILED'), failed > 0)}
  ${card('longest wait of a due task', wait, overview.longestWaiting ? `${ctx.root}tasks/${overview.longestWaiting.id}` : undefined)}
  ${card('workers', String(workers.length), `${ctx.root}workers`)}
  ${card('runs / failures, last hour', `${about}${count(overview.lastHour.runs)} / ${count(overview.lastHour.failed)}`, `${ctx.root}runs`, overview.lastHour.failed > 0)}
  ${card('runs / failures, last 24 h', `${about}${count(overview.lastDay.runs)} / ${count(overview.lastDay.failed)}`, `${ctx.root}runs`)}
</div>
<h2>Runs per hour, last 24 hours <span class="muted">(failures in red)</span></h2>
${chart(ctx, overview.hourly)}
<h2>Tasks by status</h2>
<table><thead><tr>${TASK_STATUSES.map((s) => html`<th>${badge(s)}</th>`)}</tr></thead>
<tbody><tr>${TASK_STATUSES.map((s) => html`<td class="num"><a href="${tasks(s)}">${count(n(s), COUNT_CAP)}</a></td>`)}</tr></tbody></table>
<h2>Recent failures</h2>
${
  recentFailures.length === 0
    ? html`<p class="muted">No failed runs.</p>`
    : html`<table><thead><tr><th>Run</th><th>Job</th><th>Status</th><th>Ended</th><th>Message</th></tr></thead><tbody>
${recentFailures.map(
  (
    r,
  ) => html`<tr><td><a href="${ctx.root}runs/${r.id}">#${r.id}</a></td><td>${r.jobName}</td><td>${badge(r.status)}</td>
<td>${when(r.stopTime ?? r.startTime, ctx.config.timezone, ctx.now)}</td><td>${truncate(r.message, 160)}</td></tr>`,
)}</tbody></table>`
}
</section>`;
  return layout(ctx, 'overview', 'Overview', content);
}
