/** The dashboard's only style sheet, inlined with the page's CSP nonce. No inline style attributes anywhere. */
export const STYLES = `
:root { --fg: #1d2430; --muted: #6b7280; --line: #e3e6eb; --bg: #f6f7f9; --card: #fff; --accent: #2f5bd3;
  --ok: #1f7a3d; --bad: #b42318; --warn: #a15c00; --info: #2f5bd3; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 24px; padding: 10px 24px; background: #17203a; color: #fff; }
header .brand { font-weight: 700; font-size: 16px; letter-spacing: .02em; }
header nav { display: flex; flex-wrap: wrap; gap: 4px 16px; }
header nav a { color: #c9d3f0; text-decoration: none; padding: 4px 0; }
header nav a.current { color: #fff; border-bottom: 2px solid #8fb0ff; }
header .live { margin-left: auto; font-size: 12px; color: #c9d3f0; display: flex; gap: 8px; align-items: center; }
header .live button { font-size: 12px; padding: 2px 8px; }
main { padding: 20px 24px 40px; max-width: 1400px; }
h1 { font-size: 20px; margin: 0 0 16px; }
h2 { font-size: 15px; margin: 24px 0 8px; }
a { color: var(--accent); }
.muted { color: var(--muted); font-size: 12px; }
.flash { padding: 10px 14px; border-radius: 6px; margin-bottom: 16px; }
.flash.ok { background: #e7f6ec; color: var(--ok); } .flash.error { background: #fdecea; color: var(--bad); }
.notice { padding: 8px 12px; background: #fff7e6; color: var(--warn); border-radius: 6px; margin: 8px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 12px; margin-bottom: 16px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .value { font-size: 22px; font-weight: 600; } .card .label { color: var(--muted); font-size: 12px; }
.card.bad .value { color: var(--bad); }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; background: #fafbfc; }
tr:last-child td { border-bottom: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 11px; font-weight: 600; background: #eef0f3; color: #374151; }
.s-completed, .s-active { background: #e7f6ec; color: var(--ok); }
.s-failed, .s-timeout, .s-lost, .s-kill, .s-missing { background: #fdecea; color: var(--bad); }
.s-running, .s-assigned { background: #e8eefc; color: var(--info); }
.s-queued { background: #f1f3f6; color: #374151; }
.s-waiting { background: #f3effc; color: #5b3fa8; }
ul.plain { list-style: none; margin: 0; padding: 0; }
.s-cancelled, .s-stopped, .s-interrupted, .s-expired, .s-disabled, .s-inactive, .s-terminate { background: #fff4e5; color: var(--warn); }
form.inline { display: inline-flex; align-items: flex-start; gap: 6px; flex-wrap: wrap; margin: 0; }
details textarea { display: block; width: 320px; margin-top: 4px; }
button { font: inherit; font-size: 12px; padding: 3px 10px; border: 1px solid #c7ccd6; border-radius: 5px; background: #fff; cursor: pointer; }
button:hover { border-color: var(--accent); }
button.danger { color: var(--bad); border-color: #f0b9b3; }
.filters { display: flex; gap: 10px; flex-wrap: wrap; align-items: end; margin-bottom: 12px; }
.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
input, select, textarea { font: inherit; font-size: 13px; padding: 4px 6px; border: 1px solid #c7ccd6; border-radius: 5px; background: #fff; }
textarea { width: 100%; min-height: 70px; font-family: ui-monospace, Menlo, Consolas, monospace; }
.tabs { margin-bottom: 10px; } .tabs a { margin-right: 12px; text-decoration: none; } .tabs a.current { font-weight: 700; color: var(--fg); }
.pager { display: flex; gap: 16px; margin: 10px 0; align-items: center; }
pre { background: #0f1526; color: #e6e9f2; padding: 12px; border-radius: 6px; overflow: auto; max-height: 420px; white-space: pre-wrap; word-break: break-word; margin: 0; }
dl.fields { display: grid; grid-template-columns: 170px 1fr; gap: 6px 16px; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px; margin: 0; }
dl.fields dt { color: var(--muted); } dl.fields dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
progress { width: 120px; height: 10px; vertical-align: middle; }
details summary { cursor: pointer; color: var(--accent); font-size: 12px; padding-top: 4px; }
.links { font-size: 12px; margin-top: 2px; }
.timeline { padding-left: 22px; } .timeline li { margin: 6px 0; overflow-wrap: anywhere; }
.chart svg { width: 100%; height: 120px; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
.chart .ok { fill: #7fb8ff; } .chart .bad { fill: #e5484d; } .chart text { font-size: 9px; fill: var(--muted); }
.actions { display: flex; gap: 6px; flex-wrap: wrap; }
footer { color: var(--muted); font-size: 12px; padding: 0 24px 24px; }
select { max-width: 100%; }
/* Narrow screens: the header wraps, field lists stack, and each table scrolls inside itself, never the page. */
@media (max-width: 900px) {
  header { padding: 8px 12px; }
  main { padding: 14px 12px 32px; }
  footer { padding: 0 12px 20px; }
  table { display: block; overflow-x: auto; max-width: 100%; }
  th, td { min-width: 6.5em; }
  dl.fields { grid-template-columns: 1fr; gap: 2px; }
  dl.fields dd { margin-bottom: 6px; }
  details textarea { width: min(320px, 80vw); }
  .filters label { max-width: 100%; }
  .filters input { width: 100%; box-sizing: border-box; }
}
`;

/**
 * The client script: live refresh of the `[data-live]` regions (re-reading the page itself when
 * the server pushes a change, polling while the push stream is down, never touching a region
 * being edited), confirmation of dangerous actions, and a pause switch.
 */
export const SCRIPT = `
(() => {
  const body = document.body;
  const every = Number(body.dataset.refresh || 0);
  const status = document.getElementById('live-status');
  const toggle = document.getElementById('live-toggle');
  let paused = false;
  let busy = false;
  let again = false;
  let halted = false;
  let refreshes = 0;
  document.addEventListener('submit', (event) => {
    const message = event.target.getAttribute('data-confirm');
    if (message && !window.confirm(message)) event.preventDefault();
  });
  if (!every || !status) return;
  const say = (text) => { status.textContent = text; };
  toggle.addEventListener('click', () => {
    paused = !paused;
    toggle.textContent = paused ? 'Resume' : 'Pause';
    say(paused ? 'paused' : 'live');
  });
  const editing = (region) =>
    (region.contains(document.activeElement) && document.activeElement !== body) || region.querySelector('details[open]') !== null;
  // A change pushed while a re-read is on its way may not be in it: one more follows it.
  const refresh = async () => {
    if (paused || halted || document.hidden) return;
    if (busy) { again = true; return; }
    busy = true;
    try {
      const response = await fetch(location.href, { credentials: 'same-origin', cache: 'no-store' });
      if (!response.ok) {
        halted = true;
        clearInterval(timer);
        if (source) source.close();
        say('live refresh stopped (HTTP ' + response.status + '): reload the page');
        return;
      }
      const next = new DOMParser().parseFromString(await response.text(), 'text/html');
      for (const region of document.querySelectorAll('[data-live]')) {
        const fresh = next.getElementById(region.id);
        if (fresh && !editing(region)) region.replaceWith(document.importNode(fresh, true));
      }
      refreshes += 1;
      body.dataset.refreshes = String(refreshes);
      say('live · ' + new Date().toLocaleTimeString());
    } catch {
      say('refresh failed, retrying');
    } finally {
      busy = false;
      if (again) { again = false; void refresh(); }
    }
  };
  // Push: the server says when something changed (Server-Sent Events); while that stream is down
  // (or where there is none), pages poll every refreshInterval instead.
  let pushing = false;
  let source = null;
  const mode = (name) => { body.dataset.stream = name; };
  mode('poll');
  if (window.EventSource && body.dataset.events) {
    source = new EventSource(body.dataset.events);
    // On (re)connecting, one refresh catches what changed while the stream was not listening.
    source.addEventListener('open', () => { pushing = true; mode('push'); void refresh(); });
    source.addEventListener('change', () => { void refresh(); });
    source.addEventListener('error', () => { pushing = false; mode('poll'); });
  }
  const timer = setInterval(() => { if (!pushing) void refresh(); }, every);
})();
`;
