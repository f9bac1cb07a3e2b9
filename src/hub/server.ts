/**
 * Starts the hub: loads and validates the content, opens the database (SQLite file under the
 * data dir, or PostgreSQL when DATABASE_URL is set), runs migrations and listens.
 *
 *   npx node src/hub/server.ts [--port 8080] [--host 127.0.0.1] [--data-dir .dcbt]
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildHub, createI18n, loadHubContent } from './app.ts';
import { openDatabase } from './db/index.ts';
import { modules } from './modules/index.ts';

export const DEFAULT_CONTENT_DIR = fileURLToPath(new URL('../../content/', import.meta.url));

export interface StartHubOptions {
  dataDir: string;
  port: number;
  host: string;
  rpcUrl?: string | undefined;
  /** Defaults to the repository's content/ folder. */
  contentDir?: string;
  /** PostgreSQL URL; defaults to the DATABASE_URL environment variable, else SQLite. */
  databaseUrl?: string | undefined;
  /** pino logger options, or false for silence. */
  logger?: boolean | { level: string };
  https?: boolean;
}

export interface RunningHub {
  url: string;
  close(): Promise<void>;
}

/** A per-installation secret for CSRF tokens, kept in the data dir (mode 0600). */
function loadSecret(dataDir: string): Buffer {
  const file = join(dataDir, 'hub-secret');
  if (existsSync(file)) {
    const secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
    if (secret.length >= 32) return secret;
  }
  const secret = randomBytes(32);
  writeFileSync(file, `${secret.toString('base64url')}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

export async function startHub(options: StartHubOptions): Promise<RunningHub> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const content = loadHubContent(options.contentDir ?? DEFAULT_CONTENT_DIR, modules);
  const database = openDatabase({
    databaseUrl: options.databaseUrl ?? process.env.DATABASE_URL,
    sqliteFile: join(dataDir, 'hub.sqlite'),
  });
  let app: Awaited<ReturnType<typeof buildHub>>;
  try {
    app = await buildHub({
      db: database.db,
      content,
      i18n: createI18n(modules),
      modules,
      rpcUrl: options.rpcUrl,
      csrfSecret: loadSecret(dataDir),
      https: options.https === true,
      logger: options.logger === undefined ? { level: 'info' } : options.logger,
    });
    if (content.warnings.length > 0) {
      const first = content.warnings.slice(0, 3).map((w) => `${w.file}: ${w.field}: ${w.reason}`);
      app.log.warn({ warnings: content.warnings.length, first }, 'content has warnings (see the content tests)');
    }
  } catch (error) {
    await database.close();
    throw error;
  }
  app.addHook('onClose', async () => {
    await database.close();
  });
  try {
    const address = await app.listen({ port: options.port, host: options.host });
    return { url: address, close: () => app.close() };
  } catch (error) {
    await app.close();
    throw error;
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.PORT ?? '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string', default: '.dcbt' },
      'rpc-url': { type: 'string' },
      'content-dir': { type: 'string' },
    },
  });
  try {
    const hub = await startHub({
      dataDir: values['data-dir'],
      port: Number(values.port),
      host: values.host,
      rpcUrl: values['rpc-url'],
      ...(values['content-dir'] === undefined ? {} : { contentDir: values['content-dir'] }),
    });
    process.stdout.write(`DCBT hub listening on ${hub.url}\n`);
    const stop = (): void => {
      void hub.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
