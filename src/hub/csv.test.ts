import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv, toCsv } from './csv.ts';

test('CSV round-trips quotes, commas, new lines and Arabic text', () => {
  const rows = [['a,b', 'say "hi"', 'line\nbreak', 'الكتلة', 42]];
  const text = toCsv(['x', 'y', 'z', 'w', 'n'], rows);
  assert.ok(text.startsWith('\uFEFF'));
  assert.deepEqual(parseCsv(text), [['x', 'y', 'z', 'w', 'n'], ['a,b', 'say "hi"', 'line\nbreak', 'الكتلة', '42']]);
});

test('cells a spreadsheet would run as formulas are neutralised', () => {
  const [, row] = parseCsv(toCsv(['a', 'b', 'c', 'd'], [['=HYPERLINK("x")', '+1', '-2', '@SUM(A1)']]));
  assert.deepEqual(row, [`'=HYPERLINK("x")`, "'+1", "'-2", "'@SUM(A1)"]);
});
