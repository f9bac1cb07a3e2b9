import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHubContent } from '../app.ts';
import { diagramKind, explainerKind, glossaryKind, resourceKind } from '../modules/learn/content.ts';
import { DEFAULT_CONTENT_DIR } from '../server.ts';
import { ContentError } from './index.ts';

/** A small copy of the real content to break in different ways. */
function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hub-content-'));
  for (const f of ['glossary/block.yaml', 'glossary/blockchain.yaml', 'resources/nist-ir-8202.yaml', 'explainers/how-the-dns-works.md', 'explainers/diagrams/how-the-dns-works-resolution.svg']) {
    cpSync(join(DEFAULT_CONTENT_DIR, f), join(dir, f), { recursive: true });
  }
  return dir;
}

function expectError(dir: string, file: string, field: string, reason: RegExp): void {
  assert.throws(
    () => loadHubContent(dir),
    (error: unknown) => {
      assert.ok(error instanceof ContentError, String(error));
      const issue = error.issues.find((i) => i.file === file && i.field === field);
      assert.ok(issue, `no issue for ${file} ${field}; got ${JSON.stringify(error.issues)}`);
      assert.match(issue.reason, reason);
      assert.ok(error.message.includes(`${file}: ${field}:`), error.message);
      return true;
    },
  );
}

test('the repository content loads and validates', () => {
  const store = loadHubContent(DEFAULT_CONTENT_DIR);
  assert.ok(store.items(glossaryKind).length >= 50);
  assert.ok(store.items(resourceKind).length >= 80);
  assert.ok(store.items(explainerKind).length >= 12);
  const diagram = store.get(diagramKind, 'how-the-dns-works-resolution');
  assert.ok(diagram);
  assert.equal(diagram.title, 'How a DNS lookup is resolved');
  assert.ok(!diagram.svg.includes('<style'), 'the standalone <style> is removed for inlining (CSP)');
});

test('a fixture copy loads', () => {
  const dir = fixture();
  try {
    const store = loadHubContent(dir);
    assert.equal(store.items(glossaryKind).length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad glossary field fails start-up with the file, the field and the reason', () => {
  const dir = fixture();
  try {
    const file = join(dir, 'glossary/block.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('topics: [basics]', 'topics: [basics, astrology]'));
    expectError(dir, 'glossary/block.yaml', 'topics[1]', /Invalid option|expected one of/i);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing English definition, an http URL and an unknown field are each reported', () => {
  const dir = fixture();
  try {
    const file = join(dir, 'glossary/blockchain.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/^definition:\n {2}en: /m, 'definition:\n  xx: ').replace('https://', 'http://') + 'colour: blue\n');
    assert.throws(() => loadHubContent(dir), (error: unknown) => {
      assert.ok(error instanceof ContentError);
      const fields = error.issues.filter((i) => i.file === 'glossary/blockchain.yaml').map((i) => `${i.field}: ${i.reason}`);
      assert.ok(fields.some((f) => f.startsWith('definition.en:')), fields.join('\n'));
      assert.ok(fields.some((f) => /^sources\[0\]\.url: must be an https URL/.test(f)), fields.join('\n'));
      assert.ok(fields.some((f) => /colour/.test(f)), fields.join('\n'));
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resources: bad level, id not matching the file name, YAML syntax errors', () => {
  const dir = fixture();
  try {
    const file = join(dir, 'resources/nist-ir-8202.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/^level: .*$/m, 'level: expert'));
    expectError(dir, 'resources/nist-ir-8202.yaml', 'level', /./);
    writeFileSync(file, text.replace(/^id: .*$/m, 'id: something-else'));
    expectError(dir, 'resources/nist-ir-8202.yaml', 'id', /file name/);
    writeFileSync(file, `${text}\ntitle: [unclosed\n`);
    expectError(dir, 'resources/nist-ir-8202.yaml', '(syntax)', /./);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('explainers: a missing diagram file and an unsafe diagram are reported', () => {
  const dir = fixture();
  try {
    rmSync(join(dir, 'explainers/diagrams/how-the-dns-works-resolution.svg'));
    expectError(dir, 'explainers/how-the-dns-works.md', 'body', /has no file/);
    writeFileSync(
      join(dir, 'explainers/diagrams/how-the-dns-works-resolution.svg'),
      '<svg role="img" viewBox="0 0 10 10" aria-labelledby="a b" onload="alert(1)"><title id="a">T</title><desc id="b">D</desc><script>alert(1)</script></svg>',
    );
    expectError(dir, 'explainers/diagrams/how-the-dns-works-resolution.svg', 'svg', /scripts|event-handler/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a related term that does not exist yet is a warning, not an error', () => {
  const dir = fixture();
  try {
    const store = loadHubContent(dir);
    assert.ok(store.warnings.some((w) => w.file === 'glossary/block.yaml' && /does not exist/.test(w.reason)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
