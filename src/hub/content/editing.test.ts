/**
 * The edit form's mapping (document ↔ form text), issue placement and localised messages, and
 * the editing stylesheet's colours.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { createI18n, loadHubContent } from '../app.ts';
import { explainerKind, glossaryKind, resourceKind } from '../modules/learn/content.ts';
import { modules } from '../modules/index.ts';
import { DEFAULT_CONTENT_DIR } from '../server.ts';
import { controlOfIssue, controlsOf, documentToForm, formToDocument, issueMessage, zodIssues, type KindEditing } from './editing.ts';

const content = loadHubContent(DEFAULT_CONTENT_DIR, modules);
const i18n = createI18n(modules);
const glossary = glossaryKind.editing as KindEditing;

test('every editable item survives document → form → document unchanged (all glossary terms, explainers, resources)', () => {
  for (const kind of [glossaryKind, explainerKind, resourceKind]) {
    const editing = kind.editing as KindEditing;
    for (const item of content.items(kind as typeof glossaryKind)) {
      const doc = item as unknown as Record<string, unknown>;
      const back = formToDocument(editing, doc, documentToForm(editing, doc));
      assert.deepEqual(back.issues, [], `${kind.id}/${item.id}`);
      const parsed = kind.schema.safeParse(back.document);
      assert.ok(parsed.success, `${kind.id}/${item.id} still valid`);
      assert.deepEqual(parsed.data, item, `${kind.id}/${item.id} unchanged`);
    }
  }
});

test('form text is normalised: CRLF line breaks, one-paragraph fields, empty optional fields dropped', () => {
  const term = content.get(glossaryKind, 'block') as unknown as Record<string, unknown>;
  const form = documentToForm(glossary, term);
  const { document } = formToDocument(glossary, term, {
    ...form,
    'definition.en': 'First line\r\nsecond line',
    'definition.fr': '   ',
    aliases: '\r\n  ',
    related: ' blockchain \r\n\r\ntransaction\r\n',
  });
  assert.equal((document.definition as Record<string, string>).en, 'First line second line');
  assert.ok(!('fr' in (document.definition as Record<string, string>)), 'an empty translation is left out');
  assert.ok(!('aliases' in document), 'an empty optional list is left out');
  assert.deepEqual(document.related, ['blockchain', 'transaction']);
  assert.equal(document.id, 'block', 'keys the form does not show keep their value');

  const explainer = content.items(explainerKind)[0] as unknown as Record<string, unknown>;
  const editing = explainerKind.editing as KindEditing;
  const eform = documentToForm(editing, explainer);
  const out = formToDocument(editing, explainer, { ...eform, body: '## A\r\n\r\nText\r\n', readingMinutes: ' 12 ' });
  assert.equal(out.document.body, '## A\n\nText\n', 'Markdown keeps its line breaks');
  assert.equal(out.document.readingMinutes, 12);
  assert.equal(formToDocument(editing, explainer, { ...eform, readingMinutes: 'ten' }).document.readingMinutes, 'ten', 'left for the schema to refuse');
});

test('random text in any control never throws and always yields a document', () => {
  const term = content.get(glossaryKind, 'block') as unknown as Record<string, unknown>;
  const names = glossary.fields.flatMap((f) => controlsOf(f).map((c) => c.name));
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...names), fc.string({ maxLength: 80 })), (form) => {
      const { document, issues } = formToDocument(glossary, term, form);
      assert.equal(document.id, 'block');
      for (const issue of issues) assert.equal(issue.code, 'yaml');
    }),
    { numRuns: 300 },
  );
});

test('YAML that does not parse is an issue of its field; schema issues land on the right control', () => {
  const term = content.get(glossaryKind, 'block') as unknown as Record<string, unknown>;
  const { issues } = formToDocument(glossary, term, { ...documentToForm(glossary, term), sources: 'title: [' });
  assert.equal(issues[0]?.code, 'yaml');
  assert.equal(controlOfIssue(glossary, issues[0]!).control?.id, 'edit-sources');

  const parsed = glossaryKind.schema.safeParse({ ...term, definition: { en: '' }, related: ['ok', 'Not Kebab'], sources: [{ title: 'T', publisher: 'P', year: 2020, url: 'http://x' }] });
  assert.ok(!parsed.success);
  const found = zodIssues(parsed.error.issues as unknown as Record<string, unknown>[]).map((i) => {
    const { control, where } = controlOfIssue(glossary, i);
    return [control?.id, where.join(' ')];
  });
  assert.deepEqual(found, [
    ['edit-definition-en', ''],
    ['edit-related', '#2'],
    ['edit-sources', '#1 url'],
  ]);
});

test('issue messages are localised by kind, by schema message and by pattern; unknown ones keep the English reason', () => {
  const fr = i18n.translator('fr');
  const ar = i18n.translator('ar');
  const msg = (t: typeof fr, issue: Parameters<typeof issueMessage>[1]) => issueMessage(t, issue, glossary).value;
  assert.equal(msg(fr, { path: [], code: 'too_small', origin: 'string', minimum: 1, message: 'x' }), 'Saisissez un texte.');
  assert.equal(msg(fr, { path: [], code: 'too_big', origin: 'string', maximum: 320, message: 'x' }), `Écrivez au plus ${fr.number(320)} caractères.`);
  assert.equal(msg(ar, { path: [], code: 'too_small', origin: 'array', minimum: 1, message: 'x' }), 'أدخل عنصرًا واحدًا على الأقل.');
  assert.equal(msg(fr, { path: [], code: 'custom', message: 'must be an https URL' }), 'Saisissez une adresse commençant par https://.');
  assert.equal(msg(fr, { path: [], code: 'check', message: 'term "x-y" does not exist (yet); the link is not shown' }), 'Il n’existe pas de terme « x-y ». Vérifiez son identifiant dans son adresse.');
  assert.match(msg(fr, { path: [], code: 'custom', message: 'something new' }), /^Cette valeur n’est pas acceptée\. Message de la vérification : <span lang="en" dir="ltr">something new<\/span>$/);
  assert.equal(msg(i18n.translator('en'), { path: [], code: 'custom', message: '<b>' }), 'This value is not accepted. The check says: <span>&lt;b&gt;</span>');
});

/** WCAG contrast of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r = 0, g = 0, bl = 0] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x = 0, y = 0] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

test('editing.css: text on the added/removed tints ≥ 4.5:1 and the marks ≥ 3:1, light and dark; logical properties only', () => {
  const hub = readFileSync(new URL('../public/hub.css', import.meta.url), 'utf8');
  const css = readFileSync(new URL('../public/editing.css', import.meta.url), 'utf8');
  const vars = (block: string) => new Map([...block.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1] ?? '', m[2] ?? '']));
  const light = new Map([...vars(/:root\s*\{([\s\S]*?)\n\}/.exec(hub)?.[1] ?? ''), ...vars(/:root\s*\{([\s\S]*?)\n\}/.exec(css)?.[1] ?? '')]);
  const darkBlock = (text: string) => vars(/prefers-color-scheme: dark\)\s*\{\s*:root\s*\{([\s\S]*?)\}/.exec(text)?.[1] ?? '');
  const dark = new Map([...light, ...darkBlock(hub), ...darkBlock(css)]);
  for (const [name, scheme] of [['light', light], ['dark', dark]] as const) {
    for (const bg of ['ins-bg', 'del-bg']) {
      const ratio = contrast(scheme.get('text') ?? '', scheme.get(bg) ?? '');
      assert.ok(ratio >= 4.5, `${name} text on ${bg}: ${ratio.toFixed(2)}`);
    }
    for (const [fg, bg] of [['ins-rule', 'ins-bg'], ['del-rule', 'del-bg']]) {
      const ratio = contrast(scheme.get(fg ?? '') ?? '', scheme.get(bg ?? '') ?? '');
      assert.ok(ratio >= 3, `${name} ${fg} on ${bg}: ${ratio.toFixed(2)}`);
    }
  }
  assert.equal(css.replace(/\/\*[\s\S]*?\*\//g, '').match(/(margin|padding|border)-(left|right)\s*:|[\s;{](left|right)\s*:|text-align:\s*(left|right)/g), null);
  assert.match(css, /\.diff del[^{]*\{[^}]*line-through/);
  assert.match(css, /\.diff ins[^{]*\{[^}]*underline/);
});
