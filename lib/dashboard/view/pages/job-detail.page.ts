import type { JobInfo } from '../../../service/views.js';
import { INSIGHT_SAMPLE, type JobInsight } from '../../data/job-insight.js';
import type { Page } from '../../data/keyset.js';
import type { RunRow } from '../../data/run-list.js';
import type { SchedulePreview } from '../../dashboard-schedule.js';
import { badge, count, formatDuration, formatTime, truncate, when } from '../format.js';
import { formValue, html, query, type SafeHtml } from '../html.js';
import { actionForm, layout, type PageContext } from '../layout.js';
import { chart } from './overview.page.js';
import { runsTable } from './runs.page.js';

/** The path of a job's page below the dashboard root (names may hold any character). */
export const jobPath = (name: string): string => `jobs/${encodeURIComponent(name)}`;

const card = (label: string, value: string, attribute: string, bad = false) =>
  html`<div class="card${bad ? ' bad' : ''}"><div class="value" data-${attribute}>${value}</div><div class="label">${label}</div></div>`;

/** One job: its definition, its runs and failures per hour over the last day, durations, waits and last error. */
export function jobDetailPage(
  ctx: PageContext,
  data: { job: JobInfo; insight: JobInsight; lastError: RunRow | null; runs: Page<RunRow>; preview?: SchedulePreview },
): SafeHtml {
  const { job, insight } = data;
  const tz = ctx.config.timezone;
  const d = insight.duration;
  const state = job.missing ? 'missing' : job.active ? 'active' : 'inactive';
  const sampled = `over the last ${count(insight.sample)} run${insight.sample === 1 ? '' : 's'}${insight.sample === INSIGHT_SAMPLE ? ' (the latest)' : ''}`;
  const error = data.lastError;
  const content = html`<section id="job" data-live>
<dl class="fields">
<dt>Kind / group</dt><dd>${job.kind} / ${job.group}</dd>
<dt>State</dt><dd><span class="badge s-${state}" data-state>${state}</span></dd>
<dt>Schedule</dt><dd>${job.scheduleDescription ?? html`<span class="muted">on demand</span>`}</dd>
${job.description ? html`<dt>Description</dt><dd>${job.description}</dd>` : ''}
<dt>Lists</dt><dd><a href="${ctx.root}tasks${query({ job: job.name })}">tasks</a> · <a href="${ctx.root}runs${query({ job: job.name })}">runs</a> · <a href="${ctx.root}runs${query({ job: job.name, status: 'FAILED' })}">failed runs</a></dd>
</dl>
${
  ctx.config.readOnly
    ? ''
    : html`<div class="actions">${actionForm(
        ctx,
        'bulk',
        { op: 'retry', scope: 'filter', status: 'FAILED', job: job.name },
        'Retry all failed',
        {
          confirm: `Queue every FAILED task of "${job.name}" again?`,
        },
      )}</div>`
}
${job.schedule && !job.missing ? scheduleSection(ctx, job, data.preview) : ''}
<h2>Last 24 hours</h2>
<div class="cards">
${card('runs, last 24 h', count(insight.lastDay.runs), 'day-runs')}
${card('failed, last 24 h', count(insight.lastDay.failed), 'day-failed', insight.lastDay.failed > 0)}
</div>
${chart(ctx, insight.hourly)}
<h2>Durations and waits</h2>
<p class="muted">${sampled}.</p>
<div class="cards">
${card('duration p50', formatDuration(d?.p50), 'p50')}
${card('duration p95', formatDuration(d?.p95), 'p95')}
${card('duration max', formatDuration(d?.max), 'max')}
${card('average wait (due → started)', formatDuration(insight.averageWaitMs), 'wait')}
</div>
<h2>Last error</h2>
${
  error
    ? html`<p data-last-error>${badge(error.status)} <a href="${ctx.root}runs/${error.id}">run #${error.id}</a> of <a href="${ctx.root}tasks/${error.taskId}">task #${error.taskId}</a>, ${when(error.stopTime ?? error.startTime, tz, ctx.now)}</p>
<pre data-last-error-message>${truncate(error.message, 2000)}</pre>`
    : html`<p class="muted" data-last-error>No failed run.</p>`
}
<h2>Latest runs</h2>
${runsTable(ctx, data.runs.rows)}
</section>`;
  return layout(ctx, 'jobs', `Job ${job.name}`, content);
}

/**
 * A recurring job's schedule: type a spec (JSON, any spec the decorators accept), preview its next
 * runs in its time zone (a GET, nothing changes), then save it; or give the job its schedule from
 * code back. Both are actions on the record.
 */
function scheduleSection(ctx: PageContext, job: JobInfo, preview: SchedulePreview | undefined): SafeHtml {
  const typed = preview?.text ?? '';
  return html`<h2>Schedule</h2>
<form class="filters" method="get" action="${ctx.root}${jobPath(job.name)}" data-schedule-form>
<label>New schedule (JSON)<input name="spec" value="${formValue(typed)}" placeholder='{"every": "10 minutes"} or {"cron": "0 3 * * *", "timezone": "Europe/Berlin"}' size="48" required></label>
<button type="submit">Preview next ${PREVIEW_COUNT} runs</button>
</form>
${
  preview === undefined
    ? ''
    : preview.error !== undefined
      ? html`<div class="flash error" role="alert" data-schedule-error>${preview.error}</div>`
      : html`<p class="muted">Next ${preview.runs.length} run(s) in ${preview.timezone}:</p>
<ol data-schedule-preview>${preview.runs.map((ms) => html`<li><time datetime="${new Date(ms).toISOString()}">${formatTime(ms, preview.timezone)}</time></li>`)}</ol>
${actionForm(ctx, 'reschedule', { name: job.name, spec: preview.text }, 'Save this schedule', { confirm: `Replace the schedule of "${job.name}"? Redeploys keep it until it is reset.` })}`
}
<div class="actions">${actionForm(ctx, 'reset-schedule', { name: job.name }, "Reset to the code's schedule", { confirm: `Give "${job.name}" its schedule from code back?` })}</div>`;
}

const PREVIEW_COUNT = 10;
