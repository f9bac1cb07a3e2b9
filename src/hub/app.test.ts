import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { parseCsv } from './csv.ts';
import { LOCALE_INFO, LOCALES } from './i18n/index.ts';
import { loadHubContent } from './app.ts';
import { explainerKind, glossaryKind, resourceKind } from './modules/learn/content.ts';
import { relatedTerms } from './modules/learn/glossary.ts';
import type { HubModule } from './modules/types.ts';
import { DEFAULT_CONTENT_DIR } from './server.ts';
import { countTags, testHub } from './testing.ts';

const content = loadHubContent(DEFAULT_CONTENT_DIR);
const PAGE_BUDGET = 150 * 1024;

let app: FastifyInstance;
let cssSize = 0;
before(async () => {
  app = await testHub();
  const home = await app.inject('/en');
  const css = /<link rel="stylesheet" href="([^"]+)"/.exec(home.body)?.[1] ?? '';
  cssSize = (await app.inject(css)).rawPayload.length;
});
after(async () => {
  await app.close();
});

const PAGES = [
  '',
  '/search',
  '/search?q=merkle',
  '/learn',
  '/learn/glossary',
  '/learn/glossary?topic=dns',
  '/learn/glossary/block',
  '/learn/explainers',
  '/learn/explainers/how-the-dns-works',
  '/learn/resources',
  '/learn/resources?type=standard&level=advanced',
  '/learn/resources?type=&level=&language=fr&topic=',
  '/learn/resources?page=2',
];

function assertPage(body: string, locale: (typeof LOCALES)[number], where: string): void {
  assert.ok(body.startsWith('<!doctype html>'), `${where}: doctype`);
  assert.ok(body.includes(`<html lang="${locale}" dir="${LOCALE_INFO[locale].dir}">`), `${where}: html lang/dir`);
  assert.equal(countTags(body, 'h1'), 1, `${where}: exactly one h1`);
  for (const tag of ['header', 'main', 'footer']) assert.equal(countTags(body, tag), 1, `${where}: one <${tag}>`);
  assert.ok(countTags(body, 'nav') >= 2, `${where}: main and language navigation`);
  assert.ok(body.includes('<a class="skip-link" href="#main">'), `${where}: skip link`);
  assert.ok(body.includes('<main id="main"'), `${where}: skip link target`);
  assert.ok(!/<script[\s>]/.test(body), `${where}: no scripts`);
  const ids = [...body.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, `${where}: duplicate id`);
  assert.ok(!/\sstyle="/.test(body), `${where}: no inline styles (CSP)`);
  assert.ok(!/<style[\s>]/.test(body), `${where}: no style elements (CSP)`);
  assert.ok(Buffer.byteLength(body) + cssSize <= PAGE_BUDGET, `${where}: ${Buffer.byteLength(body)} bytes + ${cssSize} CSS exceeds the page budget`);
}

describe('every page in every locale', () => {
  for (const locale of LOCALES) {
    for (const page of PAGES) {
      const url = `/${locale}${page}`;
      test(url, async () => {
        const res = await app.inject(url);
        assert.equal(res.statusCode, 200, url);
        assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
        assert.equal(res.headers['content-language'], locale);
        assertPage(res.body, locale, url);
      });
    }
  }

  test('every glossary term and explainer renders in every locale', async () => {
    for (const locale of LOCALES) {
      for (const term of content.items(glossaryKind)) {
        const res = await app.inject(`/${locale}/learn/glossary/${term.id}`);
        assert.equal(res.statusCode, 200, term.id);
        assert.equal(countTags(res.body, 'h1'), 1);
      }
      for (const e of content.items(explainerKind)) {
        const res = await app.inject(`/${locale}/learn/explainers/${e.id}`);
        assert.equal(res.statusCode, 200, e.id);
        assertPage(res.body, locale, e.id);
      }
    }
  });
});

describe('layout and i18n', () => {
  test('/ redirects by Accept-Language', async () => {
    const fr = await app.inject({ url: '/', headers: { 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.5' } });
    assert.equal(fr.statusCode, 302);
    assert.equal(fr.headers.location, '/fr');
    assert.match(String(fr.headers.vary), /Accept-Language/);
    const none = await app.inject('/');
    assert.equal(none.headers.location, '/en');
  });

  test('a trailing slash serves the same page', async () => {
    assert.equal((await app.inject('/fr/')).statusCode, 200);
    assert.equal((await app.inject('/fr/learn/glossary/')).statusCode, 200);
  });

  test('Arabic pages are right-to-left', async () => {
    const res = await app.inject('/ar/learn/glossary');
    assert.ok(res.body.includes('<html lang="ar" dir="rtl">'));
    assert.ok(res.body.includes('المسرد'));
    const article = await app.inject('/ar/learn/explainers/how-the-dns-works');
    assert.ok(article.body.includes('<article lang="en" dir="ltr">'), 'English inside Arabic is isolated left-to-right');
  });

  test('the language switcher keeps the page and the query', async () => {
    const res = await app.inject('/fr/learn/glossary?topic=dns');
    assert.ok(res.body.includes('<a href="/ar/learn/glossary?topic=dns" lang="ar" dir="rtl" hreflang="ar">العربية</a>'));
    assert.ok(res.body.includes('<a href="/fr/learn/glossary?topic=dns" hreflang="fr" aria-current="true">'));
  });

  test('the current section is marked in the main navigation, and breadcrumbs lead home', async () => {
    const res = await app.inject('/es/learn/explainers');
    assert.ok(res.body.includes('<a href="/es/learn" aria-current="page">Aprender</a>'));
    assert.match(res.body, /<nav class="breadcrumbs" aria-label="Ruta de navegación"><ol>\s*<li><a href="\/es">Inicio<\/a><\/li>/);
  });

  test('English content in another locale is marked with lang="en" and a hidden note', async () => {
    const res = await app.inject('/fr/learn/explainers/how-the-dns-works');
    assert.ok(res.body.includes('<article lang="en" dir="ltr">'));
    assert.ok(res.body.includes('<span class="visually-hidden" lang="fr" dir="ltr"> (en anglais)</span>'));
    const untranslated = content.items(glossaryKind).find((t) => t.term.fr === undefined);
    if (untranslated !== undefined) {
      const term = await app.inject(`/fr/learn/glossary/${untranslated.id}`);
      assert.ok(term.body.includes(`<h1><span lang="en" dir="ltr">${untranslated.term.en}`), untranslated.id);
    }
  });

  test('404 pages are served in the locale of the URL, or by Accept-Language', async () => {
    const expected = { en: 'Page not found', fr: 'Page introuvable', es: 'Página no encontrada', ar: 'الصفحة غير موجودة' } as const;
    for (const locale of LOCALES) {
      for (const url of [`/${locale}/nope`, `/${locale}/learn/glossary/no-such-term`, `/${locale}/learn/explainers/nope`, `/${locale}/learn/resources?page=99`]) {
        const res = await app.inject(url);
        assert.equal(res.statusCode, 404, url);
        assertPage(res.body, locale, url);
        assert.ok(res.body.includes(`<h1>${expected[locale]}</h1>`), url);
      }
    }
    const ar = await app.inject({ url: '/xx/learn', headers: { 'accept-language': 'ar' } });
    assert.equal(ar.statusCode, 404);
    assert.ok(ar.body.includes('<html lang="ar" dir="rtl">'));
  });
});

describe('input is never echoed unescaped', () => {
  const payload = `"><script>alert(1)</script><img src=x onerror=alert(1)>`;
  const encoded = encodeURIComponent(payload);

  test('search query', async () => {
    const res = await app.inject(`/en/search?q=${encoded}`);
    assert.equal(res.statusCode, 200);
    assert.ok(!res.body.includes('<script>alert'), 'script tag echoed');
    assert.ok(!res.body.includes('<img src=x'), 'img tag echoed');
    assert.ok(res.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  });

  test('filter parameters are validated (400 page, no echo)', async () => {
    for (const url of [
      `/en/learn/glossary?topic=${encoded}`,
      `/fr/learn/resources?type=${encoded}`,
      `/es/learn/resources?language=${encoded}`,
      `/ar/learn/resources?page=${encoded}`,
      `/en/learn/glossary.json?topic=${encoded}`,
      `/en/learn/resources.csv?level=${encoded}`,
      `/en/search?q=${'x'.repeat(201)}`,
    ]) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 400, url);
      assert.ok(!res.body.includes('<script>alert') && !res.body.includes('<img src=x'), url);
    }
  });

  test('paths', async () => {
    for (const url of [`/en/learn/glossary/${encoded}`, `/fr/${encoded}`, `/${encoded}`]) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 404, url);
      assert.ok(!res.body.includes('<script>alert') && !res.body.includes('<img src=x'), url);
    }
  });

  test('FTS query syntax in the search box is treated as words', async () => {
    for (const q of ['"', 'NEAR(a b)', 'a OR', '*', 'title:block', '((']) {
      const res = await app.inject(`/en/search?q=${encodeURIComponent(q)}`);
      assert.equal(res.statusCode, 200, q);
    }
  });
});

describe('learn', () => {
  test('glossary index filters by topic without JavaScript', async () => {
    const all = await app.inject('/en/learn/glossary');
    const dns = await app.inject('/en/learn/glossary?topic=dns');
    const dnsTerms = content.items(glossaryKind).filter((t) => (t.topics as string[]).includes('dns'));
    const links = (body: string) => (body.match(/href="\/en\/learn\/glossary\/[a-z0-9-]+"/g) ?? []).length;
    assert.equal(links(dns.body), dnsTerms.length);
    assert.equal(links(all.body), content.items(glossaryKind).length);
    assert.ok(dns.body.includes('<option value="dns" selected>'));
  });

  test('glossary term pages show related terms both ways, sources and the review date', async () => {
    const terms = content.items(glossaryKind);
    const incoming = terms.flatMap((a) =>
      terms.filter((b) => b.related.includes(a.id) && !a.related.includes(b.id)).map((b) => ({ page: a, from: b })),
    )[0];
    assert.ok(incoming, 'content has a one-way relation to test');
    assert.ok(relatedTerms(terms, incoming.page).some((t) => t.id === incoming.from.id));
    const res = await app.inject(`/en/learn/glossary/${incoming.page.id}`);
    assert.ok(res.body.includes(`href="/en/learn/glossary/${incoming.from.id}"`));
    const block = await app.inject('/en/learn/glossary/block');
    assert.ok(block.body.includes('<a href="https://doi.org/10.6028/NIST.IR.8202">'));
    assert.ok(block.body.includes('<time datetime="2026-11-21">November 21, 2026</time>'));
  });

  test('glossary JSON and CSV downloads parse and contain every term', async () => {
    const terms = content.items(glossaryKind);
    const json = await app.inject('/en/learn/glossary.json');
    assert.equal(json.statusCode, 200);
    assert.match(String(json.headers['content-disposition']), /attachment; filename="dcbt-glossary.json"/);
    const data = JSON.parse(json.body) as { count: number; items: { id: string; term: { en: string } }[] };
    assert.equal(data.count, terms.length);
    assert.equal(data.items.find((t) => t.id === 'block')?.term.en, 'Block');

    const csv = await app.inject('/ar/learn/glossary.csv?topic=dns');
    assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
    const rows = parseCsv(csv.body);
    const [header, ...body] = rows;
    assert.deepEqual(header?.slice(0, 5), ['id', 'term_en', 'term_fr', 'term_es', 'term_ar']);
    assert.equal(body.length, terms.filter((t) => (t.topics as string[]).includes('dns')).length);
    assert.ok(body.every((r) => r.length === header?.length));
    const dns = body.find((r) => r[0] === 'dns');
    assert.equal(dns?.[4], 'نظام أسماء النطاقات (DNS)');
  });

  test('resources filter by type, level, language and topic, and exports follow the filters', async () => {
    const resources = content.items(resourceKind);
    const expected = resources.filter((r) => r.type === 'standard' && r.language.includes('fr'));
    const json = await app.inject('/en/learn/resources.json?type=standard&language=fr');
    const data = JSON.parse(json.body) as { count: number; items: { id: string; type: string }[] };
    assert.equal(data.count, expected.length);
    assert.deepEqual(data.items.map((r) => r.id).sort(), expected.map((r) => r.id).sort());

    const page = await app.inject('/fr/learn/resources?type=standard&language=fr');
    assert.ok(page.body.includes('<option value="standard" selected>'));
    assert.ok(page.body.includes('href="/fr/learn/resources.csv?type=standard&amp;language=fr"'));

    const csv = parseCsv((await app.inject('/en/learn/resources.csv?topic=dns&level=introductory')).body);
    assert.equal(csv.length - 1, resources.filter((r) => (r.topics as string[]).includes('dns') && r.level === 'introductory').length);
    assert.deepEqual(csv[0], ['id', 'title', 'type', 'level', 'language', 'publisher', 'year', 'url', 'topics', 'summary', 'reviewed']);
  });

  test('explainers inline their diagrams with title and description, and link citations to sources', async () => {
    const res = await app.inject('/en/learn/explainers/how-the-dns-works');
    assert.ok(res.body.includes('<figure class="diagram">'));
    assert.ok(res.body.includes('aria-labelledby="how-the-dns-works-resolution-title how-the-dns-works-resolution-desc"'));
    assert.ok(res.body.includes('<figcaption>How a DNS lookup is resolved</figcaption>'));
    assert.ok(res.body.includes('<a class="cite" href="#source-1">[1]</a>'));
    assert.ok(res.body.includes('<li id="source-1">'));
  });
});

describe('search', () => {
  test('finds a known glossary term in each locale', async () => {
    const en = await app.inject('/en/search?q=merkle');
    assert.ok(en.body.includes('href="/en/learn/glossary/merkle-tree"'));
    assert.ok(en.body.includes('<mark>'));
    const fr = await app.inject(`/fr/search?q=${encodeURIComponent('chaine de blocs')}`);
    assert.ok(fr.body.includes('href="/fr/learn/glossary/blockchain"'), 'diacritics are ignored');
    const ar = await app.inject(`/ar/search?q=${encodeURIComponent('الكتلة')}`);
    assert.ok(ar.body.includes('href="/ar/learn/glossary/block"'));
  });

  test('finds explainers and resources, and reports nothing found', async () => {
    const res = await app.inject('/en/search?q=resolver');
    assert.ok(res.body.includes('href="/en/learn/explainers/how-the-dns-works"'));
    const none = await app.inject('/es/search?q=zzzzqqq');
    assert.ok(none.body.includes('No hay resultados'));
  });
});

describe('security', () => {
  test('pages carry a strict CSP and the other security headers', async () => {
    const res = await app.inject('/en/learn');
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /style-src 'self'/);
    assert.ok(!csp.includes('unsafe-inline'));
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.ok(res.headers['referrer-policy']);
  });

  test('assets are served with a content hash and a long cache; others are 404', async () => {
    const home = await app.inject('/en');
    const css = /href="(\/assets\/hub\.[0-9a-f]{12}\.css)"/.exec(home.body)?.[1];
    assert.ok(css);
    const res = await app.inject(css);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/css; charset=utf-8');
    assert.match(String(res.headers['cache-control']), /immutable/);
    assert.equal((await app.inject('/assets/hub.css')).statusCode, 404);
    assert.equal((await app.inject('/assets/..%2F..%2Fpackage.json')).statusCode, 404);
  });

  test('an error in a handler gives a 500 page in the locale, without details', async () => {
    const failing: HubModule = {
      id: 'failing',
      messages: { en: {} },
      migrations: [],
      permissions: [],
      routes(scope) {
        scope.get('/fail', async () => {
          throw new Error('secret internal detail');
        });
      },
    };
    const hub = await testHub({ modules: [failing] });
    try {
      const res = await hub.inject('/es/fail');
      assert.equal(res.statusCode, 500);
      assert.ok(res.body.includes('<html lang="es" dir="ltr">'));
      assert.ok(res.body.includes('<h1>Se produjo un error</h1>'));
      assert.ok(!res.body.includes('secret internal detail'));
    } finally {
      await hub.close();
    }
  });

  test('too many requests get a localised 429 page', async () => {
    const hub = await testHub({ rateLimitPerMinute: 2 });
    try {
      await hub.inject('/fr');
      await hub.inject('/fr');
      const res = await hub.inject('/fr/learn');
      assert.equal(res.statusCode, 429);
      assert.ok(res.body.includes('<h1>Trop de requêtes</h1>'));
    } finally {
      await hub.close();
    }
  });

  test('forms that change state need a CSRF token matching the cookie', async () => {
    const probe: HubModule = {
      id: 'probe',
      messages: { en: {} },
      migrations: [],
      permissions: [],
      routes(scope, ctx) {
        scope.get('/probe', async (request, reply) =>
          ctx.page(request, reply, { title: 'Probe', body: ctx.csrfField(request, reply) }),
        );
        scope.post('/probe', async () => ({ ok: true }));
      },
    };
    const hub = await testHub({ modules: [probe] });
    try {
      const form = await hub.inject('/en/probe');
      const cookie = String(form.headers['set-cookie']).split(';')[0] ?? '';
      assert.match(cookie, /^hub_csrf=/);
      assert.match(String(form.headers['set-cookie']), /HttpOnly; SameSite=Lax/);
      const token = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
      const post = (headers: Record<string, string>, body: string) =>
        hub.inject({ method: 'POST', url: '/en/probe', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: body });
      assert.equal((await post({ cookie }, `_csrf=${token}`)).statusCode, 200);
      assert.equal((await post({ cookie }, '_csrf=forged')).statusCode, 403);
      assert.equal((await post({}, `_csrf=${token}`)).statusCode, 403);
      assert.equal((await post({ cookie: 'hub_csrf=other' }, `_csrf=${token}`)).statusCode, 403);
      assert.equal((await post({ cookie, origin: 'https://evil.example' }, `_csrf=${token}`)).statusCode, 403);
      const refused = await post({ cookie }, '');
      assert.ok(refused.body.includes('<html lang="en"'), 'the 403 is a localised page');
    } finally {
      await hub.close();
    }
  });
});
