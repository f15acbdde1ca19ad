import type { WorkerInfo } from '../../../service/worker-commands.js';
import { WORKER_COMMANDS, type WorkerCommand } from '../../dashboard-actions.js';
import { badge, formatDuration, when } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { actionForm, layout, type PageContext } from '../layout.js';

/** A worker silent this long is shown as such (its rescue depends on the module's `deadAfter`). */
const SILENT_AFTER_MS = 30_000;

const LABELS: Record<WorkerCommand, string> = { disable: 'Disable', resume: 'Resume', terminate: 'Terminate', kill: 'Kill' };
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

export function workersPage(ctx: PageContext, workers: WorkerInfo[]): SafeHtml {
  const groups = [...new Set(workers.flatMap((w) => w.groups))].sort();
  const tz = ctx.config.timezone;
  const content = html`<section id="workers" data-live>
${
  workers.length === 0
    ? html`<p class="muted">No worker has registered. Processes started with <code>worker: false</code> only enqueue.</p>`
    : html`<table><thead><tr><th>Worker</th><th>Groups</th><th>Status</th><th>Heartbeat</th><th class="num">Running</th><th class="num">Completed</th><th class="num">Failed</th><th>Started</th></tr></thead><tbody>
${workers.map(
  (w) => html`<tr data-worker="${w.name}"><td>${w.name}<div class="muted">${w.hostname} · pid ${w.pid}</div></td><td>${w.groups.join(', ')}</td>
<td>${badge(w.status)}</td><td>${formatDuration(w.heartbeatAge)} ago${w.heartbeatAge > SILENT_AFTER_MS ? html` <span class="badge s-failed">silent</span>` : ''}</td>
<td class="num">${w.running}</td><td class="num">${w.completed}</td><td class="num">${w.failed}</td><td>${when(w.firstHeartbeat, tz, ctx.now)}</td></tr>`,
)}</tbody></table>`
}
</section>
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
