/**
 * The revision store and its rules, on SQLite, or on PostgreSQL when HUB_TEST_DATABASE_URL is set
 * (see ../testing.ts): proposals are validated before anything is stored, stale bases are
 * refused, publishing numbers versions and overlays the file, authors do not publish their own
 * work, other processes catch up, a changed file wins over older web edits.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { accountMigrations, AccountStore } from '../accounts/store.ts';
import type { Database } from '../db/index.ts';
import { migrate } from '../db/migrate.ts';
import { openTestDatabase } from '../testing.ts';
import type { KindEditing } from './editing.ts';
import { loadContent, type ContentCheckResult, type ContentKind, type ContentStore } from './index.ts';
import { canonicalJson, ContentRevisions, currentDocument, documentHash, parseField, revisionMigrations, RevisionError, type EditableKind } from './revisions.ts';

const noteSchema = z.strictObject({
  id: z.string(),
  title: z.string().trim().min(1, 'must not be empty'),
  links: z.array(z.string()),
  reviewed: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
});
type Note = z.infer<typeof noteSchema>;
const editing: KindEditing = {
  path: '/probe/notes',
  editPermission: 'probe.edit',
  reviewPermission: 'probe.review',
  kindKey: 'probe.note',
  titleKey: 'title',
  reviewedKey: 'reviewed',
  fields: [
    { key: 'title', type: 'line', labelKey: 'probe.title' },
    { key: 'links', type: 'lines', labelKey: 'probe.links' },
  ],
};
const noteKind: ContentKind<Note> = { id: 'probe.notes', dir: 'notes', ext: '.yaml', format: 'yaml', schema: noteSchema, editing };
const kinds: EditableKind[] = [{ module: 'probe', kind: noteKind as ContentKind<{ id: string }>, editing }];

/** Links must name an existing note: a warning, like the glossary's related terms. */
function checkLinks(store: ContentStore): ContentCheckResult {
  const ids = new Set(store.items(noteKind).map((n) => n.id));
  const warnings = store.items(noteKind).flatMap((n) =>
    n.links.flatMap((l, i) => (ids.has(l) ? [] : [{ file: `notes/${n.id}.yaml`, field: `links[${i}]`, reason: `note "${l}" does not exist` }])),
  );
  return { errors: [], warnings };
}

function writeNotes(dir: string, notes: Record<string, string>): void {
  mkdirSync(join(dir, 'notes'), { recursive: true });
  for (const [id, title] of Object.entries(notes)) writeFileSync(join(dir, 'notes', `${id}.yaml`), `id: ${id}\ntitle: ${title}\nlinks: []\nreviewed: "2026-01-01"\n`);
}

describe('content revisions', () => {
  let database: Database;
  let dir: string;
  let content: ContentStore;
  let clock: number;
  let changes: string[][];
  let revisions: ContentRevisions;
  let alice: string;
  let bob: string;
  let root: string;

  const make = (store: ContentStore, syncIntervalMs = 5000) =>
    new ContentRevisions({
      db: database.db,
      content: store,
      kinds,
      checks: [checkLinks],
      now: () => clock,
      syncIntervalMs,
      onChange: async (modules) => {
        changes.push([...modules]);
      },
    });

  before(async () => {
    database = await openTestDatabase();
    await migrate(database.db, [
      { module: 'accounts', migrations: accountMigrations },
      { module: 'content', migrations: revisionMigrations },
    ]);
    const users = new AccountStore(database.db);
    alice = (await users.createUser({ email: 'alice@example.org', name: 'Alice', passwordHash: 'x', locale: 'en', role: 'editor', verified: true })).id;
    bob = (await users.createUser({ email: 'bob@example.org', name: 'Bob', passwordHash: 'x', locale: 'fr', role: 'editor', verified: true })).id;
    root = (await users.createUser({ email: 'root@example.org', name: 'Root', passwordHash: 'x', locale: 'en', role: 'admin', verified: true })).id;
  });
  after(async () => {
    await database.close();
  });
  beforeEach(async () => {
    await database.db.withTables<{ hub_content_revisions: { id: string } }>().deleteFrom('hub_content_revisions').execute();
    dir = mkdtempSync(join(tmpdir(), 'dcbt-revisions-'));
    writeNotes(dir, { alpha: 'Alpha', beta: 'Beta' });
    content = loadContent(dir, [noteKind as ContentKind<{ id: string }>], [checkLinks]);
    clock = Date.parse('2026-06-01T12:00:00Z');
    changes = [];
    revisions = make(content);
    await revisions.load();
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = async (): Promise<number> =>
    Number(
      (
        await database.db
          .withTables<{ hub_content_revisions: { id: string } }>()
          .selectFrom('hub_content_revisions')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  async function propose(title: string, by = alice, baseHash?: string) {
    const current = await revisions.current('probe.notes', 'alpha');
    assert.ok(current !== undefined);
    return revisions.propose({
      kind: 'probe.notes',
      itemId: 'alpha',
      input: { ...current.document, title },
      baseHash: baseHash ?? current.hash,
      authorId: by,
      locale: 'en',
      summary: `title → ${title}`,
    });
  }

  test('a valid proposal is stored, not shown; publishing by another editor shows it as version 1', async () => {
    const proposed = await propose('Alpha, revised');
    assert.ok(proposed.ok);
    assert.equal(proposed.revision.status, 'proposed');
    assert.equal(proposed.revision.baseVersion, 0);
    assert.equal(proposed.revision.baseHash, documentHash(content.file(noteKind, 'alpha')));
    assert.equal(content.get(noteKind, 'alpha')?.title, 'Alpha', 'not shown before review');
    assert.equal((await revisions.store.proposed(['probe.notes'], { limit: 10, offset: 0 })).total, 1);

    clock += 60_000;
    const published = await revisions.publish(proposed.revision.id, { id: bob, admin: false }, 'checked');
    assert.equal(published.version, 1);
    assert.equal(published.document.reviewed, '2026-06-01', 'publishing stamps the review date');
    assert.equal(content.get(noteKind, 'alpha')?.title, 'Alpha, revised');
    assert.equal(content.items(noteKind)[0]?.title, 'Alpha, revised', 'in place, same order');
    assert.equal(content.file(noteKind, 'alpha')?.title, 'Alpha', 'the file is untouched');
    assert.deepEqual(changes, [['probe']]);

    const history = await revisions.store.history('probe.notes', 'alpha', { limit: 10, offset: 0 });
    assert.equal(history.total, 1);
    const [entry] = history.revisions;
    assert.equal(entry?.authorId, alice);
    assert.equal(entry?.reviewerId, bob);
    assert.equal(entry?.note, 'checked');
    assert.equal(entry?.baseDocument.title, 'Alpha');
    assert.equal(entry?.reviewedAt, '2026-06-01T12:01:00.000Z');
    assert.equal((await revisions.store.proposed(['probe.notes'], { limit: 10, offset: 0 })).total, 0);
  });

  test('an invalid document is refused with the field and nothing is stored', async () => {
    const result = await propose('   ');
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.reason === 'invalid');
    assert.deepEqual(
      result.issues.map((i) => [i.path, i.code, i.message]),
      [[['title'], 'too_small', 'must not be empty']],
    );
    const current = await revisions.current('probe.notes', 'alpha');
    const unknownKey = await revisions.propose({ kind: 'probe.notes', itemId: 'alpha', input: { ...current?.document, extra: 1 }, baseHash: current?.hash ?? '', authorId: alice, locale: 'en', summary: '' });
    assert.ok(!unknownKey.ok && unknownKey.reason === 'invalid' && unknownKey.issues[0]?.code === 'unrecognized_keys');
    const renamed = await revisions.propose({ kind: 'probe.notes', itemId: 'alpha', input: { ...current?.document, id: 'gamma' }, baseHash: current?.hash ?? '', authorId: alice, locale: 'en', summary: '' });
    assert.ok(!renamed.ok && renamed.reason === 'invalid' && renamed.issues[0]?.path[0] === 'id');
    assert.equal(await rows(), 0);
  });

  test('a new cross-check problem on the edited item is refused (a link to a missing note)', async () => {
    const current = await revisions.current('probe.notes', 'alpha');
    const bad = await revisions.propose({ kind: 'probe.notes', itemId: 'alpha', input: { ...current?.document, links: ['beta', 'nope'] }, baseHash: current?.hash ?? '', authorId: alice, locale: 'en', summary: '' });
    assert.ok(!bad.ok && bad.reason === 'invalid');
    assert.deepEqual(bad.issues.map((i) => [i.path, i.code, i.message]), [[['links', 1], 'check', 'note "nope" does not exist']]);
    const good = await revisions.propose({ kind: 'probe.notes', itemId: 'alpha', input: { ...current?.document, links: ['beta'] }, baseHash: current?.hash ?? '', authorId: alice, locale: 'en', summary: '' });
    assert.ok(good.ok);
    assert.equal(await rows(), 1);
  });

  test('proposing against a stale base is refused and says what is current', async () => {
    const first = await propose('First');
    assert.ok(first.ok);
    await revisions.publish(first.revision.id, { id: bob, admin: false }, '');
    const stale = await propose('Second', alice, first.revision.baseHash);
    assert.ok(!stale.ok && stale.reason === 'stale');
    assert.equal(stale.current.version, 1);
    assert.equal(stale.current.document.title, 'First');
    assert.equal(await rows(), 1);
  });

  test('publishing a proposal whose base moved on is refused; so is deciding twice', async () => {
    const a = await propose('From A');
    const b = await propose('From B', bob);
    assert.ok(a.ok && b.ok);
    await revisions.publish(a.revision.id, { id: bob, admin: false }, '');
    await assert.rejects(revisions.publish(b.revision.id, { id: alice, admin: false }, ''), (e: unknown) => e instanceof RevisionError && e.code === 'REVISION_STALE');
    assert.equal(content.get(noteKind, 'alpha')?.title, 'From A');
    await assert.rejects(revisions.publish(a.revision.id, { id: bob, admin: false }, ''), (e: unknown) => e instanceof RevisionError && e.code === 'REVISION_DECIDED');
    const rejected = await revisions.reject(b.revision.id, { id: alice, admin: false }, 'superseded');
    assert.equal(rejected.status, 'rejected');
    await assert.rejects(revisions.reject(b.revision.id, { id: alice, admin: false }, ''), (e: unknown) => e instanceof RevisionError && e.code === 'REVISION_DECIDED');
  });

  test('authors cannot publish their own proposal unless admin; they may withdraw it', async () => {
    const own = await propose('Mine');
    assert.ok(own.ok);
    await assert.rejects(revisions.publish(own.revision.id, { id: alice, admin: false }, ''), (e: unknown) => e instanceof RevisionError && e.code === 'REVISION_OWN');
    assert.equal((await revisions.store.get(own.revision.id))?.status, 'proposed');
    const admins = await propose('By the admin', root);
    assert.ok(admins.ok);
    const withdrawn = await revisions.reject(own.revision.id, { id: alice, admin: false }, 'withdrawn');
    assert.equal(withdrawn.status, 'rejected');
    const published = await revisions.publish(admins.revision.id, { id: root, admin: true }, '');
    assert.equal(published.version, 1);
  });

  test('a rejected proposal changes nothing and is not in the history', async () => {
    const p = await propose('Rejected title');
    assert.ok(p.ok);
    await revisions.reject(p.revision.id, { id: bob, admin: false }, 'not accurate');
    assert.equal(content.get(noteKind, 'alpha')?.title, 'Alpha');
    assert.equal((await revisions.store.history('probe.notes', 'alpha', { limit: 10, offset: 0 })).total, 0);
    assert.equal((await revisions.store.get(p.revision.id))?.note, 'not accurate');
    assert.deepEqual(changes, []);
  });

  test('the same version cannot be taken twice (two processes publishing at once)', async () => {
    const a = await propose('A');
    const b = await propose('B', bob);
    assert.ok(a.ok && b.ok);
    await revisions.store.markPublished(a.revision.id, { version: 1, document: a.revision.document, documentHash: a.revision.documentHash, reviewerId: bob, reviewedAt: '2026-06-01T12:00:00.000Z', note: '' });
    await assert.rejects(
      revisions.store.markPublished(b.revision.id, { version: 1, document: b.revision.document, documentHash: b.revision.documentHash, reviewerId: alice, reviewedAt: '2026-06-01T12:00:00.000Z', note: '' }),
    );
    assert.equal((await revisions.store.get(b.revision.id))?.status, 'proposed');
  });

  test('another process sees published revisions after its sync interval; a restart applies them', async () => {
    const other = content.copy();
    const second = make(other, 1000);
    await second.load();
    const p = await propose('Seen elsewhere');
    assert.ok(p.ok);
    await revisions.publish(p.revision.id, { id: bob, admin: false }, '');
    assert.equal(other.get(noteKind, 'alpha')?.title, 'Alpha', 'the copies are independent');
    await second.sync();
    assert.equal(other.get(noteKind, 'alpha')?.title, 'Alpha', 'not before the interval');
    clock += 1000;
    await second.sync();
    assert.equal(other.get(noteKind, 'alpha')?.title, 'Seen elsewhere');

    const restarted = loadContent(dir, [noteKind as ContentKind<{ id: string }>], [checkLinks]);
    await make(restarted).load();
    assert.equal(restarted.get(noteKind, 'alpha')?.title, 'Seen elsewhere');
  });

  test('a file changed after the edits is newer and wins; a file equal to the revision shows it', async () => {
    const p = await propose('Web title');
    assert.ok(p.ok);
    const published = await revisions.publish(p.revision.id, { id: bob, admin: false }, '');

    writeNotes(dir, { alpha: 'Edited in the repository' });
    const changed = loadContent(dir, [noteKind as ContentKind<{ id: string }>], [checkLinks]);
    const withChangedFile = make(changed);
    await withChangedFile.load();
    assert.equal(changed.get(noteKind, 'alpha')?.title, 'Edited in the repository');
    const current = await withChangedFile.current('probe.notes', 'alpha');
    assert.equal(current?.source, 'file-newer');
    assert.equal(current?.version, 1, 'the next publication is version 2');

    // The export merged back: the file now equals the revision.
    writeFileSync(join(dir, 'notes', 'alpha.yaml'), JSON.stringify(published.document));
    const merged = loadContent(dir, [noteKind as ContentKind<{ id: string }>], [checkLinks]);
    const afterMerge = make(merged);
    await afterMerge.load();
    assert.equal((await afterMerge.current('probe.notes', 'alpha'))?.hash, published.documentHash);
    assert.equal(merged.get(noteKind, 'alpha')?.title, 'Web title');
  });

  test('currentDocument: no head → file; head from this file → revision', () => {
    const file = { id: 'x', title: 'T', links: [], reviewed: '2026-01-01' };
    assert.equal(currentDocument(noteKind as ContentKind<{ id: string }>, file, undefined).source, 'file');
    assert.equal(currentDocument(noteKind as ContentKind<{ id: string }>, file, undefined).hash, documentHash(file));
  });
});

test('canonical JSON sorts keys at every level; parseField inverts field names', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: 3 } }), '{"a":{"c":3,"d":[2,{"e":0,"f":1}]},"b":1}');
  assert.equal(documentHash({ a: 1, b: 2 }), documentHash({ b: 2, a: 1 }));
  assert.deepEqual(parseField('sources[1].url'), ['sources', 1, 'url']);
  assert.deepEqual(parseField('related[0]'), ['related', 0]);
  assert.deepEqual(parseField('(document)'), []);
});
