import type { Catalogue, Locale } from '../../i18n/index.ts';
import { ar } from './ar.ts';
import { en } from './en.ts';
import { es } from './es.ts';
import { fr } from './fr.ts';

/** The editing, review and history catalogues (keys "content.*"), added to the core's by createI18n. */
export const contentCatalogues: Readonly<Record<Locale, Catalogue>> = { en, fr, es, ar };
