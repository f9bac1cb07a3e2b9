/**
 * Published web edits flow back into files: the export writes them in content/ layout, the
 * written files load with the same schemas and give back the published documents, and once
 * merged the hub shows the file (nothing left to export). Also `server.ts --export-revisions`
 * as a command, on SQLite, or on PostgreSQL when HUB_TEST_DATABASE_URL is set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { accountMigrations, AccountStore } from '../accounts/store.ts';
import { editableKinds, loadHubContent } from '../app.ts';
import { openPostgres, openSqlite, type Database } from '../db/index.ts';
import { coreMigrations, migrate } from '../db/migrate.ts';
import { explainerKind, glossaryKind } from '../modules/learn/content.ts';
import { modules } from '../modules/index.ts';
import { DEFAULT_CONTENT_DIR } from '../server.ts';
import { createTestDatabaseUrl } from '../testing.ts';
import { exportRevisions } from './export.ts';
import type { ContentStore } from './index.ts';
import { ContentRevisions, revisionMigrations } from './revisions.ts';

const checks = modules.flatMap((m) => (m.contentCheck === undefined ? [] : [m.contentCheck.bind(m)]));

async function prepared(database: Database, content: ContentStore): Promise<ContentRevisions> {
  await migrate(database.db, [
    { module: 'core', migrations: coreMigrations },
    { module: 'accounts', migrations: accountMigrations },
    { module: 'content', migrations: revisionMigrations },
  ]);
  const users = new AccountStore(database.db);
  const author = await users.createUser({ email: 'a@example.org', name: 'A', passwordHash: 'x', locale: 'en', role: 'editor', verified: true });
  const reviewer = await users.createUser({ email: 'r@example.org', name: 'R', passwordHash: 'x', locale: 'en', role: 'editor', verified: true });
  const revisions = new ContentRevisions({ db: database.db, content, kinds: editableKinds(modules), checks, now: () => Date.parse('2030-01-15T09:00:00Z') });
  await revisions.load();
  const edit = async (kind: string, id: string, change: (doc: Record<string, unknown>) => Record<string, unknown>) => {
    const current = await revisions.current(kind, id);
    assert.ok(current !== undefined);
    const proposed = await revisions.propose({ kind, itemId: id, input: change(current.document), baseHash: current.hash, authorId: author.id, locale: 'en', summary: '' });
    assert.ok(proposed.ok, JSON.stringify(proposed));
    await revisions.publish(proposed.revision.id, { id: reviewer.id, admin: false }, '');
  };
  await edit('learn.glossary', 'block', (d) => ({ ...d, definition: { ...(d.definition as object), fr: 'Un lot de transactions : « défini » ici, sur une ligne.' } }));
  await edit('learn.explainers', 'what-is-a-blockchain', (d) => ({ ...d, body: `${String(d.body)}\nA paragraph added on the web: with a colon, and "quotes".\n` }));
  return revisions;
}

test('exported files load with the schemas, give back the published documents, and once merged leave nothing to export', async () => {
  const root = mkdtempSync(join(tmpdir(), 'dcbt-export-'));
  const database = openSqlite(':memory:');
  try {
    const contentDir = join(root, 'content');
    cpSync(DEFAULT_CONTENT_DIR, contentDir, { recursive: true });
    const content = loadHubContent(contentDir, modules);
    const revisions = await prepared(database, content);
    const out = join(root, 'out');
    const result = await exportRevisions({ db: database.db, content, kinds: revisions.kinds, outDir: out });
    assert.deepEqual(result.written.map((w) => [w.file, w.version]).sort(), [
      ['explainers/what-is-a-blockchain.md', 1],
      ['glossary/block.yaml', 1],
    ]);
    assert.deepEqual(result.skipped, []);
    const yaml = readFileSync(join(out, 'glossary/block.yaml'), 'utf8');
    assert.match(yaml, /^id: block\n/);
    assert.match(yaml, /reviewed: 2030-01-15\n/, 'publishing set the review date');
    assert.match(readFileSync(join(out, 'explainers/what-is-a-blockchain.md'), 'utf8'), /^---\nid: what-is-a-blockchain\n[\s\S]*\n---\n/);

    // Merge: copy over content/ and load it as the hub does at start-up.
    cpSync(out, contentDir, { recursive: true });
    const merged = loadHubContent(contentDir, modules);
    assert.deepEqual(merged.get(glossaryKind, 'block'), content.get(glossaryKind, 'block'));
    assert.deepEqual(merged.get(explainerKind, 'what-is-a-blockchain'), content.get(explainerKind, 'what-is-a-blockchain'));
    const again = await exportRevisions({ db: database.db, content: merged, kinds: revisions.kinds, outDir: join(root, 'out2') });
    assert.deepEqual(again.written, []);
    assert.deepEqual(again.skipped.map((s) => s.reason), ['same-as-file', 'same-as-file']);

    // A later change to the file wins over the older web edit, and is not overwritten.
    const file = join(contentDir, 'glossary/block.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^reviewed: .*$/m, 'reviewed: 2030-02-01'));
    const newer = loadHubContent(contentDir, modules);
    const third = await exportRevisions({ db: database.db, content: newer, kinds: revisions.kinds, outDir: join(root, 'out3') });
    assert.ok(third.skipped.some((s) => s.file === 'glossary/block.yaml' && s.reason === 'file-newer'));
    assert.ok(!existsSync(join(root, 'out3/glossary/block.yaml')));
  } finally {
    await database.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('npx node src/hub/server.ts --export-revisions DIR', async () => {
  const root = mkdtempSync(join(tmpdir(), 'dcbt-export-cli-'));
  const created = await createTestDatabaseUrl();
  const database = created.url === '' ? openSqlite(join(root, 'data', 'hub.sqlite')) : openPostgres(created.url);
  try {
    await prepared(database, loadHubContent(DEFAULT_CONTENT_DIR, modules));
    await database.close();
    const server = fileURLToPath(new URL('../server.ts', import.meta.url));
    const run = spawnSync(process.execPath, [server, '--data-dir', join(root, 'data'), '--export-revisions', join(root, 'out')], {
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: created.url },
      timeout: 60_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Wrote 2 files to .*out:\n {2}explainers\/what-is-a-blockchain\.md {2}\(version 1, published 2030-01-15\)\n {2}glossary\/block\.yaml {2}\(version 1, published 2030-01-15\)\n/);
    assert.match(run.stdout, /Copy these files over content\/ in a branch/);
    assert.match(readFileSync(join(root, 'out/glossary/block.yaml'), 'utf8'), /fr: "?Un lot de transactions : « défini » ici, sur une ligne\."?/);
  } finally {
    await database.close().catch(() => {});
    await created.drop();
    rmSync(root, { recursive: true, force: true });
  }
});
