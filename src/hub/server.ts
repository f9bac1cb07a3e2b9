/**
 * Starts the hub: loads and validates the content, opens the database (SQLite file under the
 * data dir, or PostgreSQL when DATABASE_URL is set), runs migrations and listens.
 *
 *   npx node src/hub/server.ts [--port 8080] [--host 127.0.0.1] [--data-dir .dcbt]
 *   npx node src/hub/server.ts --create-admin alice@example.org [--public-url https://hub.example.org]
 *   npx node src/hub/server.ts --export-revisions DIR    # published web edits as content files
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
import { accountMigrations } from './accounts/store.ts';
import { buildHub, createI18n, editableKinds, loadHubContent, type HubAccountOptions } from './app.ts';
import { exportRevisions, type ExportResult } from './content/export.ts';
import { revisionMigrations } from './content/revisions.ts';
import { openDatabase } from './db/index.ts';
import { coreMigrations, migrate } from './db/migrate.ts';
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

/**
 * Writes the published web edits still shown in place of their files into `outDir`, laid out
 * like content/ (see content/export.ts). Used by `--export-revisions` here and by
 * `dcbt hub --export-revisions`.
 */
export async function exportPublishedRevisions(options: { dataDir: string; outDir: string; contentDir?: string | undefined; databaseUrl?: string | undefined }): Promise<ExportResult> {
  const content = loadHubContent(options.contentDir ?? DEFAULT_CONTENT_DIR, modules);
  const dataDir = resolve(options.dataDir);
  const database = openDatabase({ databaseUrl: options.databaseUrl ?? process.env.DATABASE_URL, sqliteFile: join(dataDir, 'hub.sqlite') });
  try {
    // A database that never ran the hub gets its tables (and has nothing to export).
    await migrate(database.db, [
      { module: 'core', migrations: coreMigrations },
      { module: 'accounts', migrations: accountMigrations },
      { module: 'content', migrations: revisionMigrations },
    ]);
    return await exportRevisions({ db: database.db, content, kinds: editableKinds(modules), outDir: options.outDir });
  } finally {
    await database.close();
  }
}

/** The export's outcome for people: one line per file written or left out. */
export function describeExport(result: ExportResult, outDir: string): string {
  const reasons = {
    'same-as-file': 'the file already has this text',
    'file-newer': 'the file changed after the web edits; the file wins',
    'no-file': 'the file no longer exists',
    'not-editable': 'no module edits this kind any more',
  } as const;
  const lines = [
    result.written.length === 0 ? `No published web edits to export (nothing written to ${outDir}).` : `Wrote ${result.written.length} file${result.written.length === 1 ? '' : 's'} to ${outDir}:`,
    ...result.written.map((w) => `  ${w.file}  (version ${w.version}${w.reviewedAt === null ? '' : `, published ${w.reviewedAt.slice(0, 10)}`})`),
    ...(result.skipped.length === 0 ? [] : ['Not written:', ...result.skipped.map((s) => `  ${s.file}: ${reasons[s.reason]}`)]),
  ];
  if (result.written.length > 0) lines.push('Copy these files over content/ in a branch, run the content tests, and merge as usual.');
  return `${lines.join('\n')}\n`;
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
      'export-revisions': { type: 'string' },
    },
  });
  try {
    const exportDir = values['export-revisions'];
    if (exportDir !== undefined) {
      const result = await exportPublishedRevisions({ dataDir: values['data-dir'], outDir: exportDir, contentDir: values['content-dir'] });
      process.stdout.write(describeExport(result, exportDir));
      process.exit(0);
    }
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
