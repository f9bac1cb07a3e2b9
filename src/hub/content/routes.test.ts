/**
 * Web editing over HTTP (inject), with the Learn module: who may edit and review, proposing,
 * stale bases, invalid fields (localised, nothing stored), publishing, the term page and search
 * showing the new text, the public history with its diff and authors, rejection, CSRF, the pages
 * in every locale, and a second hub process on the same database catching up. Runs on SQLite,
 * or on PostgreSQL when HUB_TEST_DATABASE_URL is set (see ../testing.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { DEFAULT_AUTH_RATE_LIMITS, type AuthRateLimits } from '../accounts/index.ts';
import { Client } from '../accounts/testing.ts';
import { hashPassword, TEST_SCRYPT } from '../accounts/passwords.ts';
import { AccountStore } from '../accounts/store.ts';
import type { Role } from '../accounts/roles.ts';
import { buildHub, createI18n, loadHubContent } from '../app.ts';
import type { Database } from '../db/index.ts';
import { LOCALES } from '../i18n/index.ts';
import { modules } from '../modules/index.ts';
import { DEFAULT_CONTENT_DIR } from '../server.ts';
import { countTags, openTestDatabase } from '../testing.ts';
import type { RevisionTables } from './revisions.ts';

const PASSWORD = 'a sturdy passphrase';
const NOW = Date.parse('2030-03-01T10:00:00Z');
/** These tests sign the same people in many times; the form limits have their own tests. */
const NO_FORM_LIMITS = Object.fromEntries(Object.keys(DEFAULT_AUTH_RATE_LIMITS).map((k) => [k, { max: 100_000, windowMs: 60_000 }])) as unknown as AuthRateLimits;
const content = loadHubContent(DEFAULT_CONTENT_DIR, modules);
const i18n = createI18n(modules);

async function hubOn(database: Database, revisionSyncIntervalMs?: number): Promise<FastifyInstance> {
  return buildHub({
    db: database.db,
    content,
    i18n,
    modules,
    rateLimitPerMinute: false,
    // A clock after every file's review date, so publishing visibly sets a new one.
    accounts: { scrypt: TEST_SCRYPT, publicUrl: 'https://hub.test', rateLimits: NO_FORM_LIMITS, now: () => NOW },
    ...(revisionSyncIntervalMs === undefined ? {} : { revisionSyncIntervalMs }),
  });
}

/** Fields of the first form posting to `action` on the last page: hidden inputs, inputs, textareas, checked boxes. */
function formFields(page: string, action: string): Record<string, string> {
  const start = page.indexOf(`action="${action}"`);
  assert.ok(start !== -1, `a form posts to ${action}`);
  const form = page.slice(start, page.indexOf('</form>', start));
  const decode = (s: string) => s.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
  const out: Record<string, string> = {};
  for (const m of form.matchAll(/<input\b([^>]*)>/g)) {
    const attrs = m[1] ?? '';
    const name = /\sname="([^"]*)"/.exec(attrs)?.[1];
    if (name === undefined) continue;
    const type = /\stype="([^"]*)"/.exec(attrs)?.[1] ?? 'text';
    if ((type === 'checkbox' || type === 'radio') && !/\schecked\b/.test(attrs)) continue;
    out[decode(name)] = decode(/\svalue="([^"]*)"/.exec(attrs)?.[1] ?? (type === 'checkbox' ? 'on' : ''));
  }
  for (const m of form.matchAll(/<textarea\b([^>]*)>\n?([\s\S]*?)<\/textarea>/g)) {
    const name = /\sname="([^"]*)"/.exec(m[1] ?? '')?.[1];
    if (name !== undefined) out[decode(name)] = decode(m[2] ?? '');
  }
  return out;
}

function text(res: LightMyRequestResponse): string {
  return res.body.replace(/<[^>]+>/g, '');
}

describe('web editing of content', () => {
  let database: Database;
  let app: FastifyInstance;
  const users: Record<string, string> = {};

  const count = async (status?: string): Promise<number> => {
    let q = database.db.withTables<RevisionTables>().selectFrom('hub_content_revisions');
    if (status !== undefined) q = q.where('status', '=', status);
    return Number((await q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n);
  };

  async function signedIn(email: string, target: FastifyInstance = app): Promise<Client> {
    const client = new Client(target);
    await client.get('/en/account/sign-in');
    const res = await client.post('/en/account/sign-in', { email, password: PASSWORD });
    assert.equal(res.statusCode, 303, res.body);
    return client;
  }

  /** Opens the edit form, changes fields, proposes; returns the response. */
  async function propose(client: Client, id: string, change: Record<string, string>, locale = 'en'): Promise<LightMyRequestResponse> {
    const action = `/${locale}/learn/glossary/edit/${id}`;
    const form = await client.get(action);
    assert.equal(form.statusCode, 200, form.body);
    return client.post(action, { ...formFields(form.body, action), ...change });
  }

  async function decide(client: Client, revisionUrl: string, decision: 'publish' | 'reject', note: string): Promise<LightMyRequestResponse> {
    await client.get(revisionUrl);
    return client.post(revisionUrl.split('?')[0] ?? '', { decision, note });
  }

  before(async () => {
    database = await openTestDatabase();
    app = await hubOn(database);
    const store = new AccountStore(database.db);
    const hash = await hashPassword(PASSWORD, TEST_SCRYPT);
    const make: [string, string, Role][] = [
      ['member', 'Mia Member', 'member'],
      ['ed', 'Edith Editor', 'editor'],
      ['rev', 'Rafael Reviewer', 'editor'],
      ['lead', 'Lena Lead', 'lead'],
      ['admin', 'Ada Admin', 'admin'],
    ];
    for (const [key, name, role] of make) {
      users[key] = (await store.createUser({ email: `${key}@example.org`, name, passwordHash: hash, locale: 'en', role, verified: true })).id;
    }
  });
  after(async () => {
    await app.close();
    await database.close();
  });

  test('the term page links to its history for everyone, to the edit form for editors only', async () => {
    const anonymous = await app.inject({ url: '/en/learn/glossary/block' });
    assert.match(anonymous.body, /<a href="\/en\/learn\/glossary\/history\/block">History<span class="visually-hidden"> — Block<\/span><\/a>/);
    assert.ok(!anonymous.body.includes('/learn/glossary/edit/block'));
    const member = await signedIn('member@example.org');
    assert.ok(!(await member.get('/en/learn/glossary/block')).body.includes('/learn/glossary/edit/block'));
    const editor = await signedIn('ed@example.org');
    const page = await editor.get('/fr/learn/glossary/block');
    assert.match(page.body, /<a href="\/fr\/learn\/glossary\/edit\/block">Modifier<span class="visually-hidden"> — Bloc<\/span><\/a>/);
    // Reviewers find the queue in the header.
    assert.match(page.body, /<a href="\/fr\/content\/review">Relectures en attente<\/a>/);
    assert.ok(!(await member.get('/en/learn')).body.includes('/content/review'));
  });

  test('members cannot edit (403), visitors are sent to sign in; nothing is stored', async () => {
    const anonymous = await app.inject({ url: '/en/learn/glossary/edit/block' });
    assert.equal(anonymous.statusCode, 303);
    assert.equal(anonymous.headers.location, '/en/account/sign-in?next=%2Fen%2Flearn%2Fglossary%2Fedit%2Fblock');
    const member = await signedIn('member@example.org');
    const form = await member.get('/en/learn/glossary/edit/block');
    assert.equal(form.statusCode, 403);
    assert.match(form.body, /<h1>/);
    const post = await member.post('/en/learn/glossary/edit/block', { 'term.en': 'Hacked', _base: 'x' });
    assert.equal(post.statusCode, 403);
    assert.equal((await member.get('/en/content/review')).statusCode, 403);
    assert.equal(await count(), 0);
    assert.equal((await (await signedIn('ed@example.org')).get('/en/learn/glossary/edit/no-such-term')).statusCode, 404);
  });

  test('the edit form: a labelled control per field and language, hints, the base version, CSRF', async () => {
    const editor = await signedIn('ed@example.org');
    const res = await editor.get('/ar/learn/glossary/edit/block');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<html lang="ar" dir="rtl">/);
    assert.equal(countTags(res.body, 'h1'), 1);
    for (const locale of LOCALES) {
      assert.match(res.body, new RegExp(`<label for="edit-definition-${locale}">`));
      assert.match(res.body, new RegExp(`<textarea id="edit-definition-${locale}" name="definition\\.${locale}"`));
    }
    assert.match(res.body, /<textarea id="edit-definition-en" name="definition.en" lang="en" dir="ltr" aria-describedby="edit-definition-hint"/);
    assert.match(res.body, /<input type="checkbox" id="edit-topics-basics" name="topics.basics" checked>/);
    assert.match(res.body, /<textarea id="edit-sources" name="sources"[^>]*>\n- title: (&quot;)?NIST IR 8202/);
    assert.match(res.body, /name="_csrf" value="[^"]+"/);
    assert.match(res.body, /<input type="hidden" name="_base" value="[0-9a-f]{64}">/);
    assert.match(res.body, /<button type="submit">اقتراح التعديل<\/button>/);
    assert.ok(!/<script(?![^>]*\ssrc=)/.test(res.body) && !/\sstyle=/.test(res.body), 'no inline script or style');
  });

  test('an invalid field is refused with a localised error tied to it, the text is kept, nothing is stored', async () => {
    const editor = await signedIn('ed@example.org');
    const res = await propose(editor, 'block', { 'definition.en': '   ', 'sources': '- title: [unclosed' }, 'fr');
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /<title>Erreur : Modifier : Bloc/);
    assert.match(res.body, /<div class="error-summary" role="alert"/);
    assert.match(res.body, /<a href="#edit-definition-en">Définition — anglais : Saisissez un texte\.<\/a>/);
    assert.match(res.body, /<a href="#edit-sources">Sources : Ce n’est pas du YAML valide/);
    assert.match(res.body, /<textarea id="edit-definition-en" name="definition.en" lang="en" dir="ltr" aria-describedby="edit-definition-hint edit-definition-en-error" aria-invalid="true"/);
    assert.match(res.body, /- title: \[unclosed<\/textarea>/, 'what was typed is kept');
    assert.equal(await count(), 0);

    // Cross-checks run on a valid document: a related term that does not exist.
    const related = await propose(editor, 'block', { related: 'blockchain\nno-such-term' }, 'fr');
    assert.equal(related.statusCode, 400);
    assert.match(related.body, /<a href="#edit-related">Termes associés : élément 2 : Il n’existe pas de terme « no-such-term »/);
    assert.match(related.body, /no-such-term<\/textarea>/);

    // Each kind of problem on its own, in English: the schema's message as a catalogue key.
    const url = await propose(editor, 'block', { sources: '- title: T\n  publisher: P\n  year: 2020\n  url: http://example.org' });
    assert.equal(url.statusCode, 400);
    assert.match(url.body, /<a href="#edit-sources">Sources: item 1 › url: Enter an address starting with https:\/\/\.<\/a>/);
    // No topic ticked: the checkboxes send nothing.
    const action = '/en/learn/glossary/edit/block';
    const fields = formFields((await editor.get(action)).body, action);
    const cleared = await editor.post(action, Object.fromEntries(Object.entries(fields).filter(([k]) => !k.startsWith('topics.'))));
    assert.equal(cleared.statusCode, 400);
    assert.match(cleared.body, /<a href="#edit-topics-basics">Topics: Give at least 1 entry\.<\/a>/);
    assert.equal(await count(), 0);
  });

  test('CSRF: a proposal without the token is refused and nothing is stored', async () => {
    const editor = await signedIn('ed@example.org');
    const action = '/en/learn/glossary/edit/block';
    const form = formFields((await editor.get(action)).body, action);
    const res = await editor.post(action, { ...form, _csrf: '', 'definition.en': 'A forged change.' });
    assert.equal(res.statusCode, 403);
    const other = await editor.post(action, { ...form, _csrf: 'not-the-token', 'definition.en': 'A forged change.' });
    assert.equal(other.statusCode, 403);
    assert.equal(await count(), 0);
  });

  test('propose → review queue → another editor publishes → the page, search and downloads show it; the history shows the diff and who', async () => {
    const editor = await signedIn('ed@example.org');
    const newDefinition =
      'A block is a batch of transactions added to a blockchain in one step, together with a header that records when it was made and which block came before it.';
    const res = await propose(editor, 'block', { 'definition.en': newDefinition, 'aliases': 'data block', _summary: 'Shorter definition; an alias' });
    assert.equal(res.statusCode, 303, res.body);
    const revisionUrl = String(res.headers.location);
    assert.match(revisionUrl, /^\/en\/content\/revisions\/[0-9a-f-]{36}\?notice=proposed$/);
    assert.equal(await count('proposed'), 1);

    // The proposal page: status, the word diff with hidden "removed"/"added", no publish button for the author.
    const mine = await editor.get(revisionUrl);
    assert.equal(mine.statusCode, 200);
    assert.match(mine.body, /Your proposal is saved/);
    assert.match(mine.body, /<del><span class="visually-hidden">Removed: <\/span>[^<]+<span class="visually-hidden"> \(end of removal\) <\/span><\/del>/);
    assert.match(mine.body, /<ins><span class="visually-hidden">Added: <\/span>together with<span class="visually-hidden"> \(end of addition\) <\/span><\/ins>/);
    assert.match(mine.body, /<ins><span class="visually-hidden">Added: <\/span>[^<]*records[^<]*<span/);
    assert.match(mine.body, /<h3>Also known as<\/h3>/);
    assert.ok(!mine.body.includes('value="publish"'), 'authors get no Publish button');
    assert.match(mine.body, /another reviewer has to publish it/);
    // … and cannot publish it by posting anyway.
    const own = await editor.post(revisionUrl.split('?')[0] ?? '', { decision: 'publish', note: '' });
    assert.equal(own.statusCode, 403);
    assert.match(own.body, /You cannot publish your own proposal/);

    // Not visible before review.
    assert.ok(!(await app.inject({ url: '/en/learn/glossary/block' })).body.includes('header that records'));
    // Proposals are not public.
    assert.equal((await app.inject({ url: revisionUrl })).statusCode, 303);
    assert.equal((await (await signedIn('member@example.org')).get(revisionUrl)).statusCode, 403);

    const reviewer = await signedIn('rev@example.org');
    const queue = await reviewer.get('/es/content/review');
    assert.equal(queue.statusCode, 200);
    assert.match(queue.body, /1 propuesta en espera\./);
    assert.match(queue.body, /Propuesta de <bdi>Edith Editor<\/bdi>/);
    assert.match(queue.body, /Shorter definition; an alias/);
    const published = await decide(reviewer, revisionUrl, 'publish', 'Checked against NIST IR 8202.');
    assert.equal(published.statusCode, 303, published.body);
    assert.match(String(published.headers.location), /\?notice=published$/);
    assert.equal(await count('published'), 1);

    const term = await app.inject({ url: '/en/learn/glossary/block' });
    assert.ok(term.body.includes('header that records when it was made'), 'the term page shows the published text');
    assert.match(term.body, /data block/);
    assert.match(term.body, /<time datetime="2030-03-01">/, 'publishing is the review: the date is set');
    const search = await app.inject({ url: '/en/search?q=header+records' });
    assert.match(search.body, /\/en\/learn\/glossary\/block/);
    const json = JSON.parse((await app.inject({ url: '/en/learn/glossary.json' })).body) as { items: { id: string; definition: { en: string } }[] };
    assert.equal(json.items.find((i) => i.id === 'block')?.definition.en, newDefinition);

    const history = await app.inject({ url: '/en/learn/glossary/history/block' });
    assert.equal(history.statusCode, 200);
    assert.match(history.body, /1 change published on the web\./);
    assert.match(history.body, /<h2 id="version-1">Version 1<\/h2>/);
    assert.match(text(history), /Proposed by\s*Edith Editor, /);
    assert.match(text(history), /Published by\s*Rafael Reviewer, /);
    assert.match(history.body, /Checked against NIST IR 8202\./);
    assert.match(history.body, /Shorter definition; an alias/);
    assert.match(history.body, /<h3>Definition — English<\/h3>/);
    assert.match(history.body, /<ins><span class="visually-hidden">Added: <\/span>/);
    assert.match(history.body, /<h3>Last reviewed<\/h3>/);
    assert.match(history.body, /glossary\/block\.yaml/);
    // The published revision's own page is public.
    assert.equal((await app.inject({ url: revisionUrl.split('?')[0] ?? '' })).statusCode, 200);
  });

  test('a proposal against a stale base is refused with a clear message; the text is kept and nothing is stored', async () => {
    const editor = await signedIn('ed@example.org');
    const lead = await signedIn('lead@example.org');
    const action = '/en/learn/glossary/edit/hash-function';
    const leadForm = formFields((await lead.get(action)).body, action);
    // Meanwhile the editor's change is proposed and published by the admin.
    const first = await propose(editor, 'hash-function', { 'term.fr': 'Fonction de hachage cryptographique' });
    assert.equal(first.statusCode, 303, first.body);
    const admin = await signedIn('admin@example.org');
    assert.equal((await decide(admin, String(first.headers.location), 'publish', '')).statusCode, 303);
    const before = await count();
    const stale = await lead.post(action, { ...leadForm, 'technical.en': 'My own careful rewrite of the technical note.' });
    assert.equal(stale.statusCode, 409);
    assert.match(stale.body, /This page changed while you were editing/);
    assert.match(stale.body, /Version 1 was published after you opened the form/);
    assert.match(stale.body, /My own careful rewrite of the technical note\.<\/textarea>/);
    assert.equal(await count(), before);
    // Proposing again from the refreshed form works: it is now based on version 1.
    const again = await lead.post(action, formFields(stale.body, action));
    assert.equal(again.statusCode, 303, again.body);
  });

  test('publishing a proposal whose base moved on is refused (409); authors may withdraw', async () => {
    const editor = await signedIn('ed@example.org');
    const reviewer = await signedIn('rev@example.org');
    const a = await propose(editor, 'nonce', { 'term.es': 'Nonce (número de un solo uso)' });
    const b = await propose(reviewer, 'nonce', { 'term.fr': 'Nonce (nombre à usage unique)' });
    assert.equal(a.statusCode, 303);
    assert.equal(b.statusCode, 303);
    assert.equal((await decide(reviewer, String(a.headers.location), 'publish', 'ok')).statusCode, 303);
    const staleView = await editor.get(String(b.headers.location));
    assert.match(staleView.body, /The page has changed since this proposal was made/);
    assert.ok(!staleView.body.includes('value="publish"'));
    const stale = await decide(editor, String(b.headers.location), 'publish', '');
    assert.equal(stale.statusCode, 409);
    assert.match(stale.body, /publishing it would undo that change/);
    const withdrawn = await decide(reviewer, String(b.headers.location), 'reject', 'Withdrawn: superseded');
    assert.equal(withdrawn.statusCode, 303);
  });

  test('a rejected proposal needs a note, changes nothing and stays out of the history', async () => {
    const editor = await signedIn('ed@example.org');
    const reviewer = await signedIn('rev@example.org');
    const res = await propose(editor, 'merkle-tree', { 'term.en': 'Hash tree of doubtful naming' });
    assert.equal(res.statusCode, 303);
    const url = String(res.headers.location);
    const noNote = await decide(reviewer, url, 'reject', '  ');
    assert.equal(noNote.statusCode, 400);
    assert.match(noNote.body, /<a href="#review-note">Write a note saying why the proposal is rejected\.<\/a>/);
    assert.match(noNote.body, /aria-invalid="true"/);
    const rejected = await decide(reviewer, url, 'reject', 'The usual name is Merkle tree.');
    assert.equal(rejected.statusCode, 303);
    assert.match(String(rejected.headers.location), /notice=rejected/);
    assert.ok(!(await app.inject({ url: '/en/learn/glossary/merkle-tree' })).body.includes('doubtful naming'));
    const history = await app.inject({ url: '/en/learn/glossary/history/merkle-tree' });
    assert.ok(!history.body.includes('doubtful naming'));
    assert.match(history.body, /0 changes published on the web\./);
    // The author still sees the decision and the note; the public does not.
    const seen = await editor.get(url.split('?')[0] ?? '');
    assert.match(seen.body, /The usual name is Merkle tree\./);
    assert.match(seen.body, /Rejected by/);
    assert.equal((await app.inject({ url: url.split('?')[0] ?? '' })).statusCode, 303);
    const twice = await decide(reviewer, url, 'reject', 'again');
    assert.equal(twice.statusCode, 409);
  });

  test('explainers are edited the same way (Markdown body, choices, number)', async () => {
    const editor = await signedIn('ed@example.org');
    const action = '/en/learn/explainers/edit/what-is-a-blockchain';
    const formPage = await editor.get(action);
    assert.equal(formPage.statusCode, 200, formPage.body);
    const form = formFields(formPage.body, action);
    assert.ok((form.body ?? '').includes('## '), 'the body is in its textarea');
    assert.match(formPage.body, /<input type="radio" id="edit-level-[a-z]+" name="level" value="[a-z]+" checked>/);
    const bad = await editor.post(action, { ...form, readingMinutes: 'ten', body: `# Title again\n${form.body ?? ''}` });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /<a href="#edit-readingMinutes">Reading time in minutes: Enter a number\.<\/a>/);
    assert.match(bad.body, /Remove the level-1 heading/);
    const added = '\n\nA closing paragraph written on the web for this test.\n';
    const ok = await editor.post(action, { ...form, body: `${form.body ?? ''}${added}`, readingMinutes: '9' });
    assert.equal(ok.statusCode, 303, ok.body);
    const reviewer = await signedIn('rev@example.org');
    assert.equal((await decide(reviewer, String(ok.headers.location), 'publish', '')).statusCode, 303);
    const page = await app.inject({ url: '/en/learn/explainers/what-is-a-blockchain' });
    assert.match(page.body, /<p>A closing paragraph written on the web for this test\.<\/p>/);
    assert.match(page.body, /\/en\/learn\/explainers\/history\/what-is-a-blockchain/);
  });

  test('the editing pages in every locale: status, lang and dir, one h1, no inline script or style', async () => {
    const reviewer = await signedIn('rev@example.org');
    const proposal = await propose(await signedIn('ed@example.org'), 'consensus-mechanism', { 'term.ar': 'آلية الإجماع المقترحة' });
    const revision = String(proposal.headers.location).split('?')[0]?.replace(/^\/en/, '') ?? '';
    for (const locale of LOCALES) {
      for (const path of ['/learn/glossary/edit/block', '/learn/glossary/history/block', '/content/review', revision, '/learn/resources/edit/nist-ir-8202', '/learn/resources/history/nist-ir-8202']) {
        const res = await reviewer.get(`/${locale}${path}`);
        assert.equal(res.statusCode, 200, `${locale}${path}: ${res.statusCode}`);
        assert.match(res.body, new RegExp(`<html lang="${locale}" dir="${locale === 'ar' ? 'rtl' : 'ltr'}">`));
        assert.equal(countTags(res.body, 'h1'), 1, `${locale}${path}`);
        assert.ok(!/<script(?![^>]*\ssrc=)/.test(res.body) && !/\sstyle=/.test(res.body), `${locale}${path}`);
        assert.ok(!/content\.[a-z]+\.[a-zA-Z.]+/.test(text(res)), `${locale}${path} shows a catalogue key`);
        assert.ok(!/learn\.edit\.[a-zA-Z.]+/.test(text(res)), `${locale}${path} shows a catalogue key`);
      }
    }
  });

  test('a second hub process on the same database shows what the first published', async () => {
    const second = await hubOn(database, 0);
    try {
      const editor = await signedIn('ed@example.org');
      const res = await propose(editor, 'genesis-block', { 'definition.fr': 'Le premier bloc d’une chaîne, écrit pour ce test sur un autre processus.' });
      assert.equal(res.statusCode, 303, res.body);
      assert.equal((await decide(await signedIn('rev@example.org'), String(res.headers.location), 'publish', '')).statusCode, 303);
      const page = await second.inject({ url: '/fr/learn/glossary/genesis-block' });
      assert.match(page.body, /écrit pour ce test sur un autre processus/);
      const search = await second.inject({ url: '/fr/search?q=autre+processus' });
      assert.match(search.body, /\/fr\/learn\/glossary\/genesis-block/);
    } finally {
      await second.close();
    }
  });
});
