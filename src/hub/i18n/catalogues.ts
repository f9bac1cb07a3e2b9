import type { Catalogue, Locale } from './index.ts';
import { en } from './en.ts';
import { fr } from './fr.ts';
import { es } from './es.ts';
import { ar } from './ar.ts';

/** The core catalogues of every supported locale. */
export const coreCatalogues: Readonly<Record<Locale, Catalogue>> = { en, fr, es, ar };
