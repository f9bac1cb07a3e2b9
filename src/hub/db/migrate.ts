/**
 * Migrations: the core's first, then each module's in manifest order. Each migration runs in a
 * transaction and is recorded in `hub_migrations` (module, id, applied_at); recorded ones are
 * skipped. Migrations are append-only: never edit or reorder one that has shipped.
 */
import type { Kysely } from 'kysely';
import type { HubDb } from './index.ts';

export interface Migration {
  /** Unique within its module and sorted by it, e.g. "0001-settings". */
  id: string;
  // Migrations see the database without table types: the schema is what they create.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  up(db: Kysely<any>): Promise<void>;
}

export interface MigrationSet {
  module: string;
  migrations: readonly Migration[];
}

export const coreMigrations: readonly Migration[] = [
  {
    id: '0001-settings',
    async up(db) {
      await db.schema
        .createTable('hub_settings')
        .addColumn('key', 'varchar(200)', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  },
];

async function ensureTable(db: HubDb): Promise<void> {
  await db.schema
    .createTable('hub_migrations')
    .ifNotExists()
    .addColumn('module', 'varchar(100)', (c) => c.notNull())
    .addColumn('id', 'varchar(200)', (c) => c.notNull())
    .addColumn('applied_at', 'varchar(40)', (c) => c.notNull())
    .addPrimaryKeyConstraint('hub_migrations_pk', ['module', 'id'])
    .execute();
}

/** Applies pending migrations; returns "module/id" of each one applied. */
export async function migrate(db: HubDb, sets: readonly MigrationSet[]): Promise<string[]> {
  await ensureTable(db);
  const applied: string[] = [];
  for (const { module, migrations } of sets) {
    const ids = migrations.map((m) => m.id);
    if (new Set(ids).size !== ids.length) throw new Error(`migrations of "${module}" have duplicate ids`);
    const sorted = [...ids].sort();
    if (ids.some((id, i) => id !== sorted[i])) throw new Error(`migrations of "${module}" must be listed in id order`);
    const done = new Set(
      (await db.selectFrom('hub_migrations').select('id').where('module', '=', module).execute()).map((r) => r.id),
    );
    for (const migration of migrations) {
      if (done.has(migration.id)) continue;
      await db.transaction().execute(async (trx) => {
        await migration.up(trx);
        await trx
          .insertInto('hub_migrations')
          .values({ module, id: migration.id, applied_at: new Date().toISOString() })
          .execute();
      });
      applied.push(`${module}/${migration.id}`);
    }
  }
  return applied;
}
