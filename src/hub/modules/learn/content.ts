/**
 * The Learn module's content kinds: glossary terms, resources, explainers and their diagrams.
 * The schemas mirror content/README.md and content/glossary/glossary.test.ts; editorial rules
 * that do not affect rendering (word counts, definition lengths) stay in those tests.
 */
import { z } from 'zod';
import type { EditableField, KindEditing } from '../../content/editing.ts';
import type { ContentCheckResult, ContentIssue, ContentKind, ContentStore } from '../../content/index.ts';

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const CURRENT_YEAR = new Date().getUTCFullYear();

export const GLOSSARY_TOPICS = [
  'basics', 'cryptography', 'consensus', 'networking', 'governance', 'dns', 'data-protection', 'law', 'identity',
  'smart-contracts', 'economics', 'security',
] as const;
export const TOPICS = [...GLOSSARY_TOPICS, 'public-sector'] as const;
export const RESOURCE_TYPES = ['report', 'standard', 'course', 'tool', 'book', 'paper', 'guide', 'video', 'dataset', 'website'] as const;
export const LEVELS = ['introductory', 'intermediate', 'advanced'] as const;
export const AUDIENCES = ['public', 'officials', 'technical', 'librarians', 'academics', 'civil-society'] as const;
export type Topic = (typeof TOPICS)[number];

// ISO 639-1 two-letter codes.
export const ISO_639_1 = new Set(
  ('aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu').split(' '),
);

const id = z.string().regex(KEBAB, 'must be kebab-case ASCII (a-z, 0-9, single hyphens)');
const text = z.string().trim().min(1, 'must not be empty');
const isoDate = z
  .string('must be a date written YYYY-MM-DD')
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD')
  .refine((v) => new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), 'is not a real date');
const httpsUrl = z.string().refine((v) => {
  try {
    return new URL(v).protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an https URL');
const year = z.number().int().min(1900).max(CURRENT_YEAR + 1);
function uniqueList<T extends z.ZodType>(item: T, what: string) {
  return z
    .array(item)
    .min(1, `list at least one ${what}`)
    .refine((list) => new Set(list).size === list.length, `has a duplicate ${what}`);
}

const localised = z.strictObject({ en: text, fr: text.optional(), es: text.optional(), ar: text.optional() });

export const sourceSchema = z.strictObject({
  title: text,
  publisher: text,
  year,
  url: httpsUrl,
  locator: text.optional(),
});
export type Source = z.infer<typeof sourceSchema>;

export const glossarySchema = z.strictObject({
  id,
  term: localised,
  topics: uniqueList(z.enum(GLOSSARY_TOPICS), 'topic'),
  definition: localised,
  technical: localised,
  related: z.array(id),
  aliases: z.array(text).optional(),
  sources: z.array(sourceSchema).min(1, 'at least one source is required'),
  reviewed: isoDate,
});
export type GlossaryTerm = z.infer<typeof glossarySchema>;

export const resourceSchema = z.strictObject({
  id,
  title: text,
  type: z.enum(RESOURCE_TYPES),
  level: z.enum(LEVELS),
  language: uniqueList(z.string().refine((code) => ISO_639_1.has(code), 'must be an ISO 639-1 code'), 'language'),
  publisher: text,
  year,
  url: httpsUrl,
  topics: uniqueList(z.enum(TOPICS), 'topic'),
  summary: text.max(320, 'must be one sentence of at most 320 characters'),
  reviewed: isoDate,
});
export type Resource = z.infer<typeof resourceSchema>;

export const explainerSchema = z.strictObject({
  id,
  title: text,
  summary: text,
  level: z.enum(LEVELS),
  audience: uniqueList(z.enum(AUDIENCES), 'audience'),
  topics: uniqueList(z.enum(TOPICS), 'topic'),
  readingMinutes: z.number().int().min(1).max(60),
  sources: z.array(sourceSchema).min(1, 'at least one source is required'),
  diagrams: z.array(id),
  reviewed: isoDate,
  body: z.string().refine((b) => !/^# /m.test(b), 'must not contain a level-1 heading (the title comes from the front matter)'),
});
export type Explainer = z.infer<typeof explainerSchema>;

/** A diagram ready to inline: the standalone-only <style> and XML prolog removed. */
export interface Diagram {
  id: string;
  title: string;
  desc: string;
  svg: string;
}

function decodeEntities(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&');
}

export const diagramSchema = z
  .object({ id, text: z.string() })
  .superRefine(({ text: svg }, ctx) => {
    const fail = (message: string): void => ctx.addIssue({ code: 'custom', path: ['svg'], message });
    const root = /<svg\b[^>]*>/.exec(svg)?.[0];
    if (root === undefined) return fail('no <svg> root element');
    if (!/\brole="img"/.test(root)) fail('the <svg> root needs role="img"');
    if (!/\bviewBox="[^"]+"/.test(root)) fail('the <svg> root needs a viewBox');
    if (!/\baria-labelledby="[^"]+"/.test(root)) fail('the <svg> root needs aria-labelledby pointing at its <title> and <desc>');
    if (!/<title\b[^>]*>[^<]*\S[^<]*<\/title>/.test(svg)) fail('needs a non-empty <title>');
    if (!/<desc\b[^>]*>[^<]*\S[^<]*<\/desc>/.test(svg)) fail('needs a <desc> with a text alternative');
    if (/<script\b/i.test(svg)) fail('must not contain scripts');
    if (/<(image|foreignObject|iframe|embed|object)\b/i.test(svg)) fail('must not embed images or HTML');
    if (/\son[a-z]+\s*=/i.test(svg)) fail('must not contain event-handler attributes');
    if (/\b(?:xlink:)?href\s*=\s*"(?!#)/i.test(svg)) fail('links may only point inside the diagram (#id)');
    if (/\bstyle\s*=/i.test(svg)) fail('must not use style attributes (use presentation attributes)');
    if (/<!ENTITY|<!DOCTYPE/i.test(svg)) fail('must not declare a DOCTYPE or entities');
  })
  .transform(({ id: diagramId, text: svg }): Diagram => {
    const title = decodeEntities(/<title\b[^>]*>([^<]*)<\/title>/.exec(svg)?.[1]?.trim() ?? '');
    const desc = decodeEntities(/<desc\b[^>]*>([^<]*)<\/desc>/.exec(svg)?.[1]?.trim() ?? '');
    const inline = svg
      .replace(/<\?xml[^>]*\?>\s*/g, '')
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/<style\b[^>]*>[\s\S]*?<\/style>\s*/g, '')
      .trim();
    return { id: diagramId, title, desc, svg: inline };
  });

/**
 * Web editing (content/editing.ts): which fields the edit forms show, and the schema's and
 * cross-checks' English messages as catalogue keys so that errors read in the editor's language.
 * Editors propose (learn.edit), reviewers publish (learn.review); publishing sets `reviewed`.
 */
const EDIT_PERMISSIONS = { editPermission: 'learn.edit', reviewPermission: 'learn.review' } as const;
const ERROR_KEYS: Readonly<Record<string, string>> = {
  'must be kebab-case ASCII (a-z, 0-9, single hyphens)': 'learn.edit.error.kebab',
  'must be a date written YYYY-MM-DD': 'learn.edit.error.date',
  'is not a real date': 'learn.edit.error.realDate',
  'must be an https URL': 'learn.edit.error.https',
  'must be an ISO 639-1 code': 'learn.edit.error.language',
  'must not contain a level-1 heading (the title comes from the front matter)': 'learn.edit.error.heading1',
  'a term cannot relate to itself': 'learn.edit.error.selfRelated',
  'has a duplicate topic': 'learn.edit.error.duplicate',
  'has a duplicate language': 'learn.edit.error.duplicate',
  'has a duplicate audience': 'learn.edit.error.duplicate',
};
const ERROR_PATTERNS: readonly { pattern: RegExp; key: string }[] = [
  { pattern: /^term "(?<id>[^"]*)" does not exist/, key: 'learn.edit.error.unknownTerm' },
  { pattern: /^diagram "(?<name>[^"]*)" has no file/, key: 'learn.edit.error.noDiagram' },
  { pattern: /^diagram "(?<name>[^"]*)" is placed in the text but not listed/, key: 'learn.edit.error.diagramNotListed' },
  { pattern: /^diagram "(?<name>[^"]*)" is listed but never placed/, key: 'learn.edit.error.diagramNotPlaced' },
  { pattern: /^a diagram marker must stand alone on its line/, key: 'learn.edit.error.markerAlone' },
  { pattern: /^citation \[(?<n>\d+)\] has no matching source/, key: 'learn.edit.error.citation' },
];
const sourcesField: EditableField = { key: 'sources', type: 'yaml', labelKey: 'learn.glossary.sources', hintKey: 'learn.edit.hint.sources', rows: 12 };
const learnEditing = { ...EDIT_PERMISSIONS, reviewedKey: 'reviewed', errorKeys: ERROR_KEYS, errorPatterns: ERROR_PATTERNS } as const;

const glossaryEditing: KindEditing = {
  ...learnEditing,
  path: '/learn/glossary',
  itemPath: (termId) => `/learn/glossary/${termId}`,
  kindKey: 'learn.edit.kind.glossary',
  titleKey: 'term',
  fields: [
    { key: 'term', type: 'line', localised: true, labelKey: 'learn.edit.field.term', hintKey: 'learn.edit.hint.term' },
    { key: 'definition', type: 'text', localised: true, labelKey: 'learn.glossary.definition', hintKey: 'learn.edit.hint.definition', rows: 6 },
    { key: 'technical', type: 'text', localised: true, labelKey: 'learn.glossary.technical', hintKey: 'learn.edit.hint.technical', rows: 4 },
    { key: 'topics', type: 'choices', choices: GLOSSARY_TOPICS, choiceKeyPrefix: 'learn.topic.', labelKey: 'learn.glossary.topics' },
    { key: 'aliases', type: 'lines', optional: true, labelKey: 'learn.glossary.aliases', hintKey: 'learn.edit.hint.aliases', rows: 3 },
    { key: 'related', type: 'lines', labelKey: 'learn.glossary.related', hintKey: 'learn.edit.hint.related', rows: 5 },
    sourcesField,
  ],
};

const explainerEditing: KindEditing = {
  ...learnEditing,
  path: '/learn/explainers',
  itemPath: (explainerId) => `/learn/explainers/${explainerId}`,
  kindKey: 'learn.edit.kind.explainer',
  titleKey: 'title',
  fields: [
    { key: 'title', type: 'line', labelKey: 'learn.edit.field.title' },
    { key: 'summary', type: 'text', labelKey: 'learn.edit.field.summary', rows: 3 },
    { key: 'level', type: 'choice', choices: LEVELS, choiceKeyPrefix: 'learn.level.', labelKey: 'learn.explainers.level' },
    { key: 'audience', type: 'choices', choices: AUDIENCES, choiceKeyPrefix: 'learn.audience.', labelKey: 'learn.explainers.audience' },
    { key: 'topics', type: 'choices', choices: TOPICS, choiceKeyPrefix: 'learn.topic.', labelKey: 'learn.explainers.topics' },
    { key: 'readingMinutes', type: 'number', labelKey: 'learn.edit.field.readingMinutes', hintKey: 'learn.edit.hint.readingMinutes' },
    { key: 'body', type: 'markdown', labelKey: 'learn.edit.field.body', hintKey: 'learn.edit.hint.body', rows: 24 },
    { ...sourcesField, labelKey: 'learn.explainers.sources' },
    { key: 'diagrams', type: 'lines', labelKey: 'learn.edit.field.diagrams', hintKey: 'learn.edit.hint.diagrams', rows: 3 },
  ],
};

const resourceEditing: KindEditing = {
  ...learnEditing,
  path: '/learn/resources',
  kindKey: 'learn.edit.kind.resource',
  titleKey: 'title',
  fields: [
    { key: 'title', type: 'line', labelKey: 'learn.edit.field.title' },
    { key: 'type', type: 'choice', choices: RESOURCE_TYPES, choiceKeyPrefix: 'learn.type.', labelKey: 'learn.resources.type' },
    { key: 'level', type: 'choice', choices: LEVELS, choiceKeyPrefix: 'learn.level.', labelKey: 'learn.resources.level' },
    { key: 'language', type: 'lines', labelKey: 'learn.resources.language', hintKey: 'learn.edit.hint.languages', rows: 3 },
    { key: 'publisher', type: 'line', labelKey: 'learn.edit.field.publisher' },
    { key: 'year', type: 'number', labelKey: 'learn.edit.field.year' },
    { key: 'url', type: 'line', labelKey: 'learn.edit.field.url', hintKey: 'learn.edit.hint.url' },
    { key: 'topics', type: 'choices', choices: TOPICS, choiceKeyPrefix: 'learn.topic.', labelKey: 'learn.resources.topic' },
    { key: 'summary', type: 'text', labelKey: 'learn.edit.field.summary', hintKey: 'learn.edit.hint.resourceSummary', rows: 3 },
  ],
};

export const glossaryKind: ContentKind<GlossaryTerm> = { id: 'learn.glossary', dir: 'glossary', ext: '.yaml', format: 'yaml', schema: glossarySchema, editing: glossaryEditing };
export const resourceKind: ContentKind<Resource> = { id: 'learn.resources', dir: 'resources', ext: '.yaml', format: 'yaml', schema: resourceSchema, editing: resourceEditing };
export const explainerKind: ContentKind<Explainer> = { id: 'learn.explainers', dir: 'explainers', ext: '.md', format: 'markdown', schema: explainerSchema, editing: explainerEditing };
export const diagramKind: ContentKind<Diagram> = { id: 'learn.diagrams', dir: 'explainers/diagrams', ext: '.svg', format: 'text', schema: diagramSchema };

const DIAGRAM_MARKER = /\{\{diagram:([^}]*)\}\}/g;

/** Cross-file checks: broken links between files. */
export function checkLearnContent(store: ContentStore): ContentCheckResult {
  const errors: ContentIssue[] = [];
  const warnings: ContentIssue[] = [];
  const terms = new Set(store.items(glossaryKind).map((t) => t.id));
  for (const term of store.items(glossaryKind)) {
    for (const [i, related] of term.related.entries()) {
      if (related === term.id) errors.push({ file: `glossary/${term.id}.yaml`, field: `related[${i}]`, reason: 'a term cannot relate to itself' });
      else if (!terms.has(related)) {
        warnings.push({ file: `glossary/${term.id}.yaml`, field: `related[${i}]`, reason: `term "${related}" does not exist (yet); the link is not shown` });
      }
    }
  }
  for (const e of store.items(explainerKind)) {
    const file = `explainers/${e.id}.md`;
    const declared = new Set(e.diagrams);
    const placed = new Set<string>();
    for (const line of e.body.split('\n')) {
      const markers = [...line.matchAll(DIAGRAM_MARKER)];
      if (markers.length === 0) continue;
      const name = markers[0]?.[1] ?? '';
      if (markers.length !== 1 || line.trim() !== markers[0]?.[0]) {
        errors.push({ file, field: 'body', reason: `a diagram marker must stand alone on its line: "${line.trim()}"` });
      } else if (store.get(diagramKind, name) === undefined) {
        errors.push({ file, field: 'body', reason: `diagram "${name}" has no file explainers/diagrams/${name}.svg` });
      } else if (!declared.has(name)) {
        errors.push({ file, field: 'diagrams', reason: `diagram "${name}" is placed in the text but not listed` });
      }
      placed.add(name);
    }
    for (const [i, d] of e.diagrams.entries()) {
      if (!placed.has(d)) errors.push({ file, field: `diagrams[${i}]`, reason: `diagram "${d}" is listed but never placed in the text` });
    }
    for (const m of e.body.matchAll(/\[(\d+)\](?!\()/g)) {
      const n = Number(m[1]);
      if (n < 1 || n > e.sources.length) warnings.push({ file, field: 'body', reason: `citation [${n}] has no matching source` });
    }
  }
  return { errors, warnings };
}
