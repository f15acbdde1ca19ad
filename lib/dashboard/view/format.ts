import { formatCount } from '../../service/overview.js';
import { html, type SafeHtml } from './html.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** `2026-03-28 12:00:03` in the dashboard's time zone. */
export function formatTime(ms: number | null | undefined, timezone: string): string {
  if (ms === null || ms === undefined) return '–';
  let format = formatters.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timezone, format);
  }
  const p = Object.fromEntries(format.formatToParts(new Date(ms)).map((part) => [part.type, part.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** `350 ms`, `4.2 s`, `3 min 5 s`, `2 h 10 min`, `3 d 4 h`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  if (abs < 60_000) return `${(abs / 1000).toFixed(abs < 10_000 ? 1 : 0)} s`;
  const s = Math.floor(abs / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** `5 s ago` / `in 3 min`. */
export function relative(ms: number | null | undefined, now: number): string {
  if (ms === null || ms === undefined) return '';
  const delta = ms - now;
  if (Math.abs(delta) < 1000) return 'now';
  return delta < 0 ? `${formatDuration(-delta)} ago` : `in ${formatDuration(delta)}`;
}

/** A time with its distance from now as a tooltip-free second line. */
export function when(ms: number | null | undefined, timezone: string, now: number): SafeHtml {
  if (ms === null || ms === undefined) return html`<span class="muted">–</span>`;
  return html`<time datetime="${new Date(ms).toISOString()}">${formatTime(ms, timezone)}</time> <span class="muted">${relative(ms, now)}</span>`;
}

export function badge(status: string | null | undefined): SafeHtml {
  if (!status) return html`<span class="muted">–</span>`;
  return html`<span class="badge s-${status.toLowerCase()}">${status}</span>`;
}

export function truncate(text: string | null | undefined, max: number): string {
  if (!text) return '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A count with thousands separators, `10,000+` past `cap` (the CLI writes counts the same way). */
export const count = formatCount;
