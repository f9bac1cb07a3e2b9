/** Helpers shared by the Learn module's pages. */
import { html, type SafeHtml } from '../../html.ts';
import { pick, renderPicked, type Localised, type Translator } from '../../i18n/index.ts';
import type { Source } from './content.ts';

export function localisedText(t: Translator, value: Localised): SafeHtml {
  return renderPicked(t, pick(value, t.locale));
}

/** English content in a page of another locale: lang="en" and the hidden note. */
export function englishText(t: Translator, text: string): SafeHtml {
  return renderPicked(t, { text, lang: 'en', fallback: t.locale !== 'en' });
}

export function reviewed(t: Translator, labelKey: string, iso: string): SafeHtml {
  return html`<p class="meta">${t(labelKey)}: <time datetime="${iso}">${t.date(iso)}</time></p>`;
}

export function sourcesList(sources: readonly Source[], idPrefix?: string): SafeHtml {
  return html`<ol class="sources">${sources.map(
    (s, i) => html`<li${idPrefix === undefined ? '' : html` id="${idPrefix}${i + 1}"`}><a href="${s.url}">${s.title}</a>, ${s.publisher}, ${s.year}${s.locator === undefined ? '' : html`, ${s.locator}`}</li>`,
  )}</ol>`;
}

export function languageName(t: Translator, code: string): string {
  try {
    return new Intl.DisplayNames(t.locale, { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

export function attachment(filename: string): string {
  return `attachment; filename="${filename}"`;
}
