/** Test helpers: a hub over an in-memory database and the repository's content. */
import type { FastifyInstance } from 'fastify';
import { buildHub, createI18n, loadHubContent } from './app.ts';
import { openSqlite } from './db/index.ts';
import { modules as defaultModules } from './modules/index.ts';
import type { HubModule } from './modules/types.ts';
import { DEFAULT_CONTENT_DIR } from './server.ts';

export async function testHub(
  options: { modules?: readonly HubModule[]; contentDir?: string; rateLimitPerMinute?: number | false } = {},
): Promise<FastifyInstance> {
  const modules = options.modules ?? defaultModules;
  const database = openSqlite(':memory:');
  const app = await buildHub({
    db: database.db,
    content: loadHubContent(options.contentDir ?? DEFAULT_CONTENT_DIR, modules),
    i18n: createI18n(modules),
    modules,
    rateLimitPerMinute: options.rateLimitPerMinute ?? false,
  });
  app.addHook('onClose', async () => {
    await database.close();
  });
  return app;
}

/** Counts elements by tag name in an HTML string (no parser: enough for structural checks). */
export function countTags(page: string, tag: string): number {
  return (page.match(new RegExp(`<${tag}[\\s>]`, 'g')) ?? []).length;
}
