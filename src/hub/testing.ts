/**
 * Test helpers: a hub over a fresh test database and the repository's content.
 *
 * The test database is an in-memory SQLite database, or, when HUB_TEST_DATABASE_URL names a
 * PostgreSQL server (npm test starts a throwaway one for its second pass over the hub tests), a
 * new database created in that server for each call and dropped on close — so test files running
 * at the same time never share tables.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildHub, createI18n, loadHubContent } from './app.ts';
import { openPostgres, openSqlite, type Database } from './db/index.ts';
import { modules as defaultModules } from './modules/index.ts';
import type { HubModule } from './modules/types.ts';
import type { PageCacheOptions } from './page-cache.ts';
import { DEFAULT_CONTENT_DIR } from './server.ts';

/** Superuser URL of a PostgreSQL server the tests may create databases in. */
export const TEST_DATABASE_ENV = 'HUB_TEST_DATABASE_URL';

/** The PostgreSQL server the tests run against, or undefined for SQLite. */
export function testPostgresUrl(): string | undefined {
  const url = process.env[TEST_DATABASE_ENV];
  return url === undefined || url === '' ? undefined : url;
}

async function adminQuery(adminUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export interface TestDatabaseUrl {
  /** A postgres:// URL of a new, empty database; '' on SQLite (startHub then uses its data dir). */
  url: string;
  /** Drops the database (after every connection to it has closed). */
  drop(): Promise<void>;
}

/** A new, empty PostgreSQL database for one test (e.g. for startHub), or '' on SQLite. */
export async function createTestDatabaseUrl(): Promise<TestDatabaseUrl> {
  const admin = testPostgresUrl();
  if (admin === undefined) return { url: '', drop: async () => {} };
  // Names are unique per process and call; lower-case so they need no quoting rules.
  const name = `hub_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  await adminQuery(admin, `CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  // No FORCE: pg's Pool.end() resolves before its sockets have closed, and terminating those
  // sessions would raise errors in clients that are already shutting down. A plain DROP waits up
  // to 5 s for them to go; past that, something still holds a connection (a pool not closed).
  const drop = async (): Promise<void> => {
    try {
      await adminQuery(admin, `DROP DATABASE IF EXISTS ${name}`);
    } catch (error) {
      throw new Error(`could not drop test database ${name}: ${(error as Error).message} (was every pool closed?)`, { cause: error });
    }
  };
  return { url: url.toString(), drop };
}

/** A fresh test database: in-memory SQLite, or a new PostgreSQL database (see above). */
export async function openTestDatabase(): Promise<Database> {
  const created = await createTestDatabaseUrl();
  if (created.url === '') return openSqlite(':memory:');
  const database = openPostgres(created.url);
  return {
    ...database,
    close: async () => {
      await database.close();
      await created.drop();
    },
  };
}

export async function testHub(
  options: { modules?: readonly HubModule[]; contentDir?: string; rateLimitPerMinute?: number | false; pageCache?: PageCacheOptions } = {},
): Promise<FastifyInstance> {
  const modules = options.modules ?? defaultModules;
  const database = await openTestDatabase();
  try {
    const app = await buildHub({
      db: database.db,
      content: loadHubContent(options.contentDir ?? DEFAULT_CONTENT_DIR, modules),
      i18n: createI18n(modules),
      modules,
      rateLimitPerMinute: options.rateLimitPerMinute ?? false,
      ...(options.pageCache === undefined ? {} : { pageCache: options.pageCache }),
    });
    app.addHook('onClose', async () => {
      await database.close();
    });
    return app;
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** Counts elements by tag name in an HTML string (no parser: enough for structural checks). */
export function countTags(page: string, tag: string): number {
  return (page.match(new RegExp(`<${tag}[\\s>]`, 'g')) ?? []).length;
}
