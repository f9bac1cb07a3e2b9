/**
 * The hub's Fastify application: core routes (home, search, assets, errors), the module
 * system, i18n, security headers, CSRF and rate limits. `buildHub` does no I/O except the
 * database migrations; content is loaded by the caller (see server.ts).
 */
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { z } from 'zod';
import { Assets } from './assets.ts';
import { loadContent, type ContentStore } from './content/index.ts';
import type { HubDb } from './db/index.ts';
import { coreMigrations, migrate } from './db/migrate.ts';
import { escapeHtml, html, raw, type SafeHtml } from './html.ts';
import { coreCatalogues } from './i18n/catalogues.ts';
import { I18n, isLocale, langAttrs, LOCALES, negotiateLocale, type Locale } from './i18n/index.ts';
import { localePath, renderLayout } from './layout.ts';
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
  logger?: FastifyServerOptions['logger'];
  /** ≥ 32 random bytes; generated per process when omitted (forms then expire on restart). */
  csrfSecret?: Buffer;
  /** Set when the hub is served over HTTPS: Secure cookies and HSTS. */
  https?: boolean;
  /** Requests per minute per client address; false turns the limit off. */
  rateLimitPerMinute?: number | false;
  /** Set behind a reverse proxy so client addresses (rate limits, logs) come from X-Forwarded-For. */
  trustProxy?: boolean;
}

/** The core catalogues plus every module's messages. */
export function createI18n(modules: readonly HubModule[] = defaultModules): I18n {
  const i18n = new I18n(coreCatalogues);
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
    if (ids.has(m.id) || m.id === 'core') throw new Error(`module id "${m.id}" is used twice`);
    ids.add(m.id);
    for (const p of m.permissions) {
      if (!p.startsWith(`${m.id}.`)) throw new Error(`permission "${p}" of module "${m.id}" must start with "${m.id}."`);
    }
    if (m.nav !== undefined && !m.nav.path.startsWith('/')) throw new Error(`nav path of module "${m.id}" must start with "/"`);
  }
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
  const { db, content, i18n } = options;

  await migrate(db, [{ module: 'core', migrations: coreMigrations }, ...modules.map((m) => ({ module: m.id, migrations: m.migrations }))]);
  for (const m of modules) await m.seed?.(db);

  const search = new SearchIndex();
  for (const m of modules) {
    if (m.search !== undefined) await search.add(m.id, m.search(content, LOCALES));
  }

  const assets = new Assets();
  const stylesheet = assets.url('hub.css');
  const icon = assets.url('favicon.svg');
  const nav: NavEntry[] = modules.flatMap((m) => (m.nav === undefined ? [] : [m.nav]));
  const csrf = new Csrf(options.csrfSecret ?? randomBytes(32), { secureCookie: options.https === true });

  const app = Fastify({
    logger: options.logger ?? false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    bodyLimit: 64 * 1024,
    trustProxy: options.trustProxy === true,
  });

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
    // fromEntries creates own properties, so a "__proto__" field cannot change a prototype.
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  registerSecurityHeaders(app, { hsts: options.https === true });

  if (options.rateLimitPerMinute !== false) {
    await app.register(rateLimit, {
      max: options.rateLimitPerMinute ?? 600,
      timeWindow: '1 minute',
      errorResponseBuilder: (_request, context) => Object.assign(new Error('rate limited'), { statusCode: context.statusCode }),
    });
  }

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
    const body = renderLayout({ t, path, search: qs, nav, stylesheet, icon, spec });
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

  const ctx: ModuleContext = {
    db,
    content,
    i18n,
    rpcUrl: options.rpcUrl,
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

      for (const m of modules) await m.routes(scope, ctx);
    },
    { prefix: '/:locale' },
  );

  app.addHook('onClose', async () => {
    await search.close();
  });

  return app;
}
