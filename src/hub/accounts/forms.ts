/**
 * Accessible form parts: a labelled field with its hint and error joined by aria-describedby,
 * and an error summary whose links move focus to the fields (GOV.UK Design System pattern).
 * No script needed; the page title is prefixed with "Error:" so screen readers hear it first.
 */
import { html, type SafeHtml } from '../html.ts';
import type { Translator } from '../i18n/index.ts';

export interface FieldError {
  /** The id of the input the error belongs to. */
  field: string;
  message: SafeHtml;
}

export interface FieldSpec {
  id: string;
  name: string;
  type: 'text' | 'email' | 'password';
  label: SafeHtml;
  autocomplete: string;
  hint?: SafeHtml;
  value?: string;
  maxlength?: number;
  minlength?: number;
  errors: readonly FieldError[];
}

export function field(t: Translator, spec: FieldSpec): SafeHtml {
  const error = spec.errors.find((e) => e.field === spec.id);
  const describedBy = [spec.hint === undefined ? '' : `${spec.id}-hint`, error === undefined ? '' : `${spec.id}-error`].filter((s) => s !== '').join(' ');
  const emailAttrs = spec.type === 'email' ? html` spellcheck="false" autocapitalize="none" inputmode="email"` : '';
  return html`<div class="field${error === undefined ? '' : ' field-error'}">
<label for="${spec.id}">${spec.label}</label>
${spec.hint === undefined ? '' : html`<p class="hint" id="${spec.id}-hint">${spec.hint}</p>`}
${error === undefined ? '' : html`<p class="error-message" id="${spec.id}-error"><span class="visually-hidden">${t.text('account.error.title', { title: '' }).trim()} </span>${error.message}</p>`}
<input id="${spec.id}" name="${spec.name}" type="${spec.type}" autocomplete="${spec.autocomplete}" required${spec.maxlength === undefined ? '' : html` maxlength="${spec.maxlength}"`}${spec.minlength === undefined ? '' : html` minlength="${spec.minlength}"`}${describedBy === '' ? '' : html` aria-describedby="${describedBy}"`}${error === undefined ? '' : html` aria-invalid="true"`}${emailAttrs}${spec.type === 'password' || spec.value === undefined ? '' : html` value="${spec.value}"`}>
</div>`;
}

export function errorSummary(t: Translator, errors: readonly FieldError[]): SafeHtml | '' {
  if (errors.length === 0) return '';
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
<h2 id="error-summary-title">${t('account.error.summary')}</h2>
<ul>${errors.map((e) => html`<li><a href="#${e.field}">${e.message}</a></li>`)}</ul>
</div>`;
}

/** The page title, prefixed with "Error:" when the form has errors. */
export function formTitle(t: Translator, title: string, errors: readonly FieldError[]): string {
  return errors.length === 0 ? title : t.text('account.error.title', { title });
}
