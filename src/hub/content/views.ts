/**
 * HTML of the editing pages: the edit form (built from a kind's editable fields), accessible
 * diffs, and small parts shared by the review and history pages. Pure: no I/O.
 */
import { errorSummary, type FieldError } from '../accounts/forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { DEFAULT_LOCALE, langAttrs, LOCALES, pick, renderPicked, type Locale, type Localised, type Picked, type Translator } from '../i18n/index.ts';
import type { DiffPart, FieldChange } from './diff.ts';
import { BASE_FIELD, controlOfIssue, controlsOf, issueMessage, SUMMARY_FIELD, type Control, type DocumentIssue, type EditableField, type KindEditing } from './editing.ts';

/** Equal text longer than this is shortened in diffs to its ends (long Markdown bodies). */
export const DIFF_CONTEXT_LENGTH_MAX = 400;
/** Characters kept at each end of shortened equal text. */
export const DIFF_CONTEXT_KEEP_LENGTH = 160;

export function languageName(t: Translator, locale: string): string {
  try {
    return new Intl.DisplayNames(t.locale, { type: 'language' }).of(locale) ?? locale;
  } catch {
    return locale;
  }
}

/** The title of an item in the reader's language (English fallback marked by renderPicked). */
export function titleOf(t: Translator, editing: KindEditing, doc: Readonly<Record<string, unknown>>): Picked {
  const value = doc[editing.titleKey];
  if (typeof value === 'object' && value !== null && typeof (value as { en?: unknown }).en === 'string') return pick(value as Localised, t.locale);
  const text = typeof value === 'string' ? value : String(doc.id ?? '');
  return { text, lang: DEFAULT_LOCALE, fallback: t.locale !== DEFAULT_LOCALE };
}

export function renderTitle(t: Translator, editing: KindEditing, doc: Readonly<Record<string, unknown>>): SafeHtml {
  return renderPicked(t, titleOf(t, editing, doc));
}

/** A label for a flattened field path of a diff ("definition.fr" → "Definition — French"). */
export function pathLabel(t: Translator, editing: KindEditing, path: string): { label: SafeHtml; lang: Locale } {
  const [key = '', ...rest] = path.split('.');
  const base = key.replace(/\[\d+\]$/, '');
  const field = editing.fields.find((f) => f.key === base);
  const position = /\[(\d+)\]$/.exec(key)?.[1];
  const tail = [position === undefined ? '' : t.text('content.diff.item', { n: Number(position) + 1 }), ...rest].filter((s) => s !== '');
  if (field === undefined) {
    const name = base === editing.reviewedKey ? t('content.field.reviewed') : html`<code>${base}</code>`;
    return { label: html`${name}${tail.length === 0 ? '' : html` › ${tail.join(' › ')}`}`, lang: DEFAULT_LOCALE };
  }
  if (field.localised === true && (LOCALES as readonly string[]).includes(rest[0] ?? '')) {
    const locale = rest[0] as Locale;
    return { label: html`${t(field.labelKey)} — ${languageName(t, locale)}`, lang: locale };
  }
  return { label: html`${t(field.labelKey)}${tail.length === 0 ? '' : html` › ${tail.join(' › ')}`}`, lang: DEFAULT_LOCALE };
}

/** Shortens long unchanged text to its ends, at spaces; `keep` says which ends matter. */
function shorten(text: string, keep: 'both' | 'head' | 'tail'): { head: string; tail: string } | undefined {
  if (text.length <= DIFF_CONTEXT_LENGTH_MAX) return undefined;
  const n = DIFF_CONTEXT_KEEP_LENGTH;
  let head = keep === 'tail' ? '' : text.slice(0, n);
  let tail = keep === 'head' ? '' : text.slice(-n);
  const cutHead = head.lastIndexOf(' ');
  if (cutHead > n / 2) head = head.slice(0, cutHead + 1);
  const cutTail = tail.indexOf(' ');
  if (cutTail !== -1 && cutTail < n / 2) tail = tail.slice(cutTail);
  return { head, tail };
}

function renderParts(t: Translator, parts: readonly DiffPart[]): SafeHtml[] {
  const added = [t.text('content.diff.addedStart'), t.text('content.diff.addedEnd')] as const;
  const removed = [t.text('content.diff.removedStart'), t.text('content.diff.removedEnd')] as const;
  return parts.map((part, i) => {
    if (part.op === 'insert') return html`<ins><span class="visually-hidden">${added[0]}</span>${part.text}<span class="visually-hidden">${added[1]}</span></ins>`;
    if (part.op === 'delete') return html`<del><span class="visually-hidden">${removed[0]}</span>${part.text}<span class="visually-hidden">${removed[1]}</span></del>`;
    const short = shorten(part.text, i === 0 ? 'tail' : i === parts.length - 1 ? 'head' : 'both');
    if (short === undefined) return html`${part.text}`;
    return html`${short.head}<span class="diff-skip">[…]<span class="visually-hidden"> ${t.text('content.diff.skipped')}</span></span>${short.tail}`;
  });
}

/** A visible key to the marks, so sighted readers need not guess either. */
export function diffLegend(t: Translator): SafeHtml {
  return html`<p class="diff-legend meta">${t('content.diff.legend')} <del>${t('content.diff.removedSample')}</del> · <ins>${t('content.diff.addedSample')}</ins></p>`;
}

/** Every changed field with its word diff; `level` is the heading level of the field names. */
export function renderDiff(t: Translator, editing: KindEditing, changes: readonly FieldChange[], level: 3 | 4 = 3): SafeHtml {
  if (changes.length === 0) return html`<p>${t('content.diff.none')}</p>`;
  return html`${diffLegend(t)}${changes.map((change) => {
    const { label, lang } = pathLabel(t, editing, change.path);
    const heading = level === 3 ? html`<h3>${label}</h3>` : html`<h4>${label}</h4>`;
    const state = change.before === '' ? t('content.diff.fieldAdded') : change.after === '' ? t('content.diff.fieldRemoved') : '';
    return html`<div class="diff">${heading}${state === '' ? '' : html`<p class="meta">${state}</p>`}
<p class="diff-text"${langAttrs(lang, t.locale)}>${renderParts(t, change.parts)}</p></div>`;
  })}`;
}

/** A field error shown with its control, and the same in the summary at the top. */
export interface ControlError {
  control: Control | undefined;
  message: SafeHtml;
}

export function controlErrors(t: Translator, editing: KindEditing, issues: readonly DocumentIssue[]): ControlError[] {
  return issues.map((issue) => {
    const { control, where } = controlOfIssue(editing, issue);
    const message = issueMessage(t, issue, editing);
    const located = where.length === 0 ? message : html`${where.map((w) => (w.startsWith('#') ? t.text('content.diff.item', { n: Number(w.slice(1)) }) : w)).join(' › ')}${t.text('content.edit.separator')}${message}`;
    return { control, message: located };
  });
}

function controlLabel(t: Translator, control: Control): SafeHtml {
  if (control.locale !== undefined) return html`${t(control.field.labelKey)} — ${languageName(t, control.locale)}`;
  if (control.value !== undefined) return t(`${control.field.choiceKeyPrefix ?? ''}${control.value}`);
  return t(control.field.labelKey);
}

/** Summary entries: "Definition — French: Enter some text" linking to the control. */
export function summaryErrors(t: Translator, errors: readonly ControlError[]): FieldError[] {
  return errors.map((e) => {
    if (e.control === undefined) return { field: 'edit-form', message: e.message };
    const name = e.control.value !== undefined ? t(e.control.field.labelKey) : controlLabel(t, e.control);
    return { field: e.control.id, message: html`${name}${t.text('content.edit.separator')}${e.message}` };
  });
}

function errorFor(errors: readonly ControlError[], id: string): SafeHtml[] {
  return errors.filter((e) => e.control?.id === id).map((e) => e.message);
}

function errorLine(t: Translator, id: string, messages: readonly SafeHtml[]): SafeHtml | '' {
  if (messages.length === 0) return '';
  return html`<p class="error-message" id="${id}-error"><span class="visually-hidden">${t.text('account.error.title', { title: '' }).trim()} </span>${messages.map((m, i) => html`${i > 0 ? ' ' : ''}${m}`)}</p>`;
}

function textControl(t: Translator, control: Control, value: string, messages: readonly SafeHtml[], hintId: string | undefined, hint: SafeHtml | '' = ''): SafeHtml {
  const field = control.field;
  const describedBy = [hintId ?? '', messages.length > 0 ? `${control.id}-error` : ''].filter((s) => s !== '').join(' ');
  const lang = control.locale ?? DEFAULT_LOCALE;
  const attrs = html`id="${control.id}" name="${control.name}"${langAttrs(lang, t.locale)}${describedBy === '' ? '' : html` aria-describedby="${describedBy}"`}${messages.length > 0 ? html` aria-invalid="true"` : ''}`;
  const required = (field.localised !== true && field.optional !== true) || control.locale === DEFAULT_LOCALE;
  const input =
    field.type === 'line' || field.type === 'number'
      ? html`<input type="text" ${attrs} value="${value}"${field.type === 'number' ? html` inputmode="numeric"` : ''}${required ? html` required` : ''}>`
      : // The newline after the start tag is dropped by HTML parsers, so a value starting with one survives.
        html`<textarea ${attrs} rows="${field.rows ?? (field.type === 'markdown' ? 20 : 4)}"${field.type === 'yaml' || field.type === 'markdown' ? html` class="code" spellcheck="false"` : ''}${required ? html` required` : ''}>
${value}</textarea>`;
  return html`<div class="field${messages.length > 0 ? ' field-error' : ''}">
<label for="${control.id}">${controlLabel(t, control)}${required ? '' : html` <span class="meta">${t('content.edit.optional')}</span>`}</label>
${hint}
${errorLine(t, control.id, messages)}
${input}
</div>`;
}

function fieldHtml(t: Translator, field: EditableField, values: Readonly<Record<string, string>>, errors: readonly ControlError[]): SafeHtml {
  const controls = controlsOf(field);
  const hintId = field.hintKey === undefined ? undefined : `edit-${field.key}-hint`;
  const hint = field.hintKey === undefined ? '' : html`<p class="hint" id="${hintId}">${t(field.hintKey)}</p>`;
  if (field.type === 'choices' || field.type === 'choice') {
    const messages = controls.flatMap((c) => errorFor(errors, c.id));
    const errorId = `edit-${field.key}-error`;
    const describedBy = [hintId ?? '', messages.length > 0 ? errorId : ''].filter((s) => s !== '').join(' ');
    return html`<fieldset class="${messages.length > 0 ? 'field-error' : ''}"${describedBy === '' ? '' : html` aria-describedby="${describedBy}"`}>
<legend>${t(field.labelKey)}</legend>
${hint}
${messages.length === 0 ? '' : html`<p class="error-message" id="${errorId}">${messages.map((m, i) => html`${i > 0 ? ' ' : ''}${m}`)}</p>`}
<div class="choices">${controls.map(
      (c) =>
        field.type === 'choices'
          ? html`<label for="${c.id}"><input type="checkbox" id="${c.id}" name="${c.name}"${values[c.name] === undefined ? '' : html` checked`}>${controlLabel(t, c)}</label>`
          : html`<label for="${c.id}"><input type="radio" id="${c.id}" name="${c.name}" value="${c.value ?? ''}"${values[c.name] === c.value ? html` checked` : ''}>${controlLabel(t, c)}</label>`,
    )}</div>
</fieldset>`;
  }
  if (field.localised === true) {
    return html`<fieldset>
<legend>${t(field.labelKey)}</legend>
${hint}
${controls.map((c) => textControl(t, c, values[c.name] ?? '', errorFor(errors, c.id), hintId))}
</fieldset>`;
  }
  const [control] = controls;
  if (control === undefined) return html``;
  return textControl(t, control, values[control.name] ?? '', errorFor(errors, control.id), hintId, hint);
}

export interface EditFormInput {
  action: string;
  csrfField: SafeHtml;
  editing: KindEditing;
  values: Readonly<Record<string, string>>;
  base: string;
  summary: string;
  errors: readonly ControlError[];
}

/** The error summary of the edit form, for the top of the page (empty without errors). */
export function editErrorSummary(t: Translator, errors: readonly ControlError[]): SafeHtml | '' {
  return errorSummary(t, summaryErrors(t, errors));
}

export function editForm(t: Translator, input: EditFormInput): SafeHtml {
  const general = input.errors.filter((e) => e.control === undefined);
  const summaryHint = 'edit-change-summary-hint';
  return html`<form class="form form-wide" id="edit-form" method="post" action="${input.action}" novalidate>
${input.csrfField}
<input type="hidden" name="${BASE_FIELD}" value="${input.base}">
${general.length === 0 ? '' : html`<div class="notice warning"><p>${general.map((g, i) => html`${i > 0 ? ' ' : ''}${g.message}`)}</p></div>`}
${input.editing.fields.map((field) => fieldHtml(t, field, input.values, input.errors))}
<div class="field">
<label for="edit-change-summary">${t('content.edit.summary')} <span class="meta">${t('content.edit.optional')}</span></label>
<p class="hint" id="${summaryHint}">${t('content.edit.summaryHint')}</p>
<textarea id="edit-change-summary" name="${SUMMARY_FIELD}" rows="3" maxlength="500" aria-describedby="${summaryHint}">
${input.summary}</textarea>
</div>
<div class="actions"><button type="submit">${t('content.edit.propose')}</button></div>
</form>`;
}
