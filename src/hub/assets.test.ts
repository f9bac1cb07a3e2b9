import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { readdirSync, readFileSync } from 'node:fs';
import { Assets, bundleClientScripts, clearBundleMemory, CLIENT_CACHE_ENTRIES_MAX, CLIENT_DIR } from './assets.ts';

function clientDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dcbt-client-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

test('each pages/*.ts becomes one self-contained, minified ES module; libraries and tests are not entries', async () => {
  const dir = clientDir({
    'pages/one.ts': "import { twice } from '../lib/math.ts';\nexport const answer: number = twice(21);\ndocument.title = String(answer);\n",
    'pages/two.ts': "import { twice } from '../lib/math.ts';\nconsole.log(twice(2));\n",
    'lib/math.ts': 'export function twice(n: number): number { return n * 2; }\n',
    'lib/math.test.ts': 'throw new Error("not bundled");\n',
  });
  try {
    const out = await bundleClientScripts(dir, { cacheDir: null });
    assert.deepEqual([...out.keys()].sort(), ['one.js', 'two.js']);
    const one = out.get('one.js')!.toString('utf8');
    assert.doesNotMatch(one, /\bimport\b/, 'bundled: no imports left');
    assert.doesNotMatch(one, /: number/, 'types stripped');
    assert.match(one, /\*2/);
    // The same sources give the same (cached) result; a change rebuilds.
    assert.equal(await bundleClientScripts(dir, { cacheDir: null }), out);
    writeFileSync(join(dir, 'lib/math.ts'), 'export function twice(n: number): number { return n + n; }\n');
    assert.match((await bundleClientScripts(dir, { cacheDir: null })).get('one.js')!.toString('utf8'), /\+/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bundles are cached in a folder: a start with unchanged sources reads them instead of bundling', async () => {
  const dir = clientDir({ 'pages/one.ts': 'console.log(1 + 1);\n' });
  const cacheDir = mkdtempSync(join(tmpdir(), 'dcbt-cache-'));
  try {
    const built = await bundleClientScripts(dir, { cacheDir });
    const files = readdirSync(cacheDir);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^[0-9a-f]{64}\.json$/);
    // Mark the cached copy, forget the memory: the next call must come from the folder.
    const cached = JSON.parse(readFileSync(join(cacheDir, files[0]!), 'utf8')) as Record<string, string>;
    assert.equal(Buffer.from(cached['one.js']!, 'base64').toString('utf8'), built.get('one.js')!.toString('utf8'));
    writeFileSync(join(cacheDir, files[0]!), JSON.stringify({ 'one.js': Buffer.from('/* from the cache */').toString('base64') }));
    clearBundleMemory();
    assert.equal((await bundleClientScripts(dir, { cacheDir })).get('one.js')!.toString('utf8'), '/* from the cache */');
    // A changed source is a new key: bundled again, and the folder keeps at most CLIENT_CACHE_ENTRIES_MAX sets.
    for (let i = 0; i < CLIENT_CACHE_ENTRIES_MAX + 2; i++) {
      writeFileSync(join(dir, 'pages/one.ts'), `console.log(${i} * 3);\n`);
      assert.match((await bundleClientScripts(dir, { cacheDir })).get('one.js')!.toString('utf8'), new RegExp(`${i}\\*3|${i * 3}`));
    }
    assert.equal(readdirSync(cacheDir).length, CLIENT_CACHE_ENTRIES_MAX);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('a page script that imports code outside the client folder does not build', async () => {
  const outside = mkdtempSync(join(tmpdir(), 'dcbt-outside-'));
  writeFileSync(join(outside, 'secret.ts'), 'export const secret = "server only";\n');
  const dir = clientDir({ 'pages/leak.ts': `import { secret } from ${JSON.stringify(join(outside, 'secret.ts'))};\nconsole.log(secret);\n` });
  try {
    await assert.rejects(bundleClientScripts(dir, { cacheDir: null }), /outside/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});

test('a syntax error in a page script fails the start-up with the file named', async () => {
  const dir = clientDir({ 'pages/broken.ts': 'const = ;\n' });
  try {
    await assert.rejects(bundleClientScripts(dir, { cacheDir: null }), /broken\.ts/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bundled scripts are served under a content hash as JavaScript with a long cache', async () => {
  const assets = new Assets();
  for (const [name, body] of await bundleClientScripts(CLIENT_DIR)) assets.add(name, body);
  const url = assets.url('demo-hashing.js');
  assert.match(url, /^\/assets\/demo-hashing\.[0-9a-f]{12}\.js$/);
  assert.throws(() => assets.add('demo-hashing.js', Buffer.from('x')), /twice/);
  assert.throws(() => assets.add('notes.txt', Buffer.from('x')), /unknown type/);
  const app = Fastify();
  assets.register(app);
  try {
    const res = await app.inject(url);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(res.body, assets.get('demo-hashing.js')!.body.toString('utf8'));
  } finally {
    await app.close();
  }
});
