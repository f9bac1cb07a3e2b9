import type { Catalogue, Locale } from '../../i18n/index.ts';
import { ar } from './ar.ts';
import { en } from './en.ts';
import { es } from './es.ts';
import { fr } from './fr.ts';

/** The accounts and e-mail catalogues (keys "account.*"), added to the core's by createI18n. */
export const accountCatalogues: Readonly<Record<Locale, Catalogue>> = { en, fr, es, ar };
