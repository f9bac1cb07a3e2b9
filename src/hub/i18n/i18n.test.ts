import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createI18n } from '../app.ts';
import { modules } from '../modules/index.ts';
import { I18n, LOCALES, negotiateLocale, pick } from './index.ts';

const i18n = createI18n(modules);

test('every locale has every English interface string (core and modules)', () => {
  const english = i18n.keys('en');
  for (const locale of LOCALES) {
    const missing = english.filter((key) => i18n.message(locale, key) === undefined);
    assert.deepEqual(missing, [], `${locale} is missing keys`);
    const extra = i18n.keys(locale).filter((key) => i18n.message('en', key) === undefined);
    assert.deepEqual(extra, [], `${locale} has keys English does not`);
  }
});

test('plural messages cover the categories each locale uses', () => {
  for (const locale of LOCALES) {
    const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
    for (const key of i18n.keys(locale)) {
      const message = i18n.message(locale, key);
      if (typeof message !== 'object' || message === undefined) continue;
      for (const category of categories) {
        if (category === 'many' && locale !== 'ar') continue; // fr/es "many" is for millions; "other" serves
        assert.ok(message[category] !== undefined, `${locale} ${key} lacks the "${category}" form`);
      }
    }
  }
});

test('plural rules pick the right form, and numbers are formatted for the locale', () => {
  const ar = i18n.translator('ar');
  assert.equal(ar.text('learn.glossary.count', { count: 1 }), 'مصطلح واحد');
  assert.equal(ar.text('learn.glossary.count', { count: 2 }), 'مصطلحان');
  assert.match(ar.text('learn.glossary.count', { count: 5 }), /مصطلحات$/);
  assert.match(ar.text('learn.glossary.count', { count: 11 }), /مصطلحًا$/);
  const fr = i18n.translator('fr');
  assert.equal(fr.text('learn.glossary.count', { count: 1 }), '1 terme');
  assert.equal(fr.text('learn.glossary.count', { count: 1500 }), `${new Intl.NumberFormat('fr').format(1500)} termes`);
  assert.equal(i18n.translator('en').text('core.search.results', { count: 1 }), '1 result');
});

test('a missing translation falls back to English, marked for assistive technology', () => {
  const partial = new I18n({ en: { 'core.inEnglish': '(in English)', 'x.hello': 'Hello' }, fr: { 'core.inEnglish': '(en anglais)' }, es: {}, ar: {} });
  const fr = partial.translator('fr');
  assert.equal(fr('x.hello').value, '<span lang="en" dir="ltr">Hello<span class="visually-hidden" lang="fr" dir="ltr"> (en anglais)</span></span>');
  assert.equal(fr.text('x.hello'), 'Hello');
  assert.equal(partial.translator('en')('x.hello').value, 'Hello');
  assert.equal(fr('x.<b>').value, 'x.&lt;b&gt;');
});

test('parameters are escaped in HTML output', () => {
  const t = i18n.translator('en');
  assert.ok(!t('core.search.titleWithQuery', { query: '<img src=x>' }).value.includes('<img'));
});

test('module keys must carry the module prefix and be unique', () => {
  const x = new I18n({ en: {}, fr: {}, es: {}, ar: {} });
  assert.throws(() => x.extend('learn', { en: { 'map.title': 'x' } }), /must start with "learn."/);
  x.extend('learn', { en: { 'learn.a': 'x' } });
  assert.throws(() => x.extend('learn', { en: { 'learn.a': 'y' } }), /defined twice/);
});

test('Accept-Language negotiation honours q-values and falls back to English', () => {
  assert.equal(negotiateLocale('fr-CH, fr;q=0.9, en;q=0.8'), 'fr');
  assert.equal(negotiateLocale('de, es;q=0.5, ar;q=0.7'), 'ar');
  assert.equal(negotiateLocale('de, ja'), 'en');
  assert.equal(negotiateLocale('es;q=0, fr;q=0.1'), 'fr');
  assert.equal(negotiateLocale(undefined), 'en');
  assert.equal(negotiateLocale('*'), 'en');
});

test('localised content picks the locale or marks the English fallback', () => {
  assert.deepEqual(pick({ en: 'Block', fr: 'Bloc' }, 'fr'), { text: 'Bloc', lang: 'fr', fallback: false });
  assert.deepEqual(pick({ en: 'Block' }, 'ar'), { text: 'Block', lang: 'en', fallback: true });
});
