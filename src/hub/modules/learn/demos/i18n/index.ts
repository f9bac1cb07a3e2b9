/** The demos' catalogues, merged into the Learn module's by its manifest. */
import type { Catalogue, Locale } from '../../../../i18n/index.ts';
import { ar } from './ar.ts';
import { en } from './en.ts';
import { es } from './es.ts';
import { fr } from './fr.ts';

export const demoCatalogues: Readonly<Record<Locale, Catalogue>> = { en, fr, es, ar };

/** A message as plain text (the "other" form of a plural), or undefined when the locale lacks it. */
export function demoMessage(locale: Locale, key: string): string | undefined {
  const message = demoCatalogues[locale][key];
  return message === undefined ? undefined : typeof message === 'string' ? message : message.other;
}
