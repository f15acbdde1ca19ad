import type { Search } from '../data/search.js';
import { formValue, html, type SafeHtml } from './html.js';

/** The search fields of the Tasks and Runs filter forms; their names are the URL's parameters. */
export function searchFields(search: Search, groups: string[]): SafeHtml {
  const option = (value: string, label = value) =>
    html`<option value="${formValue(value)}"${value === (search.group ?? '') ? html` selected` : ''}>${label}</option>`;
  const known = search.group !== undefined && !groups.includes(search.group) ? [...groups, search.group] : groups;
  return html`<label>Group<select name="group">${option('', 'any')}${known.map((g) => option(g))}</select></label>
<label>Worker<input name="worker" size="14" value="${formValue(search.worker ?? '')}"></label>
<label>User<input name="user" size="10" value="${formValue(search.user ?? '')}" title="the user the task runs as (runAs)"></label>
<label>From<input name="from" type="datetime-local" value="${formValue(search.from?.text ?? '')}"></label>
<label>To<input name="to" type="datetime-local" value="${formValue(search.to?.text ?? '')}"></label>
<label>Payload<input name="payload" size="16" placeholder="customer.id=42" value="${formValue(search.payload?.text ?? '')}"></label>`;
}

/** What a page searched without an index, said once above its table. */
export function searchedNotice(what: 'tasks' | 'runs', searched: { from: number; to: number } | null): SafeHtml | '' {
  return searched
    ? html`<p class="notice">This filter has no index of its own: ${what} #${searched.from}–#${searched.to} were searched for this page; Older continues the search.</p>`
    : '';
}
