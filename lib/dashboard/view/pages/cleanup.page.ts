import type { TimeBound } from '../../data/search.js';
import { count } from '../format.js';
import { formValue, html, type SafeHtml } from '../html.js';
import { actionForm, layout, type PageContext } from '../layout.js';

/** Delete finished history older than a date: first a dry-run count, then the action. */
export function cleanupPage(
  ctx: PageContext,
  data: { before?: TimeBound; counts: { runs: number; tasks: number } | null },
): SafeHtml {
  const { before, counts } = data;
  const content = html`<p class="muted">Deletes runs that started, and finished tasks last updated, before the date (times in ${ctx.config.timezone}).
Queued and running tasks, and the recurring task of each scheduled job, are never deleted. Rows go in batches of 1,000, each a short statement.</p>
<form class="filters" method="get" action="${ctx.root}cleanup">
<label>Older than<input name="before" type="datetime-local" value="${formValue(before?.text ?? '')}" required></label>
<button type="submit">Count (dry run)</button>
</form>
<section id="cleanup">
${
  before && counts
    ? html`<p data-dry-run>Older than ${before.text}: <strong data-runs>${count(counts.runs)}</strong> run(s) and <strong data-tasks>${count(counts.tasks)}</strong> finished task(s) would be deleted.</p>
${
  counts.runs + counts.tasks === 0
    ? ''
    : actionForm(
        ctx,
        'cleanup',
        { before: before.text },
        `Delete ${count(counts.runs)} run(s) and ${count(counts.tasks)} task(s)`,
        {
          danger: true,
          confirm: `Delete every finished run and task older than ${before.text}? This cannot be undone.`,
        },
      )
}`
    : html`<p class="muted">Choose a date to see how many rows a clean-up would delete.</p>`
}
</section>`;
  return layout(ctx, 'cleanup', 'Clean-up', content);
}
