/**
 * Escape-by-default HTML templating.
 *
 *   html`<p>${userText}</p>`          → userText is escaped
 *   html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`  → nested SafeHtml is kept
 *   raw(trustedMarkup)                → the only way to insert unescaped markup
 *
 * Interpolations may be strings, numbers, SafeHtml, arrays of those, or null/undefined/false
 * (rendered as nothing). Attribute values must be quoted in the template; escaping covers
 * `& < > " '`, so a value can never leave its attribute.
 */

const SAFE = Symbol('SafeHtml');

export interface SafeHtml {
  readonly [SAFE]: true;
  readonly value: string;
  toString(): string;
}

export type HtmlValue = SafeHtml | string | number | bigint | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function safe(value: string): SafeHtml {
  return { [SAFE]: true, value, toString: () => value };
}

/** Marks trusted markup as safe. Use only for markup produced by this code base. */
export function raw(markup: string): SafeHtml {
  return safe(markup);
}

export function isSafeHtml(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SAFE] === true;
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (isSafeHtml(value)) return value.value;
  if (Array.isArray(value)) return value.map((v: HtmlValue) => render(v)).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    out += render(values[i]) + (strings[i + 1] ?? '');
  }
  return safe(out);
}

/** Joins fragments with a separator (escaped unless SafeHtml). */
export function join(parts: readonly HtmlValue[], separator: HtmlValue = ''): SafeHtml {
  const sep = render(separator);
  return safe(parts.map((p) => render(p)).join(sep));
}

/** Builds a query string from defined, non-empty values (for links that keep filters). */
export function queryString(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
