import type { JobInfo } from '../../../service/views.js';
import { badge, when } from '../format.js';
import { html, query, type SafeHtml } from '../html.js';
import { actionForm, layout, type PageContext } from '../layout.js';
import { jobPath } from './job-detail.page.js';

function runNowForm(ctx: PageContext, job: JobInfo): SafeHtml {
  if (!job.active || job.missing) return html``;
  const extra = html`<details><summary>payload…</summary><textarea name="payload" aria-label="JSON payload for ${job.name}" placeholder="${job.kind === 'scheduled' ? "empty: the schedule's own payload" : '{ }'}"></textarea></details>`;
  return actionForm(ctx, 'run-now', { name: job.name }, 'Run now', { extra });
}

function row(ctx: PageContext, job: JobInfo): SafeHtml {
  const tz = ctx.config.timezone;
  const state = job.missing ? 'MISSING' : job.active ? 'ACTIVE' : 'INACTIVE';
  return html`<tr data-job="${job.name}">
<td><strong><a href="${ctx.root}${jobPath(job.name)}">${job.name}</a></strong>${job.missing ? html` <span class="badge s-missing" title="In the database but no longer in code: never run">missing from code</span>` : ''}
${job.description ? html`<div class="muted">${job.description}</div>` : ''}
<div class="links"><a href="${ctx.root}tasks${query({ job: job.name })}">tasks</a> · <a href="${ctx.root}runs${query({ job: job.name })}">runs</a></div></td>
<td>${job.kind}<div class="muted">group ${job.group}</div></td>
<td>${job.scheduleDescription ?? html`<span class="muted">on demand</span>`}${
    job.timezone && !job.scheduleDescription?.includes(job.timezone)
      ? html`<div class="muted">${job.timezone}</div>`
      : ''
  }</td>
<td>${job.kind === 'scheduled' ? when(job.nextRunTime, tz, ctx.now) : html`<span class="muted">–</span>`}${
    job.nextRunStatus && job.nextRunStatus !== 'QUEUED' ? html`<div>${badge(job.nextRunStatus)}</div>` : ''
  }</td>
<td>${job.lastRun ? html`${badge(job.lastRun.status)}<div>${when(job.lastRun.stopTime ?? job.lastRun.startTime, tz, ctx.now)}</div>` : html`<span class="muted">never</span>`}</td>
<td><span class="badge s-${state.toLowerCase()}" data-state>${state.toLowerCase()}</span></td>
<td><div class="actions">
${job.missing ? '' : actionForm(ctx, job.active ? 'deactivate' : 'activate', { name: job.name }, job.active ? 'Deactivate' : 'Activate', job.active ? { confirm: `Deactivate "${job.name}"? Its tasks stay queued but are not run until it is activated again.` } : {})}
${runNowForm(ctx, job)}
</div></td>
</tr>`;
}

export function jobsPage(ctx: PageContext, jobs: JobInfo[]): SafeHtml {
  const content = html`<section id="jobs" data-live>
${
  jobs.length === 0
    ? html`<p class="muted">No job is defined yet.</p>`
    : html`<table><thead><tr><th>Job</th><th>Kind</th><th>Schedule</th><th>Next run</th><th>Last run</th><th>State</th><th>${ctx.config.readOnly ? '' : 'Actions'}</th></tr></thead>
<tbody>${jobs.map((job) => row(ctx, job))}</tbody></table>`
}
</section>`;
  return layout(ctx, 'jobs', 'Jobs', content);
}
