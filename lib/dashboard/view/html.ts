/**
 * HTML built with a tagged template that escapes every interpolated value, so job output,
 * stack traces and payloads can only ever appear as text. Markup is produced only by `html`
 * itself (or `trusted()` for constants); a plain string is always data.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Bidirectional controls: embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069),
 * the left-to-right, right-to-left and Arabic letter marks (U+200E, U+200F, U+061C). Shown raw,
 * they reorder the text around them: `RTL:\u202Egnp.exe` would read `RTL:exe.png`.
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

const visibleEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Escape text for an element body or a double-quoted attribute value. Bidirectional controls
 * are shown as what they are (`\u202E`), so no value can display as something else.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]).replace(BIDI_CONTROLS, visibleEscape);
}

/**
 * A value a form posts back unchanged (a hidden field, an option's value): escaped, with
 * bidirectional controls kept as character references, so the browser submits the original
 * text. Never use it for anything the page displays.
 */
export function formValue(value: string | number): SafeHtml {
  return new SafeHtml(
    String(value)
      .replace(/[&<>"']/g, (c) => ESCAPES[c])
      .replace(BIDI_CONTROLS, (c) => `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`),
  );
}

/** What may be interpolated: text (escaped), markup from `html`, or lists of either. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** A constant known to be markup (styles, the client script). Never pass data through it. */
export const trusted = (markup: string): SafeHtml => new SafeHtml(markup);

/** A query string from defined, non-empty values: `?a=1&b=x%20y`, or '' when none remain. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '');
  if (entries.length === 0) return '';
  return '?' + entries.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
}
