import { formatIniRateLimit } from '../../../config/ini-values.js';
import type { GroupInfo } from '../../../service/groups.js';
import type { WorkerInfo } from '../../../service/worker-commands.js';
import { WORKER_COMMANDS, type WorkerCommand } from '../../dashboard-actions.js';
import { badge, count, formatDuration, when } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { actionForm, layout, type PageContext } from '../layout.js';

/** A worker silent this long is shown as such (its rescue depends on the module's `deadAfter`). */
const SILENT_AFTER_MS = 30_000;

const LABELS: Record<WorkerCommand, string> = {
  disable: 'Disable',
  resume: 'Resume',
  terminate: 'Terminate',
  kill: 'Kill',
};
const CONFIRM: Partial<Record<WorkerCommand, string>> = {
  terminate: 'finish their running tasks and exit',
  kill: 'abort their running tasks (re-queued) and exit',
};

function commands(ctx: PageContext, group: string | undefined): SafeHtml {
  const scope = group === undefined ? 'every worker' : `the workers of group "${group}"`;
  return html`<div class="actions">${WORKER_COMMANDS.map((command) =>
    actionForm(ctx, 'workers', group === undefined ? { command } : { command, group }, LABELS[command], {
      danger: command === 'kill' || command === 'terminate',
      confirm: CONFIRM[command] ? `Make ${scope} ${CONFIRM[command]}?` : undefined,
    }),
  )}</div>`;
}

/** One worker's own commands (by name): Disable or Resume as it stands, Terminate, Kill. */
function workerCommands(ctx: PageContext, w: WorkerInfo): SafeHtml {
  if (ctx.config.readOnly || w.status === 'TERMINATE' || w.status === 'KILL') return html``;
  const shown: WorkerCommand[] = [w.status === 'DISABLED' ? 'resume' : 'disable', 'terminate', 'kill'];
  return html`<div class="actions">${shown.map((command) =>
    actionForm(ctx, 'worker', { worker: w.name, command }, LABELS[command], {
      danger: command === 'kill' || command === 'terminate',
      confirm: CONFIRM[command] ? `Make worker ${w.name} ${CONFIRM[command].replace('their', 'its')}?` : undefined,
    }),
  )}</div>`;
}

/** A group's rate limit (`groups` module option) and the starts counted in the current window, or "none". */
function rateLimitCell(g: GroupInfo): SafeHtml {
  if (g.rateLimit === null) return html`<td data-rate-limit><span class="muted">none</span></td>`;
  const { limit, perMs, used } = g.rateLimit;
  return html`<td data-rate-limit>${formatIniRateLimit(limit, perMs)}<div class="muted">${count(used)} started this window</div></td>`;
}

/** Groups: paused or not, their queued and running tasks, who serves them, their rate limit, and Pause / Resume. */
function groupsSection(ctx: PageContext, groups: GroupInfo[]): SafeHtml {
  const tz = ctx.config.timezone;
  return html`<h2>Groups</h2>
<p class="muted">A paused group keeps its tasks QUEUED: no worker claims them (running ones finish) until it is resumed. Workers read the paused groups on each heartbeat, so a pause or resume takes effect within one heartbeat interval. A rate limit (the application's <code>groups</code> option) lets at most so many of the group's tasks start per window across the cluster; the others wait QUEUED.</p>
<section id="groups" data-live>
${
  groups.length === 0
    ? html`<p class="muted">No group yet.</p>`
    : html`<table><thead><tr><th>Group</th><th>State</th><th class="num">Queued</th><th class="num">Running</th><th>Workers</th><th>Rate limit</th><th></th></tr></thead><tbody>
${groups.map(
  (g) => html`<tr data-group="${g.name}"><td>${g.name}</td>
<td data-group-state>${g.paused ? html`<span class="badge s-disabled">paused</span> <span class="muted">${g.pausedBy ? `by ${g.pausedBy}, ` : ''}</span>${when(g.pausedAt, tz, ctx.now)}` : html`<span class="badge s-active">active</span>`}</td>
<td class="num" data-queued>${count(g.queued)}</td><td class="num" data-running>${count(g.running)}</td><td>${g.workers.length === 0 ? html`<span class="muted">none</span>` : g.workers.join(', ')}</td>${rateLimitCell(g)}
<td>${g.paused ? actionForm(ctx, 'group-resume', { group: g.name }, 'Resume group') : actionForm(ctx, 'group-pause', { group: g.name }, 'Pause group', { confirm: `Pause group "${g.name}"? No worker will claim its tasks until it is resumed.` })}</td></tr>`,
)}</tbody></table>`
}
</section>`;
}

export function workersPage(ctx: PageContext, workers: WorkerInfo[], groupList: GroupInfo[] = []): SafeHtml {
  const groups = [...new Set(workers.flatMap((w) => w.groups))].sort();
  const tz = ctx.config.timezone;
  const content = html`<section id="workers" data-live>
${
  workers.length === 0
    ? html`<p class="muted">No worker has registered. Processes started with <code>worker: false</code> only enqueue.</p>`
    : html`<table><thead><tr><th>Worker</th><th>Groups</th><th>Status</th><th>Heartbeat</th><th class="num">Running</th><th class="num">Completed</th><th class="num">Failed</th><th>Started</th><th></th></tr></thead><tbody>
${workers.map(
  (
    w,
  ) => html`<tr data-worker="${w.name}"><td>${w.name}<div class="muted">${w.hostname} · pid ${w.pid}</div></td><td>${w.groups.join(', ')}</td>
<td>${badge(w.status)}</td><td>${formatDuration(w.heartbeatAge)} ago${w.heartbeatAge > SILENT_AFTER_MS ? html` <span class="badge s-failed">silent</span>` : ''}</td>
<td class="num">${w.running}</td><td class="num">${w.completed}</td><td class="num">${w.failed}</td><td>${when(w.firstHeartbeat, tz, ctx.now)}</td><td>${workerCommands(ctx, w)}</td></tr>`,
)}</tbody></table>`
}
</section>
${groupsSection(ctx, groupList)}
${
  ctx.config.readOnly || workers.length === 0
    ? ''
    : html`<h2>Commands</h2>
<p class="muted">A command reaches the workers of a group on their next heartbeat. Disable stops claiming, Resume claims again, Terminate finishes running tasks then exits, Kill aborts them (they are re-queued) then exits.</p>
<table><thead><tr><th>Workers</th><th></th></tr></thead><tbody>
<tr><td>All groups</td><td>${commands(ctx, undefined)}</td></tr>
${groups.map((g) => html`<tr><td>Group ${g}</td><td>${commands(ctx, g)}</td></tr>`)}
</tbody></table>`
}`;
  return layout(ctx, 'workers', 'Workers', content);
}
