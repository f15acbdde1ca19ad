import type { Task } from '../../../entities/index.js';
import type { BatchState } from '../../../service/batch.js';
import type { JobInfo } from '../../../service/views.js';
import type { TaskStatus } from '../../../types.js';
import type { Page } from '../../data/keyset.js';
import type { RunRow } from '../../data/run-list.js';
import { badge, formatDuration, when } from '../format.js';
import { html, query, type SafeHtml } from '../html.js';
import { layout, type PageContext } from '../layout.js';
import { runsTable } from './runs.page.js';
import { isRecurringTask } from '../../dashboard-actions.js';
import { taskActions, taskState } from './tasks.page.js';

/** The attempt timeout that applies to the task, and where it comes from (the worker's rule: the task's own, else the job's). */
function timeout(task: Task, job: JobInfo | null): SafeHtml {
  if (task.timeoutMs !== null)
    return html`${formatDuration(task.timeoutMs)} <span class="muted">(set for this task)</span>`;
  if (!job?.timeout) return html`<span class="muted">– (the job is no longer in code)</span>`;
  const from = job.timeout.from === 'job' ? "the job's timeout" : "the module's defaultTimeout";
  return html`${formatDuration(job.timeout.ms)} <span class="muted">(${from})</span>`;
}

/**
 * The task's attempts in order: queued, each attempt's due time, start (claimed by which worker,
 * after what wait), end with its outcome and duration, a retry and how long after, and an
 * attempt still running. Built from the task and its latest runs.
 */
export function timeline(ctx: PageContext, task: Task, runs: readonly RunRow[]): SafeHtml {
  const tz = ctx.config.timezone;
  const ordered = [...runs].sort((a, b) => a.id - b.id);
  const steps: SafeHtml[] = [
    html`<li data-step="queued"><strong>Queued</strong> ${when(task.createdAt, tz, ctx.now)}${task.queuedBy ? html` by ${task.queuedBy}` : ''}</li>`,
  ];
  ordered.forEach((run, i) => {
    const waited = run.scheduledFor === null ? null : Math.max(0, run.startTime - run.scheduledFor);
    steps.push(
      html`<li data-step="attempt" data-attempt="${run.attempt}"><strong>Attempt ${run.attempt}</strong>${
        run.scheduledFor === null ? '' : html` · due ${when(run.scheduledFor, tz, ctx.now)}`
      } · started ${when(run.startTime, tz, ctx.now)} on ${run.worker ?? '–'}${waited === null ? '' : html` <span class="muted" data-wait>(waited ${formatDuration(waited)})</span>`} · ${
        run.stopTime === null ? html`running` : html`ended ${when(run.stopTime, tz, ctx.now)}`
      } ${badge(run.status)} <span data-duration>${formatDuration(run.durationMs)}</span> · <a href="${ctx.root}runs/${run.id}">run #${run.id}</a></li>`,
    );
    const next = ordered[i + 1];
    if (next && next.attempt > run.attempt && run.stopTime !== null) {
      steps.push(
        html`<li data-step="retried"><strong>Retried</strong> as attempt ${next.attempt}, ${formatDuration(Math.max(0, next.startTime - run.stopTime))} later</li>`,
      );
    }
  });
  const last = ordered[ordered.length - 1];
  if (task.status === 'RUNNING' && task.claimedAt !== null && (!last || last.startTime < task.claimedAt)) {
    steps.push(
      html`<li data-step="claimed"><strong>Attempt ${task.attempt}</strong> claimed by ${task.assignedWorker ?? '–'} ${when(task.claimedAt, tz, ctx.now)}, running for <span data-duration>${formatDuration(ctx.now - task.claimedAt)}</span></li>`,
    );
  } else if (task.status === 'QUEUED' && ordered.length > 0) {
    steps.push(
      html`<li data-step="waiting"><strong>Waiting</strong> for attempt ${task.attempt + 1}, due ${when(task.nextRunTime, tz, ctx.now)}</li>`,
    );
  }
  return html`<ol class="timeline" data-timeline>${steps}</ol>`;
}

/** The tasks it waits for (linked, with their status), and its batch with the batch's counts: only when it has them. */
function flow(
  ctx: PageContext,
  dependencies: readonly { id: number; status: TaskStatus | null }[],
  batch: BatchState | null,
): SafeHtml {
  const deps = dependencies.map(
    (d) =>
      html`<li data-dependency="${d.id}"><a href="${ctx.root}tasks/${d.id}">task #${d.id}</a> ${d.status === null ? html`<span class="muted">(deleted)</span>` : badge(d.status)}</li>`,
  );
  const c = batch?.counts;
  return html`${
    deps.length > 0 ? html`<dt>Depends on</dt><dd><ul class="plain" data-dependencies>${deps}</ul></dd>` : ''
  }${
    batch && c
      ? html`<dt>Batch</dt><dd data-batch="${batch.id}">#${batch.id}${batch.description ? html` ${batch.description}` : ''} · ${c.total} task(s): ${c.completed} completed, ${c.failed} failed, ${c.cancelled} cancelled, ${c.stopped} stopped, ${c.pending} pending${
          batch.finishedAt !== null ? html` · finished ${when(batch.finishedAt, ctx.config.timezone, ctx.now)}` : ''
        }${batch.stopped ? html` <span class="badge s-stopped">stopped</span>` : ''}</dd>`
      : ''
  }`;
}

/** A task as the page may show it: `payload` already redacted, as are the task's texts and its runs' messages. */
export function taskDetailPage(
  ctx: PageContext,
  data: {
    task: Task;
    job: JobInfo | null;
    payload: string | null;
    runs: Page<RunRow>;
    dependencies?: readonly { id: number; status: TaskStatus | null }[];
    batch?: BatchState | null;
  },
): SafeHtml {
  const { task } = data;
  const tz = ctx.config.timezone;
  const content = html`<section id="task" data-live>
<div class="actions">${taskActions(ctx, task)}</div>
<h2>Task</h2>
<dl class="fields">
<dt>Job</dt><dd><a href="${ctx.root}tasks${query({ job: task.jobName })}">${task.jobName}</a>${isRecurringTask(task) ? html` <span class="muted">(the recurring task of this job)</span>` : ''}</dd>
<dt>Status</dt><dd>${taskState(task)}</dd>
<dt>uuid</dt><dd>${task.uuid}</dd>
<dt>Group / priority</dt><dd>${task.group} / ${task.priority}</dd>
<dt>Due</dt><dd>${when(task.nextRunTime, tz, ctx.now)}</dd>
<dt>Expires</dt><dd>${when(task.stopTime, tz, ctx.now)}</dd>
<dt>Attempt</dt><dd>${task.attempt} of ${task.retries + 1} · ran ${task.timesRun} time(s), failed ${task.timesFailed}</dd>
<dt>Timeout</dt><dd data-timeout>${timeout(task, data.job)}</dd>
<dt>Runs as</dt><dd>${task.runAs ?? html`<span class="muted">no user</span>`}</dd>
<dt>Queued by</dt><dd>${task.queuedBy ?? html`<span class="muted">–</span>`}</dd>
<dt>Worker</dt><dd>${task.assignedWorker ?? html`<span class="muted">–</span>`}${task.claimedAt ? html` <span class="muted">claimed ${when(task.claimedAt, tz, ctx.now)}</span>` : ''}</dd>
<dt>Last run</dt><dd>${when(task.lastRunTime, tz, ctx.now)}</dd>
<dt>Created / updated</dt><dd>${when(task.createdAt, tz, ctx.now)} / ${when(task.updatedAt, tz, ctx.now)}</dd>
${flow(ctx, data.dependencies ?? [], data.batch ?? null)}
</dl>
<h2>Payload</h2>
${data.payload === null ? html`<p class="muted">No payload.</p>` : html`<pre data-payload>${data.payload}</pre>`}
${task.output ? html`<h2>Output so far</h2><pre>${task.output}</pre>` : ''}
<h2>Timeline</h2>
${timeline(ctx, task, data.runs.rows)}
<h2>Runs of this task</h2>
${runsTable(ctx, data.runs.rows)}
${data.runs.older !== null ? html`<p><a href="${ctx.root}runs${query({ task: task.id })}">All runs of this task ›</a></p>` : ''}
</section>`;
  return layout(ctx, 'tasks', `Task #${task.id}`, content);
}
