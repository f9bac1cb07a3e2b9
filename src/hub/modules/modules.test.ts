/** The module contract: valid manifests, and no module imports another. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { modules } from './index.ts';

const MODULES_DIR = fileURLToPath(new URL('./', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

test('modules never import each other', () => {
  const folders = readdirSync(MODULES_DIR).filter((n) => statSync(join(MODULES_DIR, n)).isDirectory());
  for (const folder of folders) {
    for (const file of files(join(MODULES_DIR, folder))) {
      const source = readFileSync(file, 'utf8');
      for (const m of source.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
        const target = resolve(join(file, '..'), m[1] ?? '');
        const inModules = relative(MODULES_DIR, target);
        if (inModules.startsWith('..')) continue; // the core
        const owner = inModules.split(sep)[0];
        assert.ok(owner === folder || !folders.includes(owner ?? ''), `${relative(MODULES_DIR, file)} imports module "${owner}"`);
      }
    }
  }
});

test('manifests follow the contract', () => {
  const ids = new Set<string>();
  for (const m of modules) {
    assert.match(m.id, /^[a-z][a-z0-9]*$/);
    assert.ok(!ids.has(m.id), `duplicate module ${m.id}`);
    ids.add(m.id);
    for (const key of Object.keys(m.messages.en)) assert.ok(key.startsWith(`${m.id}.`), `${m.id}: key ${key}`);
    for (const p of m.permissions) assert.ok(p.startsWith(`${m.id}.`), `${m.id}: permission ${p}`);
    if (m.nav !== undefined) {
      assert.ok(m.nav.path.startsWith('/'));
      assert.ok(m.nav.labelKey in m.messages.en, `${m.id}: nav label ${m.nav.labelKey} is not in the catalogue`);
    }
    const migrationIds = m.migrations.map((x) => x.id);
    assert.deepEqual(migrationIds, [...migrationIds].sort(), `${m.id}: migrations in id order`);
  }
});
