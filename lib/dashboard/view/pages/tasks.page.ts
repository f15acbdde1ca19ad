import type { TaskStatus } from '../../../types.js';
import { isRecurringTask, RETRYABLE, STOPPABLE } from '../../dashboard-actions.js';
import type { Page } from '../../data/keyset.js';
import { TASK_STATUSES, type TaskFilter, type TaskRow } from '../../data/task-list.js';
import { badge, when } from '../format.js';
import { formValue, html, query, type SafeHtml } from '../html.js';
import { actionForm, layout, pager, type PageContext } from '../layout.js';
import { searchedNotice, searchFields } from '../search-fields.js';
import { CSRF_FIELD } from '../../http/csrf.js';
import { searchParams } from '../../data/search.js';

const TABS: [string, TaskStatus | undefined][] = [
  ['All', undefined],
  ['Waiting', 'WAITING'],
  ['Queued', 'QUEUED'],
  ['Running', 'RUNNING'],
  ['Failed', 'FAILED'],
  ['Timed out', 'TIMEOUT'],
  ['Stopped', 'STOPPED'],
  ['Cancelled', 'CANCELLED'],
  ['Completed', 'COMPLETED'],
];

/** A task's live state: a progress bar while it runs. */
export function taskState(task: Pick<TaskRow, 'status' | 'progress' | 'progressMessage' | 'stopRequested'>): SafeHtml {
  const running = task.status === 'RUNNING';
  return html`${badge(task.status)}${running && task.stopRequested ? html` <span class="muted">stopping…</span>` : ''}${
    running
      ? html`<div><progress max="100" value="${task.progress ?? 0}" aria-label="progress">${task.progress ?? 0}%</progress> <span class="muted">${task.progress ?? 0}% ${task.progressMessage ?? ''}</span></div>`
      : ''
  }`;
}

export function taskActions(
  ctx: PageContext,
  task: Pick<TaskRow, 'id' | 'uuid' | 'status' | 'stopRequested'>,
): SafeHtml {
  const stop = STOPPABLE.includes(task.status) && !task.stopRequested;
  const retry = RETRYABLE.includes(task.status) && !isRecurringTask(task);
  const confirm = isRecurringTask(task)
    ? `Task #${task.id} is the recurring task of its job: stopping it ends the schedule for good. Stop it?`
    : `Stop task #${task.id}?`;
  return html`${stop ? actionForm(ctx, 'stop', { task: task.id }, 'Stop', { danger: true, confirm }) : ''}${
    retry ? actionForm(ctx, 'retry', { task: task.id }, 'Retry') : ''
  }`;
}

function filters(ctx: PageContext, filter: TaskFilter, jobs: string[], groups: string[]): SafeHtml {
  const option = (value: string, selected: string | undefined, label = value) =>
    html`<option value="${formValue(value)}"${value === (selected ?? '') ? html` selected` : ''}>${label}</option>`;
  return html`<div class="tabs">${TABS.map(([label, status]) => html`<a href="${ctx.root}tasks${query({ status, job: filter.job, ...searchParams(filter) })}" class="${status === filter.status ? 'current' : ''}">${label}</a>`)}</div>
<form class="filters" method="get" action="${ctx.root}tasks">
<label>Status<select name="status">${option('', filter.status, 'any')}${TASK_STATUSES.map((s) => option(s, filter.status))}</select></label>
<label>Job<select name="job">${option('', filter.job, 'any')}${jobs.map((j) => option(j, filter.job))}</select></label>
${searchFields(filter, groups)}
<button type="submit">Filter</button>
</form>`;
}

/**
 * The bulk action form: ticked rows join it through their checkboxes' `form` attribute (the
 * table stays outside it), and it carries the page's filter for "all matching this filter".
 */
function bulkForm(ctx: PageContext, filter: TaskFilter): SafeHtml {
  if (ctx.config.readOnly) return html``;
  const hidden = Object.entries({ status: filter.status, job: filter.job, ...searchParams(filter) })
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([name, value]) => html`<input type="hidden" name="${name}" value="${formValue(value!)}">`);
  return html`<form id="bulk" class="filters bulk" method="post" action="${ctx.root}actions/bulk" data-confirm="Apply this bulk action? It cannot be undone.">
<input type="hidden" name="${CSRF_FIELD}" value="${ctx.csrf}"><input type="hidden" name="back" value="${formValue(ctx.back)}">${hidden}
<label>Bulk action<select name="op"><option value="retry">Retry (queue again)</option><option value="stop">Stop</option><option value="delete">Delete (with runs)</option></select></label>
<label><span><input type="radio" name="scope" value="selected" checked> ticked tasks</span></label>
<label><span><input type="radio" name="scope" value="filter"> all tasks matching this filter</span></label>
<button type="submit" class="danger">Apply</button>
</form>`;
}

export function tasksPage(
  ctx: PageContext,
  data: { filter: TaskFilter; page: Page<TaskRow>; jobs: string[]; groups: string[]; atNewest: boolean },
): SafeHtml {
  const { filter, page } = data;
  const tz = ctx.config.timezone;
  const content = html`${filters(ctx, filter, data.jobs, data.groups)}
${bulkForm(ctx, filter)}
<section id="tasks" data-live>
${searchedNotice('tasks', page.searched)}
${
  page.rows.length === 0
    ? html`<p class="muted">No task matches.</p>`
    : html`<table><thead><tr><th>Task</th><th>Job</th><th>Status</th><th>Group</th><th class="num">Priority</th><th>Due</th><th class="num">Attempt</th><th>Runs as</th><th>Worker</th><th></th></tr></thead><tbody>
${page.rows.map(
  (
    t,
  ) => html`<tr data-task="${t.id}"><td>${ctx.config.readOnly ? '' : html`<input type="checkbox" name="task" value="${t.id}" form="bulk" aria-label="select task #${t.id}"> `}<a href="${ctx.root}tasks/${t.id}">#${t.id}</a>${isRecurringTask(t) ? html` <span class="muted">recurring</span>` : ''}</td>
<td>${t.jobName}</td><td>${taskState(t)}</td><td>${t.group}</td><td class="num">${t.priority}</td>
<td>${when(t.nextRunTime, tz, ctx.now)}</td><td class="num">${t.attempt}/${t.retries + 1}</td>
<td>${t.runAs ?? html`<span class="muted">–</span>`}</td><td>${t.assignedWorker ?? ''}</td><td><div class="actions">${taskActions(ctx, t)}</div></td></tr>`,
)}</tbody></table>`
}
${pager(ctx, 'tasks', { status: filter.status, job: filter.job, ...searchParams(filter) }, page, data.atNewest)}
</section>`;
  return layout(ctx, 'tasks', 'Tasks', content);
}
