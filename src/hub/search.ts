/**
 * Site search: an SQLite FTS5 index (in memory, rebuilt at start-up from the modules' search
 * providers). It is separate from the main database so it works the same whether the hub
 * stores its data in SQLite or PostgreSQL.
 */
import { DatabaseSync } from 'node:sqlite';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { NodeSqliteDatabase } from './db/index.ts';
import type { Locale } from './i18n/index.ts';
import type { SearchDoc } from './modules/types.ts';

interface SearchTables {
  search_docs: { module: string; ref: string; kind_key: string; locale: string; lang: string; path: string; title: string; text: string };
}

export interface SearchHit {
  module: string;
  ref: string;
  kindKey: string;
  lang: Locale;
  path: string;
  title: string;
  /** Excerpt with matches between \uE000 and \uE001 (escape, then replace with <mark>). */
  snippet: string;
}

export const MARK_START = '\uE000';
export const MARK_END = '\uE001';

/** Turns free text into an FTS5 query: every word must match, as a prefix; no operators. */
export function toMatchQuery(input: string): string | undefined {
  const words = input
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}\p{M}]+/u)
    .filter((w) => w !== '')
    .slice(0, 12);
  if (words.length === 0) return undefined;
  return words.map((w) => `"${w}"*`).join(' ');
}

export class SearchIndex {
  readonly #db: Kysely<SearchTables>;
  readonly #native: DatabaseSync;

  constructor() {
    this.#native = new DatabaseSync(':memory:');
    this.#native.exec(`CREATE VIRTUAL TABLE search_docs USING fts5(
      module UNINDEXED, ref UNINDEXED, kind_key UNINDEXED, locale UNINDEXED, lang UNINDEXED, path UNINDEXED,
      title, text, tokenize = 'unicode61 remove_diacritics 2')`);
    this.#db = new Kysely<SearchTables>({ dialect: new SqliteDialect({ database: new NodeSqliteDatabase(this.#native) }) });
  }

  async add(module: string, docs: readonly SearchDoc[]): Promise<void> {
    await this.#insert(module, docs, false);
  }

  /** Replaces every document of a module (after its content changed), in one transaction. */
  async replace(module: string, docs: readonly SearchDoc[]): Promise<void> {
    await this.#insert(module, docs, true);
  }

  async #insert(module: string, docs: readonly SearchDoc[], replace: boolean): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      if (replace) await trx.deleteFrom('search_docs').where('module', '=', module).execute();
      const clean = (text: string): string => text.replace(/[\uE000-\uF8FF]/g, '');
      for (const d of docs) {
        await trx
          .insertInto('search_docs')
          .values({ module, ref: d.ref, kind_key: d.kindKey, locale: d.locale, lang: d.lang, path: d.path, title: clean(d.title), text: clean(d.text) })
          .execute();
      }
    });
  }

  async search(locale: Locale, input: string, options: { limit: number; offset: number }): Promise<{ total: number; hits: SearchHit[] }> {
    const match = toMatchQuery(input);
    if (match === undefined) return { total: 0, hits: [] };
    const where = sql<boolean>`search_docs MATCH ${match} AND locale = ${locale}`;
    const count = await this.#db
      .selectFrom('search_docs')
      .select(sql<number>`count(*)`.as('n'))
      .where(where)
      .executeTakeFirst();
    const rows = await this.#db
      .selectFrom('search_docs')
      .select([
        'module',
        'ref',
        'kind_key',
        'lang',
        'path',
        'title',
        sql<string>`snippet(search_docs, 7, ${MARK_START}, ${MARK_END}, '…', 24)`.as('snippet'),
      ])
      .where(where)
      .orderBy(sql`bm25(search_docs, 0, 0, 0, 0, 0, 0, 8.0, 1.0)`)
      .limit(options.limit)
      .offset(options.offset)
      .execute();
    return {
      total: Number(count?.n ?? 0),
      hits: rows.map((r) => ({
        module: r.module,
        ref: r.ref,
        kindKey: r.kind_key,
        lang: r.lang as Locale,
        path: r.path,
        title: r.title,
        snippet: r.snippet,
      })),
    };
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }
}
