/**
 * Validates the educational content under content/ (see content/README.md):
 *   - content/resources/*.yaml   curated resource records
 *   - content/explainers/*.md    explainer articles with YAML front matter
 *   - content/explainers/diagrams/*.svg  accessible diagrams used by explainers
 *
 * Run with: npx node --test content/content.test.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = dirname(fileURLToPath(import.meta.url));
const RESOURCES_DIR = join(ROOT, 'resources');
const EXPLAINERS_DIR = join(ROOT, 'explainers');
const DIAGRAMS_DIR = join(EXPLAINERS_DIR, 'diagrams');

const RESOURCE_TYPES = ['report', 'standard', 'course', 'tool', 'book', 'paper', 'guide', 'video', 'dataset', 'website'];
const LEVELS = ['introductory', 'intermediate', 'advanced'];
const TOPICS = ['basics', 'cryptography', 'consensus', 'networking', 'governance', 'dns', 'data-protection', 'law', 'identity', 'smart-contracts', 'economics', 'security', 'public-sector'];
const AUDIENCES = ['public', 'officials', 'technical', 'librarians', 'academics', 'civil-society'];
// ISO 639-1 two-letter codes (complete list).
const ISO_639_1 = new Set(('aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu').split(' '));

const MIN_RESOURCES = 80;
const MIN_EXPLAINERS = 12;
const MIN_WORDS = 700;
const MAX_WORDS = 1400;
const WORDS_PER_MINUTE = 200;
const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DIAGRAM_MARKER = /\{\{diagram:([^}]*)\}\}/g;

type Dict = Record<string, unknown>;

function listFiles(dir: string, ext: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith(ext)).sort();
}

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

function isValidDate(value: unknown): boolean {
  if (typeof value !== 'string' || !ISO_DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(value);
}

function checkHttpsUrl(value: unknown, where: string): void {
  assert.ok(nonEmptyString(value), `${where}: url must be a non-empty string`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    assert.fail(`${where}: url is not a valid URL: ${String(value)}`);
  }
  assert.equal(parsed.protocol, 'https:', `${where}: url must use https: ${value}`);
}

/** Splits a Markdown file into its YAML front matter and body. */
function splitFrontMatter(text: string, where: string): { data: Dict; body: string } {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  assert.ok(match, `${where}: missing YAML front matter delimited by --- lines`);
  const data: unknown = parse(match[1] ?? '');
  assert.ok(isDict(data), `${where}: front matter must be a mapping`);
  return { data, body: match[2] ?? '' };
}

/** Words of running text: diagram markers, Markdown punctuation and URLs are not counted. */
function countWords(body: string): number {
  const text = body
    .replace(DIAGRAM_MARKER, ' ')
    .replace(/\]\([^)]*\)/g, '] ')
    .replace(/https?:\/\/\S+/g, ' ');
  return text.split(/\s+/).filter((token) => /[\p{L}\p{N}]/u.test(token)).length;
}

// ---------------------------------------------------------------- resources

const resourceFiles = listFiles(RESOURCES_DIR, '.yaml');

test(`there are at least ${MIN_RESOURCES} resources`, () => {
  assert.ok(resourceFiles.length >= MIN_RESOURCES, `found ${resourceFiles.length} resource files`);
});

test('only .yaml files live in content/resources', () => {
  const others = existsSync(RESOURCES_DIR) ? readdirSync(RESOURCES_DIR).filter((f) => !f.endsWith('.yaml')) : [];
  assert.deepEqual(others, []);
});

const seenIds = new Map<string, string>();
const seenUrls = new Map<string, string>();

for (const file of resourceFiles) {
  test(`resource ${file} is valid`, () => {
    const where = `resources/${file}`;
    const data: unknown = parse(readFileSync(join(RESOURCES_DIR, file), 'utf8'));
    assert.ok(isDict(data), `${where}: must be a YAML mapping`);

    const required = ['id', 'title', 'type', 'level', 'language', 'publisher', 'year', 'url', 'topics', 'summary', 'reviewed'];
    for (const key of required) assert.ok(key in data, `${where}: missing field "${key}"`);
    const unknown = Object.keys(data).filter((k) => !required.includes(k));
    assert.deepEqual(unknown, [], `${where}: unknown fields`);

    const { id, title, type, level, language, publisher, year, url, topics, summary, reviewed } = data;
    assert.ok(nonEmptyString(id) && KEBAB.test(id), `${where}: id must be kebab-case ASCII`);
    assert.equal(id, basename(file, '.yaml'), `${where}: id must equal the file name`);
    assert.ok(nonEmptyString(title), `${where}: title required`);
    assert.ok(typeof type === 'string' && RESOURCE_TYPES.includes(type), `${where}: type "${String(type)}" not allowed`);
    assert.ok(typeof level === 'string' && LEVELS.includes(level), `${where}: level "${String(level)}" not allowed`);

    assert.ok(Array.isArray(language) && language.length > 0, `${where}: language must be a non-empty list`);
    for (const code of language) assert.ok(typeof code === 'string' && ISO_639_1.has(code), `${where}: "${String(code)}" is not an ISO 639-1 code`);
    assert.equal(new Set(language).size, language.length, `${where}: duplicate language codes`);

    assert.ok(nonEmptyString(publisher), `${where}: publisher required`);
    const thisYear = new Date().getUTCFullYear();
    assert.ok(Number.isInteger(year) && (year as number) >= 1900 && (year as number) <= thisYear + 1, `${where}: year must be an integer between 1900 and ${thisYear + 1}`);
    checkHttpsUrl(url, where);

    assert.ok(Array.isArray(topics) && topics.length > 0, `${where}: topics must be a non-empty list`);
    for (const t of topics) assert.ok(typeof t === 'string' && TOPICS.includes(t), `${where}: topic "${String(t)}" not allowed`);
    assert.equal(new Set(topics).size, topics.length, `${where}: duplicate topics`);

    assert.ok(nonEmptyString(summary), `${where}: summary required`);
    assert.ok(summary.length <= 320, `${where}: summary should be one sentence (≤ 320 characters)`);
    assert.ok(isValidDate(reviewed), `${where}: reviewed must be an ISO date (YYYY-MM-DD)`);

    const previousId = seenIds.get(id);
    assert.equal(previousId, undefined, `${where}: duplicate id also in ${previousId}`);
    seenIds.set(id, file);
    const normalisedUrl = (url as string).replace(/\/$/, '').toLowerCase();
    const previousUrl = seenUrls.get(normalisedUrl);
    assert.equal(previousUrl, undefined, `${where}: duplicate url also in ${previousUrl}`);
    seenUrls.set(normalisedUrl, file);
  });
}

// ---------------------------------------------------------------- diagrams

const diagramFiles = listFiles(DIAGRAMS_DIR, '.svg');

for (const file of diagramFiles) {
  test(`diagram ${file} is accessible`, () => {
    const where = `explainers/diagrams/${file}`;
    const svg = readFileSync(join(DIAGRAMS_DIR, file), 'utf8');
    const root = /<svg\b[^>]*>/.exec(svg)?.[0];
    assert.ok(root, `${where}: no <svg> root element`);
    assert.match(root, /\brole="img"/, `${where}: root <svg> needs role="img"`);
    assert.match(root, /\bviewBox="[^"]+"/, `${where}: root <svg> needs a viewBox`);
    const width = /\bwidth="([^"]*)"/.exec(root)?.[1];
    assert.ok(width === undefined || width === '100%', `${where}: no fixed pixel width (use width="100%" or none)`);
    assert.doesNotMatch(root, /\bheight="\d+(px)?"/, `${where}: no fixed pixel height`);

    const title = /<title\b[^>]*>([\s\S]*?)<\/title>/.exec(svg);
    const desc = /<desc\b[^>]*>([\s\S]*?)<\/desc>/.exec(svg);
    assert.ok(title && (title[1] ?? '').trim().length > 0, `${where}: needs a non-empty <title>`);
    assert.ok(desc && (desc[1] ?? '').trim().length >= 80, `${where}: needs a <desc> giving a full text alternative`);
    assert.ok(svg.indexOf('<title') < svg.indexOf('<desc'), `${where}: <title> should come before <desc>`);

    for (const m of svg.matchAll(/font-size[=:]\s*"?([\d.]+)/g)) {
      assert.ok(Number(m[1]) >= 14, `${where}: font-size ${m[1]} is below 14`);
    }
    assert.doesNotMatch(svg, /<script\b/i, `${where}: no scripts in diagrams`);
    assert.doesNotMatch(svg, /<(image|foreignObject)\b/i, `${where}: no embedded images or HTML`);
  });
}

// ---------------------------------------------------------------- explainers

const explainerFiles = listFiles(EXPLAINERS_DIR, '.md');

test(`there are at least ${MIN_EXPLAINERS} explainers`, () => {
  assert.ok(explainerFiles.length >= MIN_EXPLAINERS, `found ${explainerFiles.length} explainers`);
});

const explainerIds = new Set<string>();

for (const file of explainerFiles) {
  test(`explainer ${file} is valid`, () => {
    const where = `explainers/${file}`;
    const { data, body } = splitFrontMatter(readFileSync(join(EXPLAINERS_DIR, file), 'utf8'), where);

    const required = ['id', 'title', 'summary', 'level', 'audience', 'topics', 'readingMinutes', 'sources', 'diagrams', 'reviewed'];
    for (const key of required) assert.ok(key in data, `${where}: missing front matter field "${key}"`);
    const unknown = Object.keys(data).filter((k) => !required.includes(k));
    assert.deepEqual(unknown, [], `${where}: unknown front matter fields`);

    const { id, title, summary, level, audience, topics, readingMinutes, sources, diagrams, reviewed } = data;
    assert.ok(nonEmptyString(id) && KEBAB.test(id), `${where}: id must be kebab-case ASCII`);
    assert.equal(id, basename(file, '.md'), `${where}: id must equal the file name`);
    assert.ok(!explainerIds.has(id), `${where}: duplicate explainer id`);
    explainerIds.add(id);
    assert.ok(nonEmptyString(title), `${where}: title required`);
    assert.ok(nonEmptyString(summary), `${where}: summary required`);
    assert.ok(typeof level === 'string' && LEVELS.includes(level), `${where}: level not allowed`);
    assert.ok(Array.isArray(audience) && audience.length > 0, `${where}: audience must be a non-empty list`);
    for (const a of audience) assert.ok(typeof a === 'string' && AUDIENCES.includes(a), `${where}: audience "${String(a)}" not allowed`);
    assert.ok(Array.isArray(topics) && topics.length > 0, `${where}: topics must be a non-empty list`);
    for (const t of topics) assert.ok(typeof t === 'string' && TOPICS.includes(t), `${where}: topic "${String(t)}" not allowed`);
    assert.ok(isValidDate(reviewed), `${where}: reviewed must be an ISO date`);

    // Sources: at least one, each with title, publisher, year and an https url.
    assert.ok(Array.isArray(sources) && sources.length >= 1, `${where}: at least one source is required`);
    sources.forEach((s: unknown, i: number) => {
      const sw = `${where}: sources[${i}]`;
      assert.ok(isDict(s), `${sw} must be a mapping`);
      assert.ok(nonEmptyString(s.title), `${sw}: title required`);
      assert.ok(nonEmptyString(s.publisher), `${sw}: publisher required`);
      assert.ok(Number.isInteger(s.year), `${sw}: year must be an integer`);
      checkHttpsUrl(s.url, sw);
    });

    // Inline citations [n] must point at existing sources, and every source must be cited.
    const cited = new Set<number>();
    for (const m of body.matchAll(/\[(\d+)\](?!\()/g)) cited.add(Number(m[1]));
    for (const n of cited) assert.ok(n >= 1 && n <= sources.length, `${where}: citation [${n}] has no matching source`);
    for (let n = 1; n <= sources.length; n++) assert.ok(cited.has(n), `${where}: source ${n} is never cited in the text`);

    // Body: length, reading time, headings, no raw HTML.
    const words = countWords(body);
    assert.ok(words >= MIN_WORDS && words <= MAX_WORDS, `${where}: body has ${words} words (allowed ${MIN_WORDS}–${MAX_WORDS})`);
    assert.ok(Number.isInteger(readingMinutes), `${where}: readingMinutes must be an integer`);
    const expected = Math.ceil(words / WORDS_PER_MINUTE);
    assert.ok(Math.abs((readingMinutes as number) - expected) <= 2, `${where}: readingMinutes ${String(readingMinutes)} but ${words} words suggest ${expected}`);
    assert.match(body, /^## \S/m, `${where}: body should be structured with ## headings`);
    assert.doesNotMatch(body, /^# /m, `${where}: the title comes from front matter; do not use a level-1 heading`);
    assert.doesNotMatch(body.replace(DIAGRAM_MARKER, ''), /<\/?[a-zA-Z][^>]*>/, `${where}: raw HTML is not allowed in the body`);

    // Diagrams: every marker has a file and is declared; every declared diagram is used.
    assert.ok(Array.isArray(diagrams), `${where}: diagrams must be a list (may be empty)`);
    const declared = new Set(diagrams.map(String));
    const used = new Set<string>();
    for (const line of body.split('\n')) {
      const markers = [...line.matchAll(DIAGRAM_MARKER)];
      if (markers.length === 0) continue;
      assert.ok(markers.length === 1 && line.trim() === markers[0]?.[0], `${where}: a diagram marker must stand alone on its line: "${line.trim()}"`);
      const name = markers[0]?.[1] ?? '';
      assert.ok(KEBAB.test(name), `${where}: diagram id "${name}" must be kebab-case`);
      assert.ok(existsSync(join(DIAGRAMS_DIR, `${name}.svg`)), `${where}: diagram ${name}.svg does not exist`);
      assert.ok(declared.has(name), `${where}: diagram "${name}" is used but not listed in front matter diagrams`);
      used.add(name);
    }
    for (const d of declared) assert.ok(used.has(d), `${where}: diagram "${d}" is listed but never placed in the text`);
  });
}

test('every diagram file is used by at least one explainer', () => {
  const used = new Set<string>();
  for (const file of explainerFiles) {
    for (const m of readFileSync(join(EXPLAINERS_DIR, file), 'utf8').matchAll(DIAGRAM_MARKER)) used.add(m[1] ?? '');
  }
  const orphans = diagramFiles.map((f) => basename(f, '.svg')).filter((d) => !used.has(d));
  assert.deepEqual(orphans, [], 'unused diagram files');
});
