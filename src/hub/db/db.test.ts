import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openTestDatabase } from '../testing.ts';
import { openDatabase } from './index.ts';
import { coreMigrations, migrate, type Migration } from './migrate.ts';

const notes: Migration[] = [
  {
    id: '0001-notes',
    async up(db) {
      await db.schema
        .createTable('demo_notes')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('done', 'boolean', (c) => c.notNull().defaultTo(false))
        .execute();
    },
  },
];

// These run on the test database: in-memory SQLite, or PostgreSQL in npm test's second pass.
test('migrations run once, in order, and are recorded per module', async () => {
  const { db, dialect, close } = await openTestDatabase();
  try {
    const sets = [
      { module: 'core', migrations: coreMigrations },
      { module: 'demo', migrations: notes },
    ];
    assert.deepEqual(await migrate(db, sets), ['core/0001-settings', 'demo/0001-notes']);
    assert.deepEqual(await migrate(db, sets), []);
    const rows = await db.selectFrom('hub_migrations').select(['module', 'id']).orderBy('module').execute();
    assert.deepEqual(rows.map((r) => ({ ...r })), [
      { module: 'core', id: '0001-settings' },
      { module: 'demo', id: '0001-notes' },
    ]);

    // Parameterised queries through the node:sqlite adapter, booleans included.
    const demo = db.withTables<{ demo_notes: { id: number; text: string; done: number | boolean } }>();
    await demo.insertInto('demo_notes').values({ id: 1, text: "it's <fine>", done: true }).execute();
    const note = await demo.selectFrom('demo_notes').selectAll().where('text', '=', "it's <fine>").executeTakeFirstOrThrow();
    // SQLite has no boolean type (the adapter stores 0/1); PostgreSQL returns a boolean.
    assert.deepEqual({ ...note }, { id: 1, text: "it's <fine>", done: dialect === 'sqlite' ? 1 : true });
    // PostgreSQL returns count(*) as a bigint string.
    const count = await sql<{ n: number | string }>`select count(*) as n from demo_notes where id = ${1}`.execute(db);
    assert.equal(Number(count.rows[0]?.n), 1);
  } finally {
    await close();
  }
});

test('a failing migration rolls back and is not recorded', async () => {
  const { db, close } = await openTestDatabase();
  try {
    const broken: Migration[] = [
      {
        id: '0001-half',
        async up(trx) {
          await trx.schema.createTable('demo_half').addColumn('id', 'integer').execute();
          throw new Error('boom');
        },
      },
    ];
    await assert.rejects(migrate(db, [{ module: 'demo', migrations: broken }]), /boom/);
    const recorded = await db.selectFrom('hub_migrations').selectAll().execute();
    assert.deepEqual(recorded, []);
    await assert.rejects(sql`select count(*) from demo_half`.execute(db), /demo_half/);
  } finally {
    await close();
  }
});

test('migration lists must be unique and in id order', async () => {
  const { db, close } = await openTestDatabase();
  try {
    const m = (id: string): Migration => ({ id, up: async () => {} });
    await assert.rejects(migrate(db, [{ module: 'x', migrations: [m('0002'), m('0001')] }]), /in id order/);
    await assert.rejects(migrate(db, [{ module: 'x', migrations: [m('0001'), m('0001')] }]), /duplicate/);
  } finally {
    await close();
  }
});

test('a SQLite file under the data dir keeps its migrations across opens', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-db-'));
  try {
    const file = join(dir, 'sub', 'hub.sqlite');
    const first = openDatabase({ sqliteFile: file });
    assert.equal(first.dialect, 'sqlite');
    await migrate(first.db, [{ module: 'core', migrations: coreMigrations }]);
    await first.close();
    const second = openDatabase({ sqliteFile: file, databaseUrl: '' });
    assert.deepEqual(await migrate(second.db, [{ module: 'core', migrations: coreMigrations }]), []);
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('DATABASE_URL selects PostgreSQL and rejects other schemes', async () => {
  assert.throws(() => openDatabase({ sqliteFile: ':memory:', databaseUrl: 'mysql://x' }), /postgres/);
  const pg = openDatabase({ sqliteFile: ':memory:', databaseUrl: 'postgres://user@127.0.0.1:1/none' });
  assert.equal(pg.dialect, 'postgres');
  await pg.close();
});
