/**
 * The hub's Fastify application: core routes (home, search, assets, errors), the module
 * system, i18n, security headers, CSRF and rate limits. `buildHub` does no I/O except the
 * database migrations; content is loaded by the caller (see server.ts).
 */
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { z } from 'zod';
import { Accounts, type AuthRateLimits, type TokenLifetimes } from './accounts/index.ts';
import { accountCatalogues } from './accounts/i18n/index.ts';
import { accountNav } from './accounts/nav.ts';
import type { ScryptParams } from './accounts/passwords.ts';
import { Permissions } from './accounts/roles.ts';
import { registerAccountRoutes } from './accounts/routes.ts';
import { accountMigrations, type SessionLimits } from './accounts/store.ts';
import { Assets, bundleClientScripts } from './assets.ts';
import { contentCatalogues } from './content/i18n/index.ts';
import { loadContent, type ContentStore } from './content/index.ts';
import { ContentRevisions, revisionMigrations, type EditableKind } from './content/revisions.ts';
import { contentLinks, registerContentRoutes, REVIEW_PATH } from './content/routes.ts';
import type { HubDb } from './db/index.ts';
import { coreMigrations, migrate } from './db/migrate.ts';
import { escapeHtml, html, raw, type SafeHtml } from './html.ts';
import { coreCatalogues } from './i18n/catalogues.ts';
import { I18n, isLocale, langAttrs, LOCALES, negotiateLocale, type Locale } from './i18n/index.ts';
import { localePath, renderLayout } from './layout.ts';
import { registerPageCache, type PageCacheOptions } from './page-cache.ts';
import { DEFAULT_FROM, Mailer } from './mail/index.ts';
import { modules as defaultModules } from './modules/index.ts';
import type { HubModule, ModuleContext, NavEntry, PageSpec, RequestView } from './modules/types.ts';
import { MARK_END, MARK_START, SearchIndex } from './search.ts';
import { Csrf, registerSecurityHeaders } from './security.ts';

export interface HubOptions {
  db: HubDb;
  content: ContentStore;
  i18n: I18n;
  modules?: readonly HubModule[];
  rpcUrl?: string | undefined;
  /** The node's DNS server, for the commands pages suggest (dig); omitted when unknown. */
  dnsServer?: { host: string; port: number } | undefined;
  logger?: FastifyServerOptions['logger'];
  /** ≥ 32 random bytes; generated per process when omitted (forms then expire on restart). */
  csrfSecret?: Buffer;
  /** Set when the hub is served over HTTPS: Secure cookies and HSTS. */
  https?: boolean;
  /** Requests per minute per client address; false turns the limit off. */
  rateLimitPerMinute?: number | false;
  /** Set behind a reverse proxy so client addresses (rate limits, logs) come from X-Forwarded-For. */
  trustProxy?: boolean;
  accounts?: HubAccountOptions;
  /** How often this process looks for revisions other hub processes published (default 5 s). */
  revisionSyncIntervalMs?: number;
  /** Rendered pages for visitors without cookies, served again for a few seconds (page-cache.ts); off when omitted. */
  pageCache?: PageCacheOptions | false;
}

export interface HubAccountOptions {
  /** Where mail goes; an in-memory outbox when omitted. The hub closes it when it closes. */
  mailer?: Mailer;
  /** Base URL of links in e-mail, e.g. https://hub.example.org; a function when known only after listen. */
  publicUrl?: string | (() => string);
  /** The account with this address becomes an admin when confirmed (DCBT_HUB_ADMIN_EMAIL). */
  adminEmail?: string | undefined;
  scrypt?: ScryptParams;
  sessionLimits?: SessionLimits;
  tokenLifetimes?: TokenLifetimes;
  rateLimits?: AuthRateLimits;
  /** Clock for sessions, tokens and limits (tests move it forward). */
  now?: () => number;
}

/** Module ids that would collide with the core's catalogue prefixes or paths. */
const RESERVED_MODULE_IDS = new Set(['core', 'account', 'accounts', 'admin', 'mail', 'content']);

/** The core catalogues plus every module's messages. */
export function createI18n(modules: readonly HubModule[] = defaultModules): I18n {
  const i18n = new I18n(coreCatalogues);
  i18n.extend('account', accountCatalogues);
  i18n.extend('content', contentCatalogues);
  for (const m of modules) i18n.extend(m.id, m.messages);
  return i18n;
}

/** Loads and validates the content every module declares (throws ContentError). */
export function loadHubContent(root: string, modules: readonly HubModule[] = defaultModules): ContentStore {
  const kinds = modules.flatMap((m) => m.contentSchemas ?? []);
  const checks = modules.flatMap((m) => (m.contentCheck === undefined ? [] : [m.contentCheck.bind(m)]));
  return loadContent(root, kinds, checks);
}

function validateModules(modules: readonly HubModule[]): void {
  const ids = new Set<string>();
  for (const m of modules) {
    if (!/^[a-z][a-z0-9]*$/.test(m.id)) throw new Error(`module id "${m.id}" must be lower-case ASCII letters and digits`);
    if (RESERVED_MODULE_IDS.has(m.id)) throw new Error(`module id "${m.id}" is reserved for the core`);
    if (ids.has(m.id)) throw new Error(`module id "${m.id}" is used twice`);
    ids.add(m.id);
    for (const p of m.permissions) {
      if (!p.startsWith(`${m.id}.`)) throw new Error(`permission "${p}" of module "${m.id}" must start with "${m.id}."`);
    }
    if (m.nav !== undefined && !m.nav.path.startsWith('/')) throw new Error(`nav path of module "${m.id}" must start with "/"`);
  }
}

/** The content kinds modules let editors change on the web, checked against their manifests. */
export function editableKinds(modules: readonly HubModule[]): EditableKind[] {
  return modules.flatMap((m) =>
    (m.contentSchemas ?? []).flatMap((kind) => {
      const editing = kind.editing;
      if (editing === undefined) return [];
      if (editing.path !== `/${m.id}` && !editing.path.startsWith(`/${m.id}/`)) throw new Error(`editing path of ${kind.id} must start with "/${m.id}"`);
      for (const p of [editing.editPermission, editing.reviewPermission]) {
        if (!m.permissions.includes(p)) throw new Error(`${kind.id} is edited with permission "${p}", which module "${m.id}" does not declare`);
      }
      return [{ module: m.id, kind, editing }];
    }),
  );
}

/** The locale of a request: from the URL's first segment, otherwise from Accept-Language. */
function requestLocale(request: FastifyRequest): { locale: Locale; inUrl: boolean } {
  const first = request.url.split(/[/?#]/)[1];
  if (isLocale(first)) return { locale: first, inUrl: true };
  return { locale: negotiateLocale(request.headers['accept-language']), inUrl: false };
}

/** Path below the locale and the query string, from the raw URL. */
function splitUrl(url: string, inUrl: boolean): { path: string; search: string } {
  const q = url.indexOf('?');
  const fullPath = q === -1 ? url : url.slice(0, q);
  const search = q === -1 ? '' : url.slice(q);
  const path = inUrl ? fullPath.replace(/^\/[a-z]{2}(?=\/|$)/, '') : fullPath;
  return { path: path === '/' ? '' : path.replace(/\/+$/, ''), search };
}

const SearchQuery = z.object({
  q: z.string().max(200).optional(),
  page: z.coerce.number().int().min(1).max(500).optional(),
});

const PAGE_SIZE = 20;

/** Escapes a search snippet, then turns the match markers into <mark> elements. */
function highlight(snippet: string): SafeHtml {
  return raw(escapeHtml(snippet).replaceAll(MARK_START, '<mark>').replaceAll(MARK_END, '</mark>'));
}

export async function buildHub(options: HubOptions): Promise<FastifyInstance> {
  const modules = options.modules ?? defaultModules;
  validateModules(modules);
  const { db, i18n } = options;
  // Published web edits are shown in place of file items in this hub's own copy of the content,
  // so hubs built from one loaded store (tests, benches) do not see each other's edits.
  const content = options.content.copy();

  const permissions = new Permissions(modules);
  await migrate(db, [
    { module: 'core', migrations: coreMigrations },
    { module: 'accounts', migrations: accountMigrations },
    { module: 'content', migrations: revisionMigrations },
    ...modules.map((m) => ({ module: m.id, migrations: m.migrations })),
  ]);
  for (const m of modules) await m.seed?.(db);

  const search = new SearchIndex();
  // Warnings go to the app's logger, which exists by the time the revisions load.
  const late: { log?: FastifyInstance['log'] } = {};
  const revisions = new ContentRevisions({
    db,
    content,
    kinds: editableKinds(modules),
    checks: modules.flatMap((m) => (m.contentCheck === undefined ? [] : [m.contentCheck.bind(m)])),
    onChange: async (changed) => {
      for (const m of modules) if (changed.has(m.id) && m.search !== undefined) await search.replace(m.id, m.search(content, LOCALES));
    },
    ...(options.accounts?.now === undefined ? {} : { now: options.accounts.now }),
    ...(options.revisionSyncIntervalMs === undefined ? {} : { syncIntervalMs: options.revisionSyncIntervalMs }),
    warn: (message, details) => late.log?.warn(details, message),
  });

  const assets = new Assets();
  for (const [name, body] of await bundleClientScripts()) assets.add(name, body);
  const stylesheet = assets.url('hub.css');
  const icon = assets.url('favicon.svg');
  const nav: NavEntry[] = modules.flatMap((m) => (m.nav === undefined ? [] : [m.nav]));
  const accountOptions = options.accounts ?? {};
  const mailer = accountOptions.mailer ?? new Mailer({ transport: { kind: 'memory' }, from: DEFAULT_FROM });
  const publicUrl = accountOptions.publicUrl ?? 'http://localhost';
  const accounts = new Accounts(db, permissions, {
    mailer,
    publicUrl: typeof publicUrl === 'string' ? () => publicUrl : publicUrl,
    secureCookies: options.https === true,
    adminEmail: accountOptions.adminEmail,
    ...(accountOptions.scrypt === undefined ? {} : { scrypt: accountOptions.scrypt }),
    ...(accountOptions.sessionLimits === undefined ? {} : { sessionLimits: accountOptions.sessionLimits }),
    ...(accountOptions.tokenLifetimes === undefined ? {} : { tokenLifetimes: accountOptions.tokenLifetimes }),
    ...(accountOptions.rateLimits === undefined ? {} : { rateLimits: accountOptions.rateLimits }),
    ...(accountOptions.now === undefined ? {} : { now: accountOptions.now }),
  });
  await accounts.promoteConfiguredAdmin();
  const csrf = new Csrf(options.csrfSecret ?? randomBytes(32), { secureCookie: options.https === true, bind: (request) => accounts.csrfBinding(request) });

  const app = Fastify({
    logger: options.logger ?? false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    bodyLimit: 64 * 1024,
    trustProxy: options.trustProxy === true,
  });
  late.log = app.log;
  await revisions.load();
  for (const m of modules) {
    if (m.search !== undefined) await search.replace(m.id, m.search(content, LOCALES));
  }

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
    // fromEntries creates own properties, so a "__proto__" field cannot change a prototype.
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  registerSecurityHeaders(app, { hsts: options.https === true });

  // Who is signed in, before CSRF checks (tokens are bound to the session) and handlers.
  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/assets/')) return;
    await accounts.resolve(request);
    // Revisions other hub processes published (one count query at most every few seconds).
    await revisions.sync();
  });

  if (options.rateLimitPerMinute !== false) {
    await app.register(rateLimit, {
      max: options.rateLimitPerMinute ?? 600,
      timeWindow: '1 minute',
      errorResponseBuilder: (_request, context) => Object.assign(new Error('rate limited'), { statusCode: context.statusCode }),
    });
  }

  // After the rate limit, which still counts pages served from the cache.
  if (options.pageCache !== undefined && options.pageCache !== false) registerPageCache(app, options.pageCache);

  const view = (request: FastifyRequest): RequestView => {
    const params = request.params as { locale?: string } | undefined;
    const locale = isLocale(params?.locale) ? params.locale : requestLocale(request).locale;
    const t = i18n.translator(locale);
    return {
      locale,
      t,
      href: (path, query) => {
        const qs = new URLSearchParams();
        for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') qs.set(k, String(v));
        const text = qs.toString();
        return `${localePath(locale, path)}${text === '' ? '' : `?${text}`}`;
      },
    };
  };

  const page = (request: FastifyRequest, reply: FastifyReply, spec: PageSpec): FastifyReply => {
    const { locale, inUrl } = requestLocale(request);
    const { path, search: qs } = splitUrl(request.url, inUrl);
    const t = i18n.translator(locale);
    const styles = spec.styles?.map((name) => assets.url(name));
    const scripts = spec.scripts?.map((name) => assets.url(name));
    const user = accounts.user(request);
    const reviewer = user !== undefined && revisions.kinds.some((k) => user.can(k.editing.reviewPermission));
    const account = accountNav({
      t,
      user,
      path,
      search: qs,
      csrfField: () => csrf.field(request, reply),
      links: reviewer ? [{ path: REVIEW_PATH, key: 'content.nav.review' }] : [],
    });
    const body = renderLayout({ t, path, search: qs, nav, stylesheet, icon, spec, styles, scripts, account });
    return reply
      .code(spec.status ?? 200)
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-language', locale)
      .send(body);
  };

  const errorPage = (request: FastifyRequest, reply: FastifyReply, status: number): FastifyReply => {
    const { locale } = requestLocale(request);
    const t = i18n.translator(locale);
    const key =
      status === 404 ? 'notFound' : status === 403 ? 'forbidden' : status === 429 ? 'tooMany' : status >= 500 ? 'server' : 'badRequest';
    return page(request, reply, {
      status,
      title: t.text(`core.error.${key}.title`),
      body: html`<p>${t(`core.error.${key}.text`)}</p>
<p><a href="${localePath(locale, '')}">${t('core.error.goHome')}</a></p>`,
    });
  };

  const requireUser = (request: FastifyRequest, reply: FastifyReply) => {
    const user = accounts.user(request);
    if (user !== undefined) return user;
    const { locale } = requestLocale(request);
    const next = request.method === 'GET' ? `?${new URLSearchParams({ next: request.url }).toString()}` : '';
    void reply.redirect(`${localePath(locale, '/account/sign-in')}${next}`, 303);
    return undefined;
  };

  const ctx: ModuleContext = {
    db,
    content,
    i18n,
    rpcUrl: options.rpcUrl,
    dnsServer: options.dnsServer,
    view,
    page,
    notFound: (request, reply) => errorPage(request, reply, 404),
    query: <T>(schema: z.ZodType<T>, request: FastifyRequest, reply: FastifyReply): T | undefined => {
      const result = schema.safeParse(request.query);
      if (result.success) return result.data;
      errorPage(request, reply, 400);
      return undefined;
    },
    csrfField: (request, reply) => csrf.field(request, reply),
    user: (request) => accounts.user(request),
    can: (request, permission) => {
      if (!permissions.all.has(permission)) throw new Error(`permission "${permission}" is not declared by any module`);
      return accounts.user(request)?.can(permission) === true;
    },
    requireUser,
    requirePermission: (request, reply, permission) => {
      if (!permissions.all.has(permission)) throw new Error(`permission "${permission}" is not declared by any module`);
      const user = requireUser(request, reply);
      if (user === undefined || user.can(permission)) return user;
      const t = i18n.translator(requestLocale(request).locale);
      page(request, reply, {
        status: 403,
        title: t.text('account.denied.title'),
        body: html`<p>${t('account.denied.text', { role: t.text(`account.role.${user.role}`) })}</p>
<p><a href="${localePath(t.locale, '')}">${t('core.error.goHome')}</a></p>`,
      });
      return undefined;
    },
    userNames: (ids) => accounts.store.names(ids),
    contentLinks: (request, kind, id) => contentLinks(ctx, revisions, request, kind, id),
  };

  app.addHook('preHandler', async (request, reply) => {
    if (!csrf.verify(request)) return errorPage(request, reply, 403);
  });

  app.setNotFoundHandler((request, reply) => errorPage(request, reply, 404));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'hub request failed');
    return errorPage(request, reply, status >= 500 ? 500 : status);
  });

  assets.register(app);

  app.get('/', async (request, reply) => {
    const locale = negotiateLocale(request.headers['accept-language']);
    return reply.header('vary', 'Accept-Language').redirect(`/${locale}`, 302);
  });

  await app.register(
    async (scope) => {
      scope.addHook('onRequest', async (request, reply) => {
        const locale = (request.params as { locale?: string }).locale;
        if (!isLocale(locale)) return reply.callNotFound();
      });

      scope.get('/', async (request, reply) => {
        const { t } = view(request);
        const cards = nav.map(
          (n) => html`<li><h2><a href="${localePath(t.locale, n.path)}">${t(n.labelKey)}</a></h2>
${n.descriptionKey === undefined ? '' : html`<p>${t(n.descriptionKey)}</p>`}</li>`,
        );
        return page(request, reply, {
          title: t.text('core.home.title'),
          description: t.text('core.siteTagline'),
          body: html`<p class="lead">${t('core.home.intro')}</p>
<h2>${t('core.home.sections')}</h2>
<ul class="cards">${cards}</ul>`,
        });
      });

      scope.get('/search', async (request, reply) => {
        const query = ctx.query(SearchQuery, request, reply);
        if (query === undefined) return reply;
        const { t, locale, href } = view(request);
        const q = (query.q ?? '').trim();
        const pageNo = query.page ?? 1;
        const result = q === '' ? { total: 0, hits: [] } : await search.search(locale, q, { limit: PAGE_SIZE, offset: (pageNo - 1) * PAGE_SIZE });
        const pages = Math.max(1, Math.ceil(result.total / PAGE_SIZE));
        const form = html`<form class="filters" role="search" method="get" action="${href('/search')}">
<div class="field"><label for="search-q">${t('core.search.label')}</label>
<input id="search-q" type="search" name="q" value="${q}" maxlength="200"></div>
<div class="actions"><button type="submit">${t('core.search.button')}</button></div>
</form>`;
        const hits = result.hits.map((hit) => {
          const title = hit.lang === locale ? html`${hit.title}` : html`<span${langAttrs(hit.lang, locale)}>${hit.title}</span>`;
          const note = hit.lang === locale ? '' : html`<span class="visually-hidden"> ${t.text('core.inEnglish')}</span>`;
          return html`<li><p class="meta">${t(hit.kindKey)}</p>
<h2><a href="${hit.path.startsWith('https://') ? hit.path : localePath(locale, hit.path)}">${title}</a>${note}</h2>
<p${langAttrs(hit.lang, locale)}>${highlight(hit.snippet)}</p></li>`;
        });
        const pagination =
          pages <= 1
            ? ''
            : html`<nav class="pagination" aria-label="${t.text('core.pagination.label')}"><ul>
${pageNo > 1 ? html`<li><a href="${href('/search', { q, page: pageNo - 1 })}" rel="prev">${t('core.pagination.previous')}</a></li>` : ''}
<li>${t('core.pagination.status', { page: pageNo, pages })}</li>
${pageNo < pages ? html`<li><a href="${href('/search', { q, page: pageNo + 1 })}" rel="next">${t('core.pagination.next')}</a></li>` : ''}
</ul></nav>`;
        const body =
          q === ''
            ? html`<p>${t('core.search.intro')}</p>${form}`
            : html`${form}<p role="status">${t('core.search.results', { count: result.total })}</p>
${result.total === 0 ? html`<p>${t('core.search.none')}</p>` : html`<ol class="items">${hits}</ol>`}
${pagination}`;
        return page(request, reply, {
          title: q === '' ? t.text('core.search.title') : t.text('core.search.titleWithQuery', { query: q }),
          breadcrumbs: [{ label: t.text('core.search.title') }],
          body,
        });
      });

      registerAccountRoutes(scope, ctx, {
        accounts,
        tooMany: (request, reply, retryAfterSeconds) => errorPage(request, reply.header('retry-after', String(retryAfterSeconds)), 429),
        badRequest: (request, reply) => errorPage(request, reply, 400),
      });
      registerContentRoutes(scope, ctx, revisions);
      for (const m of modules) await m.routes(scope, ctx);
    },
    { prefix: '/:locale' },
  );

  app.addHook('onClose', async () => {
    await mailer.close();
    await search.close();
  });

  return app;
}
