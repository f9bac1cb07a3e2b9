/** The demo pages over HTTP (inject): every locale, the no-JavaScript paths, scripts and styles. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { LOCALE_INFO, LOCALES } from '../../../i18n/index.ts';
import { countTags, testHub } from '../../../testing.ts';
import { DEMOS } from './common.ts';

const PAGE_BUDGET = 150 * 1024;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

let app: FastifyInstance;
before(async () => {
  app = await testHub();
});
after(async () => {
  await app.close();
});

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await app.inject(url);
  return { status: res.statusCode, body: res.body };
}

const attr = (body: string, id: string, name: string): string | undefined => new RegExp(`id="${id}"[^>]*?\\s${name}="([^"]*)"`).exec(body)?.[1] ?? new RegExp(`\\s${name}="([^"]*)"[^>]*?id="${id}"`).exec(body)?.[1];
const unescape = (s: string) => s.replace(/&(quot|#39|lt|gt|amp);/g, (_, e: string) => ({ quot: '"', '#39': "'", lt: '<', gt: '>', amp: '&' })[e] ?? '');
const text = (body: string, id: string): string => unescape((new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</`).exec(body)?.[1] ?? '').trim());
const stateOf = (body: string, id: string): string | undefined => attr(body, id, 'data-state');

/** Structure every demo page shares; returns the page's script URL. */
async function assertDemoPage(url: string, locale: (typeof LOCALES)[number], id: string | undefined): Promise<string | undefined> {
  const { status, body } = await get(url);
  assert.equal(status, 200, url);
  assert.ok(body.includes(`<html lang="${locale}" dir="${LOCALE_INFO[locale].dir}">`), `${url}: lang/dir`);
  assert.equal(countTags(body, 'h1'), 1, `${url}: one h1`);
  assert.equal(countTags(body, 'main'), 1, `${url}: main`);
  const ids = [...body.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, `${url}: duplicate id`);
  assert.ok(!/\sstyle="/.test(body) && !/<style[\s>]/.test(body), `${url}: no inline styles`);
  // Scripts: only external module scripts with a content-hashed name (CSP: script-src 'self').
  const scripts = [...body.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  for (const [, attrs, inline] of scripts) {
    assert.match(attrs ?? '', /^ type="module" src="\/assets\/demo-[a-z]+\.[0-9a-f]{12}\.js"$/, `${url}: script tag`);
    assert.equal(inline, '', `${url}: inline script`);
  }
  assert.ok(!/\son[a-z]+="/i.test(body), `${url}: no event handler attributes`);
  // Every form control has a label.
  for (const m of body.matchAll(/<(input|textarea|select)\s[^>]*id="([^"]+)"[^>]*>/g)) {
    if (/type="hidden"/.test(m[0])) continue;
    assert.ok(body.includes(`<label for="${m[2]}">`), `${url}: ${m[2]} has no label`);
  }
  // No English fallback in other locales (every string is translated).
  if (locale !== 'en') assert.ok(!/<span lang="en" dir="ltr">[^<]*<span class="visually-hidden"/.test(body), `${url}: untranslated text`);
  const css = [...body.matchAll(/<link rel="stylesheet" href="([^"]+)">/g)].map((m) => m[1]!);
  assert.ok(css.some((href) => /^\/assets\/demos\.[0-9a-f]{12}\.css$/.test(href)), `${url}: demos.css`);
  let size = Buffer.byteLength(body);
  for (const href of css) size += (await app.inject(href)).rawPayload.length;
  const script = scripts[0] === undefined ? undefined : /src="([^"]+)"/.exec(scripts[0][1] ?? '')?.[1];
  if (script !== undefined) size += (await app.inject(script)).rawPayload.length;
  assert.ok(size <= PAGE_BUDGET, `${url}: ${size} bytes`);
  if (id !== undefined) {
    assert.match(script ?? '', new RegExp(`^/assets/demo-${id}\\.[0-9a-f]{12}\\.js$`), `${url}: its own script`);
    // The no-JavaScript explanation: a noscript note, the steps, and a live region.
    assert.match(body, /<noscript><p class="notice">[^<]+<\/p><\/noscript>/, `${url}: noscript note`);
    const steps = /<section class="demo-steps"[\s\S]*?<ol>([\s\S]*?)<\/ol>/.exec(body)?.[1] ?? '';
    assert.equal(countTags(steps, 'li'), DEMOS.find((d) => d.id === id)!.steps, `${url}: step-by-step list`);
    assert.match(body, /<div id="demo-status" class="demo-status" role="status" aria-live="polite" aria-atomic="true"><p class="state state-(ok|bad|warn|busy|idle)" data-state="[a-z]+"><span class="state-icon" aria-hidden="true">[^<]+<\/span> <span class="state-text">[^<]+/, `${url}: live region with icon and text`);
  }
  return script;
}

describe('every demo page in every locale', () => {
  for (const locale of LOCALES) {
    test(locale, async () => {
      await assertDemoPage(`/${locale}/learn/demos`, locale, undefined);
      for (const demo of DEMOS) await assertDemoPage(`/${locale}/learn/demos/${demo.id}`, locale, demo.id);
    });
  }
});

test('page scripts are served as JavaScript under their hashed name and are ES modules', async () => {
  const script = await assertDemoPage('/en/learn/demos/chain', 'en', 'chain');
  const res = await app.inject(script!);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.match(res.headers['content-security-policy'] as string, /script-src 'self'/);
  assert.doesNotMatch(res.body, /^import |\bimport\s*\(/m, 'bundled');
  assert.equal((await app.inject(script!.replace(/\.[0-9a-f]{12}\.js$/, '.000000000000.js'))).statusCode, 404);
});

test('the demo index lists the five demos, and Learn links to it', async () => {
  const { body } = await get('/fr/learn/demos');
  for (const d of DEMOS) assert.ok(body.includes(`href="/fr/learn/demos/${d.id}"`), d.id);
  assert.ok((await get('/en/learn')).body.includes('href="/en/learn/demos"'));
  const search = await get('/en/search?q=nonce');
  assert.ok(search.body.includes('href="/en/learn/demos/block"'), 'search finds the block demo');
});

describe('hashing without JavaScript', () => {
  test('the server hashes the text; the previous hash gives the count of changed characters', async () => {
    const first = await get('/en/learn/demos/hashing?text=abc');
    assert.equal(text(first.body, 'hash-output'), sha256('abc'));
    assert.equal(attr(first.body, 'hash-previous', 'value'), sha256('abc'));
    const second = await get(`/en/learn/demos/hashing?text=abd&previous=${sha256('abc')}`);
    let changed = 0;
    for (let i = 0; i < 64; i++) if (sha256('abc')[i] !== sha256('abd')[i]) changed++;
    assert.match(second.body, new RegExp(`New hash: ${changed} characters of 64 changed\\.`));
    assert.match((await get(`/en/learn/demos/hashing?text=abc&previous=${sha256('abc')}`)).body, /Same text, same hash\./);
    const arabic = await get('/ar/learn/demos/hashing?text=%D9%85%D8%B1%D8%AD%D8%A8%D8%A7');
    assert.equal(text(arabic.body, 'hash-output'), sha256('مرحبا'));
  });

  test('input is bounded and checked', async () => {
    assert.equal((await get(`/en/learn/demos/hashing?text=${'a'.repeat(1001)}`)).status, 400);
    assert.equal((await get('/en/learn/demos/hashing?previous=xyz')).status, 400);
    const xss = await get('/en/learn/demos/hashing?text=%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    assert.ok(xss.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;') && !xss.body.includes('<script>alert'));
  });
});

describe('a block without JavaScript', () => {
  test('Mine finds a nonce on the server and the block is sealed', async () => {
    const { body } = await get('/en/learn/demos/block?data=hello&prev=' + '0'.repeat(64) + '&nonce=0&difficulty=2&action=mine');
    const hash = text(body, 'block-hash');
    assert.match(hash, /^00[0-9a-f]{62}$/);
    const nonce = attr(body, 'block-nonce', 'value')!;
    assert.equal(hash, sha256(`${'0'.repeat(64)}\nhello\n${nonce}`));
    assert.equal(stateOf(body, 'block-seal'), 'ok');
    assert.match(body, new RegExp(`Found: nonce ${nonce} seals the block`));
    assert.match(body, /<option value="2" selected>/);
  });

  test('Compute shows the hash and says when it is not sealed', async () => {
    const prev = 'a'.repeat(64);
    const { body } = await get(`/es/learn/demos/block?data=x&prev=${prev}&nonce=7&difficulty=4&action=hash`);
    assert.equal(text(body, 'block-hash'), sha256(`${prev}\nx\n7`));
    assert.equal(stateOf(body, 'block-seal'), sha256(`${prev}\nx\n7`).startsWith('0000') ? 'ok' : 'bad');
  });

  test('a previous hash that is not 64 hex digits is marked on the field, not rejected', async () => {
    const { status, body } = await get('/en/learn/demos/block?prev=not-a-hash&action=mine');
    assert.equal(status, 200);
    assert.match(body, /id="block-prev"[^>]*aria-invalid="true"/);
    assert.doesNotMatch(body, /id="block-prev-error" hidden/);
    assert.match(body, /Correct this field: Previous block’s hash/);
    assert.equal((await get('/en/learn/demos/block?difficulty=9')).status, 400);
    assert.equal((await get('/en/learn/demos/block?nonce=-1')).status, 400);
  });
});

describe('a chain without JavaScript', () => {
  async function chainQuery(): Promise<URLSearchParams> {
    const { body } = await get('/en/learn/demos/chain');
    const q = new URLSearchParams();
    for (let n = 1; n <= 5; n++) {
      q.set(`d${n - 1}`, text(body, `chain-data-${n}`));
      q.set(`n${n - 1}`, attr(body, `chain-nonce-${n}`, 'value')!);
      q.set(`p${n - 1}`, attr(body, `chain-prev-input-${n}`, 'value')!);
    }
    return q;
  }

  test('the starting chain is valid: each block records the hash of the one before', async () => {
    const { body } = await get('/en/learn/demos/chain');
    for (let n = 1; n <= 5; n++) {
      assert.equal(stateOf(body, `chain-block-${n}`), 'valid');
      assert.match(text(body, `chain-hash-${n}`), /^000/);
      if (n > 1) assert.equal(text(body, `chain-prev-${n}`), text(body, `chain-hash-${n - 1}`));
    }
    assert.match(body, /The whole chain is valid\./);
  });

  test('editing block 3 breaks it and its link; re-mining moves the break along; all five repair it', async () => {
    const q = await chainQuery();
    q.set('d2', 'register mallory.dcbt.test A 192.0.2.66');
    let page = await get(`/en/learn/demos/chain?${q}`);
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => stateOf(page.body, `chain-block-${n}`)), ['valid', 'valid', 'tampered', 'unlinked', 'orphaned']);
    assert.match(page.body, /The chain is broken from block 3 on\./);
    assert.match(page.body, /id="chain-state-4"[^>]*><span class="state-icon" aria-hidden="true">✗<\/span> <span class="state-text">Broken link: the previous hash it records is not the hash of block 3 any more\./);
    for (const i of [2, 3, 4]) {
      q.set('mine', String(i));
      page = await get(`/en/learn/demos/chain?${q}`);
      assert.equal(stateOf(page.body, `chain-block-${i + 1}`), 'valid', `block ${i + 1} after mining`);
      assert.match(page.body, new RegExp(`Block ${i + 1} re-mined with nonce \\d+\\.`));
      for (let n = 1; n <= 5; n++) {
        q.set(`n${n - 1}`, attr(page.body, `chain-nonce-${n}`, 'value')!);
        q.set(`p${n - 1}`, attr(page.body, `chain-prev-input-${n}`, 'value')!);
      }
      if (i < 4) assert.equal(stateOf(page.body, `chain-block-${i + 2}`), 'unlinked');
    }
    assert.match(page.body, /The whole chain is valid\./);
  });

  test('a partial or malformed chain is refused', async () => {
    const q = await chainQuery();
    q.delete('n4');
    assert.equal((await get(`/en/learn/demos/chain?${q}`)).status, 400);
    const bad = await chainQuery();
    bad.set('p1', 'zz');
    assert.equal((await get(`/en/learn/demos/chain?${bad}`)).status, 400);
    bad.set('p1', '0'.repeat(64));
    bad.set('mine', '5');
    assert.equal((await get(`/en/learn/demos/chain?${bad}`)).status, 400);
  });
});

describe('nodes agreeing without JavaScript', () => {
  test('Next and Previous walk the steps; the last step shows the outcome', async () => {
    let page = await get('/en/learn/demos/consensus');
    assert.match(text(page.body, 'consensus-step-title'), /^Step 1 of 5: Start, round 0$/);
    assert.match(page.body, /id="consensus-previous" disabled>/);
    assert.match(page.body, /name="step" value="1" id="consensus-next">Next step</);
    page = await get('/en/learn/demos/consensus?scenario=faulty-voter&step=2');
    assert.match(text(page.body, 'consensus-step-title'), /Step 3 of 5: Prevote/);
    assert.match(page.body, /D → everyone: prevote for block Y/);
    assert.match(page.body, /Prevotes received: block X: 3, block Y: 1/);
    page = await get('/en/learn/demos/consensus?scenario=faulty-voter&step=4');
    assert.match(page.body, /id="consensus-next" disabled>/);
    assert.match(page.body, /Outcome: block X is final\./);
    assert.equal((page.body.match(/Committed block X/g) ?? []).length, 3);
    assert.equal((await get('/en/learn/demos/consensus?step=99')).body.includes('Step 5 of 5'), true);
  });

  test('the silent proposer scenario needs a second round', async () => {
    const page = await get('/fr/learn/demos/consensus?scenario=faulty-proposer&step=4');
    assert.match(text(page.body, 'consensus-step-title'), /Étape 5 sur 9 : Tour suivant, tour 0/);
    assert.match(page.body, /<option value="faulty-proposer" selected>/);
    assert.equal((await get('/en/learn/demos/consensus?scenario=nobody')).status, 400);
  });
});

describe('the registration demo without a devnet', () => {
  test('the page explains the steps and offers no form; posting is refused politely', async () => {
    const page = await get('/en/learn/demos/register');
    assert.match(page.body, /This hub is not connected to a devnet/);
    assert.doesNotMatch(page.body, /id="register-form"/);
    const form = await app.inject({ method: 'POST', url: '/en/learn/demos/register', payload: 'name=alice', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(form.statusCode, 403, 'no CSRF token');
    assert.equal((await get('/en/learn/demos/register/AAAAAAAAAAAAAAAAAAAAAA')).status, 404);
    assert.equal((await get('/en/learn/demos/register/..%2F..')).status, 404);
  });
});

test('demo colours meet 4.5:1 on both backgrounds, light and dark', () => {
  const hub = readFileSync(new URL('../../../public/hub.css', import.meta.url), 'utf8');
  const demos = readFileSync(new URL('../../../public/demos.css', import.meta.url), 'utf8');
  const vars = (css: string, dark: boolean) => {
    const block = dark ? /prefers-color-scheme: dark\)\s*\{\s*:root\s*\{([\s\S]*?)\}/.exec(css)?.[1] : /:root\s*\{([\s\S]*?)\n\}/.exec(css)?.[1];
    return new Map([...(block ?? '').matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1]!, m[2]!.toLowerCase()]));
  };
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const contrast = (a: string, b: string) => {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x! + 0.05) / (y! + 0.05);
  };
  for (const dark of [false, true]) {
    const base = new Map([...vars(hub, false), ...(dark ? vars(hub, true) : [])]);
    const own = new Map([...vars(demos, false), ...(dark ? vars(demos, true) : [])]);
    assert.deepEqual([...own.keys()].sort(), ['bad', 'busy', 'ok', 'warn']);
    for (const [name, colour] of own) {
      for (const bg of ['bg', 'bg-soft']) {
        const ratio = contrast(colour, base.get(bg)!);
        assert.ok(ratio >= 4.5, `${dark ? 'dark' : 'light'} --${name} on --${bg}: ${ratio.toFixed(2)}`);
      }
    }
  }
  assert.doesNotMatch(demos, /(margin|padding|border)-(left|right)|\b(left|right):/, 'logical properties only');
});
