/**
 * The hub's database: kysely over SQLite (node:sqlite, the embedded default) or PostgreSQL
 * (when a `postgres://` URL is given, e.g. from DATABASE_URL).
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import pg from 'pg';

/** Tables owned by the core. Modules describe their own tables and use `db.withTables<T>()`. */
export interface CoreTables {
  hub_migrations: { module: string; id: string; applied_at: string };
  hub_settings: { key: string; value: string };
}

export type HubDb = Kysely<CoreTables>;

export interface Database {
  readonly db: HubDb;
  readonly dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

function toSqlValue(value: unknown): SQLInputValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') return value;
  if (value instanceof Uint8Array) return value;
  throw new TypeError(`cannot bind a ${typeof value} to an SQL parameter`);
}

class NodeSqliteStatement implements SqliteStatement {
  readonly #stmt: StatementSync;
  readonly reader: boolean;

  constructor(stmt: StatementSync) {
    this.#stmt = stmt;
    this.reader = stmt.columns().length > 0;
  }

  all(parameters: readonly unknown[]): unknown[] {
    return this.#stmt.all(...parameters.map(toSqlValue));
  }

  run(parameters: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint } {
    const { changes, lastInsertRowid } = this.#stmt.run(...parameters.map(toSqlValue));
    return { changes, lastInsertRowid };
  }

  iterate(parameters: readonly unknown[]): IterableIterator<unknown> {
    return this.#stmt.iterate(...parameters.map(toSqlValue));
  }
}

/** Adapts node:sqlite's DatabaseSync to the interface kysely's SqliteDialect expects. */
export class NodeSqliteDatabase implements SqliteDatabase {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  prepare(sql: string): SqliteStatement {
    return new NodeSqliteStatement(this.#db.prepare(sql));
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

/** Opens a SQLite database file (`:memory:` for tests) with kysely. */
export function openSqlite(file: string): Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const native = new DatabaseSync(file);
  native.exec('PRAGMA foreign_keys = ON');
  if (file !== ':memory:') {
    native.exec('PRAGMA journal_mode = WAL');
    native.exec('PRAGMA busy_timeout = 5000');
  }
  const db = new Kysely<CoreTables>({ dialect: new SqliteDialect({ database: new NodeSqliteDatabase(native) }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/** Opens a PostgreSQL database from a `postgres://` URL. */
export function openPostgres(url: string): Database {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const db = new Kysely<CoreTables>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

/** PostgreSQL when `databaseUrl` is set, otherwise SQLite at `sqliteFile`. */
export function openDatabase(options: { databaseUrl?: string | undefined; sqliteFile: string }): Database {
  const url = options.databaseUrl;
  if (url !== undefined && url !== '') {
    if (!/^postgres(ql)?:\/\//.test(url)) throw new Error('DATABASE_URL must start with postgres:// or postgresql://');
    return openPostgres(url);
  }
  return openSqlite(options.sqliteFile);
}
