import { test } from 'node:test';
import assert from 'node:assert/strict';
import { html } from './html.ts';
import type { HubModule } from './modules/types.ts';
import { PageCache } from './page-cache.ts';
import { testHub } from './testing.ts';

/** A module whose pages say how often they were rendered. */
function counting(): { module: HubModule; renders: Map<string, number> } {
  const renders = new Map<string, number>();
  const count = (name: string): number => {
    const n = (renders.get(name) ?? 0) + 1;
    renders.set(name, n);
    return n;
  };
  const module: HubModule = {
    id: 'probe',
    messages: { en: {} },
    migrations: [],
    permissions: [],
    routes(app, ctx) {
      app.get('/probe/page', async (request, reply) => ctx.page(request, reply, { title: 'Probe', body: html`<p>render ${count('page')}</p>` }));
      app.get('/probe/form', async (request, reply) =>
        ctx.page(request, reply, { title: 'Form', body: html`<form method="post">${ctx.csrfField(request, reply)}<p>render ${count('form')}</p></form>` }),
      );
      app.get('/probe/live', async (request, reply) => {
        reply.header('cache-control', 'no-store');
        return ctx.page(request, reply, { title: 'Live', body: html`<p>render ${count('live')}</p>` });
      });
      app.get('/probe/vary', async (request, reply) => {
        reply.header('vary', 'Accept-Language');
        return ctx.page(request, reply, { title: 'Vary', body: html`<p>render ${count('vary')}</p>` });
      });
      app.get('/probe/json', async () => ({ render: count('json') }));
      app.get('/probe/missing', async (request, reply) => {
        count('missing');
        return ctx.notFound(request, reply);
      });
    },
  };
  return { module, renders };
}

test('pages for visitors without cookies are rendered once per TTL, with every header', async () => {
  let now = 1_000_000;
  const { module, renders } = counting();
  const app = await testHub({ modules: [module], pageCache: { ttlMs: 2_000, entriesMax: 100, sizeBytesMax: 1 << 20, now: () => now } });
  try {
    const first = await app.inject('/en/probe/page');
    const second = await app.inject('/en/probe/page');
    assert.equal(first.statusCode, 200);
    assert.equal(second.statusCode, 200);
    assert.equal(second.body, first.body);
    assert.match(second.body, /render 1/);
    assert.equal(renders.get('page'), 1);
    for (const name of ['content-type', 'content-language', 'content-security-policy', 'x-frame-options']) {
      assert.equal(second.headers[name], first.headers[name], name);
    }
    // Another URL (query included) is another page.
    assert.match((await app.inject('/en/probe/page?x=1')).body, /render 2/);
    // A visitor with a cookie (a session, a CSRF cookie) always gets a fresh rendering.
    assert.match((await app.inject({ url: '/en/probe/page', headers: { cookie: 'hub_csrf=abc' } })).body, /render 3/);
    now += 2_000;
    assert.match((await app.inject('/en/probe/page')).body, /render 4/, 'past the TTL the page is rendered again');
    assert.match((await app.inject('/en/probe/page')).body, /render 4/);
  } finally {
    await app.close();
  }
});

test('pages that set a cookie, say no-store or Vary, errors and non-HTML are never cached', async () => {
  const { module, renders } = counting();
  const app = await testHub({ modules: [module], pageCache: { ttlMs: 60_000, entriesMax: 100, sizeBytesMax: 1 << 20 } });
  try {
    for (let i = 0; i < 2; i++) {
      const form = await app.inject('/en/probe/form');
      assert.ok(form.headers['set-cookie'], 'the form page sets the CSRF cookie');
      await app.inject('/en/probe/live');
      await app.inject('/en/probe/vary');
      await app.inject('/en/probe/json');
      assert.equal((await app.inject('/en/probe/missing')).statusCode, 404);
      await app.inject({ method: 'HEAD', url: '/en/probe/page' });
    }
    for (const name of ['form', 'live', 'vary', 'json', 'missing']) assert.equal(renders.get(name), 2, name);
  } finally {
    await app.close();
  }
});

test('the cache is bounded by entries and bytes, least recently used out', () => {
  const cache = new PageCache({ ttlMs: 60_000, entriesMax: 2, sizeBytesMax: 10 });
  cache.set('/a', {}, 'aaaa');
  cache.set('/b', {}, 'bbbb');
  assert.ok(cache.get('/a'), 'a is used, so b is now the oldest');
  cache.set('/c', {}, 'cc');
  assert.equal(cache.entries, 2);
  assert.equal(cache.get('/b'), undefined);
  assert.ok(cache.get('/a') && cache.get('/c'));
  cache.set('/d', {}, Buffer.from('dddddddd'));
  assert.ok(cache.sizeBytes <= 10, `${cache.sizeBytes} bytes`);
  assert.ok(cache.get('/d'));
  cache.set('/huge', {}, 'x'.repeat(11));
  assert.equal(cache.get('/huge'), undefined, 'a body larger than the whole cache is not kept');
  cache.clear();
  assert.equal(cache.entries, 0);
  assert.equal(cache.sizeBytes, 0);
});

test('only cookie-less GET requests with a bounded URL have a key', () => {
  const cache = new PageCache({ ttlMs: 1, entriesMax: 1, sizeBytesMax: 1, urlLengthMax: 20 });
  const request = (method: string, url: string, headers: Record<string, string> = {}) => ({ method, url, headers }) as never;
  assert.equal(cache.key(request('GET', '/en/learn')), '/en/learn');
  assert.equal(cache.key(request('POST', '/en/learn')), undefined);
  assert.equal(cache.key(request('HEAD', '/en/learn')), undefined);
  assert.equal(cache.key(request('GET', '/en/learn', { cookie: 'hub_session=x' })), undefined);
  assert.equal(cache.key(request('GET', '/en/learn', { authorization: 'Bearer x' })), undefined);
  assert.equal(cache.key(request('GET', `/en/search?q=${'x'.repeat(20)}`)), undefined);
});
