/**
 * Starts the hub: loads and validates the content, opens the database (SQLite file under the
 * data dir, or PostgreSQL when DATABASE_URL is set), runs migrations and listens.
 *
 *   npx node src/hub/server.ts [--port 8080] [--host 127.0.0.1] [--data-dir .dcbt]
 *   npx node src/hub/server.ts --create-admin alice@example.org [--public-url https://hub.example.org]
 *
 * Mail goes through SMTP when DCBT_HUB_SMTP_HOST is set (see mail/index.ts), otherwise into
 * <dataDir>/outbox/. Links in mail start with --public-url / DCBT_HUB_PUBLIC_URL, or the
 * listening address when neither is set.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createAdmin } from './accounts/admin.ts';
import { buildHub, createI18n, loadHubContent, type HubAccountOptions } from './app.ts';
import { openDatabase } from './db/index.ts';
import { DEFAULT_FROM, Mailer, mailTransportFromEnv, type MailTransportConfig } from './mail/index.ts';
import { modules } from './modules/index.ts';
import { DEFAULT_PAGE_CACHE, type PageCacheOptions } from './page-cache.ts';

export const DEFAULT_CONTENT_DIR = fileURLToPath(new URL('../../content/', import.meta.url));

export interface StartHubOptions {
  dataDir: string;
  port: number;
  host: string;
  rpcUrl?: string | undefined;
  /** The node's DNS server (host, UDP/TCP port), shown in commands to try; `dcbt start` passes it. */
  dnsServer?: { host: string; port: number } | undefined;
  /** Defaults to the repository's content/ folder. */
  contentDir?: string;
  /** PostgreSQL URL; defaults to the DATABASE_URL environment variable, else SQLite. */
  databaseUrl?: string | undefined;
  /** pino logger options, or false for silence. */
  logger?: boolean | { level: string };
  https?: boolean;
  /** Base URL of links in e-mail; defaults to DCBT_HUB_PUBLIC_URL, else the listening URL. */
  publicUrl?: string | undefined;
  /** Defaults to SMTP from DCBT_HUB_SMTP_* when set, else <dataDir>/outbox/. */
  mailTransport?: MailTransportConfig;
  /** The From header; defaults to DCBT_HUB_MAIL_FROM. */
  mailFrom?: string | undefined;
  /** This address becomes an admin once confirmed; defaults to DCBT_HUB_ADMIN_EMAIL. */
  adminEmail?: string | undefined;
  /** Password hashing cost, session and token lifetimes, form limits (tests use cheaper ones). */
  accounts?: Pick<HubAccountOptions, 'scrypt' | 'sessionLimits' | 'tokenLifetimes' | 'rateLimits'>;
  /** Requests per minute per client address (default 600); false turns the limit off (tests, benches). */
  rateLimitPerMinute?: number | false;
  /** Pages for visitors without cookies are served again for 2 s (DEFAULT_PAGE_CACHE); false turns that off. */
  pageCache?: PageCacheOptions | false;
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
  let app: Awaited<ReturnType<typeof buildHub>> | undefined;
  let listeningUrl = '';
  const publicUrl = options.publicUrl ?? process.env.DCBT_HUB_PUBLIC_URL ?? '';
  const mailer = new Mailer({
    transport: options.mailTransport ?? mailTransportFromEnv(process.env, dataDir),
    from: options.mailFrom ?? process.env.DCBT_HUB_MAIL_FROM ?? DEFAULT_FROM,
    onError: (error, info) => app?.log.warn({ err: error, to: info.to, subject: info.subject }, 'mail not sent'),
  });
  try {
    app = await buildHub({
      accounts: {
        mailer,
        publicUrl: () => (publicUrl === '' ? listeningUrl : publicUrl),
        adminEmail: options.adminEmail ?? process.env.DCBT_HUB_ADMIN_EMAIL,
        ...options.accounts,
      },
      db: database.db,
      content,
      i18n: createI18n(modules),
      modules,
      rpcUrl: options.rpcUrl,
      dnsServer: options.dnsServer,
      csrfSecret: loadSecret(dataDir),
      https: options.https === true,
      ...(options.rateLimitPerMinute === undefined ? {} : { rateLimitPerMinute: options.rateLimitPerMinute }),
      pageCache: options.pageCache ?? DEFAULT_PAGE_CACHE,
      logger: options.logger === undefined ? { level: 'info' } : options.logger,
    });
    if (content.warnings.length > 0) {
      const first = content.warnings.slice(0, 3).map((w) => `${w.file}: ${w.field}: ${w.reason}`);
      app.log.warn({ warnings: content.warnings.length, first }, 'content has warnings (see the content tests)');
    }
  } catch (error) {
    await mailer.close();
    await database.close();
    throw error;
  }
  const hub = app;
  hub.addHook('onClose', async () => {
    await database.close();
  });
  try {
    const address = await hub.listen({ port: options.port, host: options.host });
    listeningUrl = address;
    return { url: address, close: () => hub.close() };
  } catch (error) {
    await hub.close();
    throw error;
  }
}

/**
 * Creates (or promotes) an admin account in the hub's database and returns the one-time URL on
 * which to choose its password. Used by `--create-admin` here and by `dcbt hub --create-admin`.
 */
export async function createAdminAccount(options: { dataDir: string; email: string; databaseUrl?: string | undefined; publicUrl: string }): Promise<{ url: string; created: boolean; expiresInMs: number }> {
  const dataDir = resolve(options.dataDir);
  const database = openDatabase({ databaseUrl: options.databaseUrl ?? process.env.DATABASE_URL, sqliteFile: join(dataDir, 'hub.sqlite') });
  try {
    const made = await createAdmin(database.db, { email: options.email });
    return { url: `${options.publicUrl.replace(/\/+$/, '')}${made.setPasswordPath}`, created: made.created, expiresInMs: made.expiresInMs };
  } finally {
    await database.close();
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
      'public-url': { type: 'string' },
      'create-admin': { type: 'string' },
    },
  });
  try {
    const email = values['create-admin'];
    if (email !== undefined) {
      const publicUrl = values['public-url'] ?? process.env.DCBT_HUB_PUBLIC_URL ?? `http://${values.host}:${values.port}`;
      const made = await createAdminAccount({ dataDir: values['data-dir'], email, publicUrl });
      process.stdout.write(
        `${made.created ? 'Created' : 'Promoted'} the admin account ${email}. Choose its password within ${Math.round(made.expiresInMs / 3600_000)} hours at:\n  ${made.url}\n`,
      );
      process.exit(0);
    }
    const hub = await startHub({
      ...(values['public-url'] === undefined ? {} : { publicUrl: values['public-url'] }),
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
