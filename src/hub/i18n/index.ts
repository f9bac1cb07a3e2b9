/**
 * Message catalogues, plural rules and locale negotiation.
 *
 * A catalogue maps keys to messages. A message is a string with `{name}` placeholders, or a
 * plural message: an object keyed by the CLDR plural categories of the locale (`zero`, `one`,
 * `two`, `few`, `many`, `other`), chosen with `Intl.PluralRules` from the `count` parameter.
 * A key missing from a locale falls back to English, and the English text is marked with
 * `lang="en"` and a visually hidden "(in English)" note in the reader's language.
 */
import { html, type SafeHtml } from '../html.ts';

export const LOCALES = ['en', 'fr', 'es', 'ar'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

export type PluralMessage = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };
export type Message = string | PluralMessage;
export type Catalogue = Readonly<Record<string, Message>>;
export type Params = Readonly<Record<string, string | number>>;

export interface LocaleInfo {
  code: Locale;
  /** The language's name in itself, for the language switcher. */
  autonym: string;
  dir: 'ltr' | 'rtl';
}

export const LOCALE_INFO: Readonly<Record<Locale, LocaleInfo>> = {
  en: { code: 'en', autonym: 'English', dir: 'ltr' },
  fr: { code: 'fr', autonym: 'Français', dir: 'ltr' },
  es: { code: 'es', autonym: 'Español', dir: 'ltr' },
  ar: { code: 'ar', autonym: 'العربية', dir: 'rtl' },
};

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** Picks the best supported locale from an Accept-Language header (RFC 9110 q-values). */
export function negotiateLocale(header: string | undefined): Locale {
  if (header === undefined || header === '') return DEFAULT_LOCALE;
  const ranges = header
    .split(',')
    .slice(0, 32)
    .map((part, index) => {
      const [tag = '', ...rest] = part.trim().split(';');
      const q = rest.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((r) => r.tag !== '' && Number.isFinite(r.q) && r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranges) {
    const primary = tag.split('-')[0];
    if (isLocale(primary)) return primary;
  }
  return DEFAULT_LOCALE;
}

export interface Translator {
  readonly locale: Locale;
  readonly dir: 'ltr' | 'rtl';
  /** Translated text as escaped HTML; an English fallback is marked. */
  (key: string, params?: Params): SafeHtml;
  /** Translated plain text (for attributes and titles); an English fallback is not marked. */
  text(key: string, params?: Params): string;
  /** True when the key exists in this locale's catalogue (no fallback needed). */
  has(key: string): boolean;
  number(value: number): string;
  /** Formats an ISO date (YYYY-MM-DD) as a long date in the locale. */
  date(iso: string): string;
  /** Compares strings in the locale's collation order. */
  compare(a: string, b: string): number;
}

export class I18n {
  readonly locales: readonly Locale[] = LOCALES;
  readonly #catalogues = new Map<Locale, Map<string, Message>>();
  readonly #translators = new Map<Locale, Translator>();

  constructor(catalogues: Readonly<Record<Locale, Catalogue>>) {
    for (const locale of LOCALES) this.#catalogues.set(locale, new Map(Object.entries(catalogues[locale])));
  }

  /** Adds a module's messages. Keys must start with `<prefix>.` and must not already exist. */
  extend(prefix: string, catalogues: Readonly<Partial<Record<Locale, Catalogue>>>): void {
    for (const locale of LOCALES) {
      const target = this.#catalogues.get(locale);
      for (const [key, message] of Object.entries(catalogues[locale] ?? {})) {
        if (!key.startsWith(`${prefix}.`)) throw new Error(`i18n: key "${key}" of module "${prefix}" must start with "${prefix}."`);
        if (target?.has(key)) throw new Error(`i18n: key "${key}" is defined twice`);
        target?.set(key, message);
      }
    }
    this.#translators.clear();
  }

  keys(locale: Locale): string[] {
    return [...(this.#catalogues.get(locale)?.keys() ?? [])];
  }

  message(locale: Locale, key: string): Message | undefined {
    return this.#catalogues.get(locale)?.get(key);
  }

  translator(locale: Locale): Translator {
    const cached = this.#translators.get(locale);
    if (cached !== undefined) return cached;
    const made = this.#make(locale);
    this.#translators.set(locale, made);
    return made;
  }

  #make(locale: Locale): Translator {
    const plural = new Intl.PluralRules(locale);
    const englishPlural = new Intl.PluralRules(DEFAULT_LOCALE);
    const numbers = new Intl.NumberFormat(locale);
    const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
    const collator = new Intl.Collator(locale, { sensitivity: 'base', numeric: true });
    const own = this.#catalogues.get(locale) ?? new Map<string, Message>();
    const english = this.#catalogues.get(DEFAULT_LOCALE) ?? new Map<string, Message>();

    const format = (message: Message, params: Params | undefined, rules: Intl.PluralRules): string => {
      let text: string;
      if (typeof message === 'string') {
        text = message;
      } else {
        const count = Number(params?.count ?? 0);
        text = message[rules.select(count)] ?? message.other;
      }
      return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
        const value = params?.[name];
        if (value === undefined) return whole;
        return typeof value === 'number' ? numbers.format(value) : value;
      });
    };

    const lookup = (key: string, params?: Params): { text: string; fallback: boolean } => {
      const mine = own.get(key);
      if (mine !== undefined) return { text: format(mine, params, plural), fallback: false };
      const en = english.get(key);
      if (en !== undefined) return { text: format(en, params, englishPlural), fallback: locale !== DEFAULT_LOCALE };
      return { text: key, fallback: false };
    };

    const fallbackNote = (): string => {
      const note = own.get('core.inEnglish') ?? english.get('core.inEnglish') ?? '(in English)';
      return typeof note === 'string' ? note : note.other;
    };

    const t = ((key: string, params?: Params): SafeHtml => {
      const { text, fallback } = lookup(key, params);
      return fallback ? markEnglish(text, locale, fallbackNote()) : html`${text}`;
    }) as Translator;
    Object.assign(t, {
      locale,
      dir: LOCALE_INFO[locale].dir,
      text: (key: string, params?: Params) => lookup(key, params).text,
      has: (key: string) => own.has(key),
      number: (value: number) => numbers.format(value),
      date: (iso: string) => {
        const parsed = new Date(`${iso}T00:00:00Z`);
        return Number.isNaN(parsed.getTime()) ? iso : dates.format(parsed);
      },
      compare: (a: string, b: string) => collator.compare(a, b),
    });
    return t;
  }
}

const RTL_LANGUAGES = new Set(['ar', 'arc', 'dv', 'fa', 'he', 'ks', 'ku', 'ps', 'sd', 'ug', 'ur', 'yi']);

/** Writing direction of a language code. */
export function directionOf(lang: string): 'ltr' | 'rtl' {
  return RTL_LANGUAGES.has(lang.split('-')[0] ?? lang) ? 'rtl' : 'ltr';
}

/**
 * ` lang="…" dir="…"` for text in another language than the page, or nothing. The dir
 * attribute also isolates the text for the bidi algorithm (English inside Arabic and back).
 */
export function langAttrs(lang: string, pageLocale: Locale): SafeHtml {
  return lang === pageLocale ? html`` : html` lang="${lang}" dir="${directionOf(lang)}"`;
}

/** English text shown in another locale: `lang="en"` plus a hidden note in the reader's language. */
export function markEnglish(text: string | SafeHtml, locale: Locale, note: string): SafeHtml {
  if (locale === DEFAULT_LOCALE) return html`${text}`;
  return html`<span${langAttrs('en', locale)}>${text}<span class="visually-hidden"${langAttrs(locale, 'en')}> ${note}</span></span>`;
}

/** Text in several languages, English required (the shape used by the content files). */
export type Localised = Readonly<Partial<Record<Locale, string>>> & { readonly en: string };

export interface Picked {
  text: string;
  lang: Locale;
  fallback: boolean;
}

/** Picks the reader's locale from localised content, falling back to English. */
export function pick(value: Localised, locale: Locale): Picked {
  const own = value[locale];
  if (own !== undefined && own !== '') return { text: own, lang: locale, fallback: false };
  return { text: value.en, lang: DEFAULT_LOCALE, fallback: locale !== DEFAULT_LOCALE };
}

/** Renders picked content, marking an English fallback. */
export function renderPicked(t: Translator, picked: Picked): SafeHtml {
  return picked.fallback ? markEnglish(picked.text, t.locale, t.text('core.inEnglish')) : html`${picked.text}`;
}

