/**
 * Validation for the DC-BT glossary (content/glossary/<id>.yaml).
 * Run with: npx node --test content/glossary/glossary.test.ts
 *
 * Mirrors the schema documented in content/glossary/README.md. The hub validates the same
 * files with zod at start-up; this test catches editorial mistakes before a change lands.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const DIR = dirname(fileURLToPath(import.meta.url));

const LOCALES = ['en', 'fr', 'es', 'ar'] as const;
type Locale = (typeof LOCALES)[number];
type Localised = Partial<Record<Locale, string>>;

const TOPICS = new Set([
  'basics',
  'cryptography',
  'consensus',
  'networking',
  'governance',
  'dns',
  'data-protection',
  'law',
  'identity',
  'smart-contracts',
  'economics',
  'security',
]);

const REQUIRED_KEYS = ['id', 'term', 'topics', 'definition', 'technical', 'related', 'sources', 'reviewed'];
const OPTIONAL_KEYS = ['aliases'];
const SOURCE_KEYS = new Set(['title', 'publisher', 'year', 'url', 'locator']);

const MIN_TERMS = 150;
const MIN_FULLY_TRANSLATED = 60;
const DEFINITION_MIN = 100;
const DEFINITION_MAX = 700;
const TECHNICAL_MIN = 40;
const TECHNICAL_MAX = 700;
const CURRENT_YEAR = new Date().getUTCFullYear();

interface Source {
  title: unknown;
  publisher: unknown;
  year: unknown;
  url: unknown;
  locator?: unknown;
}

interface Entry {
  id: string;
  term: Localised;
  topics: string[];
  definition: Localised;
  technical: Localised;
  related: string[];
  aliases?: string[];
  sources: Source[];
  reviewed: unknown;
}

interface Loaded {
  file: string;
  raw: unknown;
}

function loadAll(): Loaded[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => ({ file, raw: parse(readFileSync(join(DIR, file), 'utf8')) as unknown }));
}

const loaded = loadAll();

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

function localesOf(value: Localised): Locale[] {
  return LOCALES.filter((l) => value[l] !== undefined);
}

const ARABIC = /[\u0600-\u06FF]/;
const LATIN = /[A-Za-z]/;

/** Entries that passed the structural checks; later tests build on them. */
const entries: Entry[] = [];

test('every glossary file parses and matches the schema', () => {
  assert.ok(loaded.length > 0, 'no glossary files found');
  for (const { file, raw } of loaded) {
    const where = `${file}:`;
    assert.ok(isRecord(raw), `${where} top level must be a mapping`);
    for (const key of REQUIRED_KEYS) assert.ok(key in raw, `${where} missing required field "${key}"`);
    for (const key of Object.keys(raw)) {
      assert.ok(REQUIRED_KEYS.includes(key) || OPTIONAL_KEYS.includes(key), `${where} unknown field "${key}"`);
    }

    assert.ok(isNonEmptyString(raw.id), `${where} id must be a string`);
    assert.match(raw.id, /^[a-z0-9]+(?:-[a-z0-9]+)*$/, `${where} id must be kebab-case ASCII`);
    assert.equal(`${raw.id}.yaml`, file, `${where} id must equal the file name`);

    for (const field of ['term', 'definition', 'technical'] as const) {
      const value = raw[field];
      assert.ok(isRecord(value), `${where} ${field} must be a mapping of locales`);
      for (const [locale, text] of Object.entries(value)) {
        assert.ok((LOCALES as readonly string[]).includes(locale), `${where} ${field} has unknown locale "${locale}"`);
        assert.ok(isNonEmptyString(text), `${where} ${field}.${locale} must be a non-empty string`);
      }
      assert.ok(isNonEmptyString(value.en), `${where} ${field}.en is required`);
    }

    assert.ok(Array.isArray(raw.topics) && raw.topics.length > 0, `${where} topics must be a non-empty list`);
    for (const topic of raw.topics) assert.ok(TOPICS.has(topic as string), `${where} unknown topic "${String(topic)}"`);
    assert.equal(new Set(raw.topics).size, raw.topics.length, `${where} duplicate topic`);

    assert.ok(Array.isArray(raw.related), `${where} related must be a list`);
    for (const id of raw.related) assert.ok(isNonEmptyString(id), `${where} related ids must be strings`);

    if (raw.aliases !== undefined) {
      assert.ok(Array.isArray(raw.aliases), `${where} aliases must be a list`);
      for (const alias of raw.aliases) assert.ok(isNonEmptyString(alias), `${where} aliases must be strings`);
    }

    assert.ok(Array.isArray(raw.sources) && raw.sources.length > 0, `${where} at least one source is required`);

    const reviewed = raw.reviewed instanceof Date ? raw.reviewed.toISOString().slice(0, 10) : raw.reviewed;
    assert.ok(typeof reviewed === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(reviewed), `${where} reviewed must be YYYY-MM-DD`);
    assert.ok(!Number.isNaN(Date.parse(reviewed)), `${where} reviewed is not a valid date`);

    entries.push(raw as unknown as Entry);
  }
});

test(`the glossary has at least ${MIN_TERMS} terms`, () => {
  assert.ok(entries.length >= MIN_TERMS, `only ${entries.length} terms`);
});

test('term and definition carry the same locales; technical note is in English', () => {
  for (const e of entries) {
    assert.deepEqual(localesOf(e.definition), localesOf(e.term), `${e.id}: term and definition locales differ`);
    assert.ok(isNonEmptyString(e.technical.en), `${e.id}: technical.en missing`);
  }
});

test(`at least ${MIN_FULLY_TRANSLATED} terms are available in English, French, Spanish and Arabic`, () => {
  const full = entries.filter((e) => LOCALES.every((l) => isNonEmptyString(e.term[l]) && isNonEmptyString(e.definition[l])));
  assert.ok(full.length >= MIN_FULLY_TRANSLATED, `only ${full.length} fully translated terms`);
});

test('definitions are a single paragraph of reasonable length', () => {
  for (const e of entries) {
    for (const locale of localesOf(e.definition)) {
      const text = e.definition[locale] ?? '';
      assert.ok(!/\n/.test(text.trim()), `${e.id}: definition.${locale} must be one paragraph (no line breaks)`);
      assert.ok(
        text.length >= DEFINITION_MIN && text.length <= DEFINITION_MAX,
        `${e.id}: definition.${locale} is ${text.length} characters (allowed ${DEFINITION_MIN}-${DEFINITION_MAX})`,
      );
    }
    const technical = e.technical.en ?? '';
    assert.ok(!/\n/.test(technical.trim()), `${e.id}: technical.en must be one paragraph`);
    assert.ok(
      technical.length >= TECHNICAL_MIN && technical.length <= TECHNICAL_MAX,
      `${e.id}: technical.en is ${technical.length} characters (allowed ${TECHNICAL_MIN}-${TECHNICAL_MAX})`,
    );
  }
});

test('text is written in the script its locale expects', () => {
  for (const e of entries) {
    for (const field of ['term', 'definition'] as const) {
      const ar = e[field].ar;
      if (ar !== undefined) assert.ok(ARABIC.test(ar), `${e.id}: ${field}.ar contains no Arabic script`);
      for (const locale of ['en', 'fr', 'es'] as const) {
        const text = e[field][locale];
        if (text !== undefined) {
          assert.ok(!ARABIC.test(text), `${e.id}: ${field}.${locale} contains Arabic script`);
          assert.ok(LATIN.test(text), `${e.id}: ${field}.${locale} contains no Latin letters`);
        }
      }
    }
  }
});

test('every related id exists, is not the entry itself and is listed once', () => {
  const ids = new Set(entries.map((e) => e.id));
  for (const e of entries) {
    assert.ok(e.related.length >= 1, `${e.id}: add at least one related term`);
    assert.ok(e.related.length <= 6, `${e.id}: keep related terms to a short list (at most 6)`);
    assert.equal(new Set(e.related).size, e.related.length, `${e.id}: duplicate related id`);
    for (const id of e.related) {
      assert.notEqual(id, e.id, `${e.id}: an entry cannot relate to itself`);
      assert.ok(ids.has(id), `${e.id}: related id "${id}" does not exist`);
    }
  }
});

test('every source has a title, publisher, year and an https URL', () => {
  for (const e of entries) {
    for (const [i, s] of e.sources.entries()) {
      const where = `${e.id}: sources[${i}]`;
      assert.ok(isRecord(s), `${where} must be a mapping`);
      for (const key of Object.keys(s)) assert.ok(SOURCE_KEYS.has(key), `${where} unknown field "${key}"`);
      assert.ok(isNonEmptyString(s.title), `${where} title missing`);
      assert.ok(isNonEmptyString(s.publisher), `${where} publisher missing`);
      assert.ok(
        Number.isInteger(s.year) && (s.year as number) >= 1900 && (s.year as number) <= CURRENT_YEAR,
        `${where} year must be an integer between 1900 and ${CURRENT_YEAR}`,
      );
      assert.ok(isNonEmptyString(s.url), `${where} url missing`);
      const url = new URL(s.url);
      assert.equal(url.protocol, 'https:', `${where} url must use https`);
      if (s.locator !== undefined) assert.ok(isNonEmptyString(s.locator), `${where} locator must be a non-empty string`);
    }
  }
});

test('no two entries share a term, and aliases do not shadow another term', () => {
  const normalise = (s: string): string => s.normalize('NFC').trim().toLocaleLowerCase();
  for (const locale of LOCALES) {
    const seen = new Map<string, string>();
    for (const e of entries) {
      const term = e.term[locale];
      if (term === undefined) continue;
      const key = normalise(term);
      assert.ok(!seen.has(key), `term.${locale} "${term}" is used by both ${seen.get(key)} and ${e.id}`);
      seen.set(key, e.id);
    }
  }
  const english = new Map(entries.map((e) => [normalise(e.term.en ?? ''), e.id]));
  for (const e of entries) {
    for (const alias of e.aliases ?? []) {
      const owner = english.get(normalise(alias));
      assert.ok(owner === undefined || owner === e.id, `${e.id}: alias "${alias}" is the term of ${owner}`);
    }
  }
});
