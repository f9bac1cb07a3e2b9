/** Word diffs: both sides come back exactly, the script is shortest, documents diff by field. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cleanup, DIFF_EDITS_MAX, diffDocuments, diffText, diffTokens, flattenDocument, sideOf, tokenize, type DiffPart } from './diff.ts';

/** Texts from a small vocabulary, so that random pairs share words (the interesting case). */
const words = fc.constantFrom('block', 'chain', 'name', 'الكتلة', 'chaîne', 'node', ' ', '  ', '\n', ',', '.', 'a-b', 'é');
const text = fc.array(words, { maxLength: 40 }).map((w) => w.join(''));

function changedTokens(parts: readonly DiffPart[]): number {
  return parts.filter((p) => p.op !== 'equal').reduce((n, p) => n + tokenize(p.text).length, 0);
}

/** Length of the longest common subsequence, by dynamic programming (the reference). */
function lcs(a: readonly string[], b: readonly string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    let diagonal = 0;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = x === b[j - 1] ? diagonal + 1 : Math.max(row[j]!, row[j - 1]!);
      diagonal = above;
    }
  }
  return row[b.length]!;
}

test('tokenize gives the text back and keeps words whole (Latin, Arabic, accents)', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => assert.equal(tokenize(s).join(''), s)));
  assert.deepEqual(tokenize('A block, la chaîne — الكتلة.'), ['A', ' ', 'block', ',', ' ', 'la', ' ', 'chaîne', ' ', '—', ' ', 'الكتلة', '.']);
});

test('both sides of a diff come back exactly', () => {
  fc.assert(
    fc.property(text, text, (a, b) => {
      const parts = diffText(a, b);
      assert.equal(sideOf(parts, 'before'), a);
      assert.equal(sideOf(parts, 'after'), b);
      for (const p of parts) assert.notEqual(p.text, '');
      for (let i = 1; i < parts.length; i++) assert.notEqual(parts[i]!.op, parts[i - 1]!.op, 'neighbours are merged');
    }),
    { numRuns: 500 },
  );
});

test('the edit script is a shortest one (checked against LCS by dynamic programming)', () => {
  fc.assert(
    fc.property(text, text, (a, b) => {
      const ta = tokenize(a);
      const tb = tokenize(b);
      assert.equal(changedTokens(diffTokens(ta, tb)), ta.length + tb.length - 2 * lcs(ta, tb));
    }),
    { numRuns: 500 },
  );
});

test('same text: one equal part; a one-word change in a long text is one word', () => {
  assert.deepEqual(diffText('same text', 'same text'), [{ op: 'equal', text: 'same text' }]);
  assert.deepEqual(diffText('', ''), []);
  const long = Array.from({ length: 500 }, (_, i) => `word${i}`).join(' ');
  const changed = long.replace('word250', 'changed');
  assert.deepEqual(
    diffText(long, changed).filter((p) => p.op !== 'equal'),
    [
      { op: 'delete', text: 'word250' },
      { op: 'insert', text: 'changed' },
    ],
  );
});

test('cleanup joins changes separated by single spaces into one phrase each side', () => {
  const parts = diffText('the old red words stay', 'the new blue words stay');
  assert.deepEqual(parts, [
    { op: 'equal', text: 'the ' },
    { op: 'delete', text: 'old red' },
    { op: 'insert', text: 'new blue' },
    { op: 'equal', text: ' words stay' },
  ]);
  // Cleanup never changes either side.
  fc.assert(
    fc.property(text, text, (a, b) => {
      const raw = diffTokens(tokenize(a), tokenize(b));
      assert.equal(sideOf(cleanup(raw), 'before'), a);
      assert.equal(sideOf(cleanup(raw), 'after'), b);
    }),
  );
});

test('unrelated texts beyond the edit bound are reported as replaced, quickly', () => {
  const a = Array.from({ length: DIFF_EDITS_MAX + 10 }, (_, i) => `a${i}`).join(' ');
  const b = Array.from({ length: DIFF_EDITS_MAX + 10 }, (_, i) => `b${i}`).join(' ');
  const started = performance.now();
  const parts = diffText(a, b);
  assert.ok(performance.now() - started < 5000);
  assert.equal(sideOf(parts, 'before'), a);
  assert.equal(sideOf(parts, 'after'), b);
});

test('documents flatten into fields and diff field by field', () => {
  const before = { id: 'x', term: { en: 'Block', fr: 'Bloc' }, topics: ['basics'], sources: [{ title: 'T', year: 2018 }] };
  const after = { id: 'x', term: { en: 'Block', fr: 'Un bloc', ar: 'الكتلة' }, topics: ['basics', 'dns'], sources: [{ title: 'T', year: 2019 }] };
  assert.deepEqual([...flattenDocument(before)], [
    ['id', 'x'],
    ['term.en', 'Block'],
    ['term.fr', 'Bloc'],
    ['topics', 'basics'],
    ['sources[0].title', 'T'],
    ['sources[0].year', '2018'],
  ]);
  const changes = diffDocuments(before, after);
  assert.deepEqual(
    changes.map((c) => [c.path, c.before, c.after]),
    [
      ['term.fr', 'Bloc', 'Un bloc'],
      ['topics', 'basics', 'basics\ndns'],
      ['sources[0].year', '2018', '2019'],
      ['term.ar', '', 'الكتلة'],
    ],
  );
  assert.deepEqual(diffDocuments(before, before), []);
});
