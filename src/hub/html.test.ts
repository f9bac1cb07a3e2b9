import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, html, join, queryString, raw } from './html.ts';

test('interpolations are escaped, SafeHtml and arrays are kept', () => {
  const evil = `<script>alert("x")</script>'&`;
  assert.equal(html`<p title="${evil}">${evil}</p>`.value, `<p title="${escapeHtml(evil)}">${escapeHtml(evil)}</p>`);
  assert.ok(!html`${evil}`.value.includes('<script>'));
  assert.equal(html`<ul>${['a', '<b>'].map((x) => html`<li>${x}</li>`)}</ul>`.value, '<ul><li>a</li><li>&lt;b&gt;</li></ul>');
  assert.equal(html`${raw('<em>ok</em>')}`.value, '<em>ok</em>');
  assert.equal(html`${null}${undefined}${false}${0}`.value, '0');
  assert.equal(join(['<a>', raw('<b>')], ', ').value, '&lt;a&gt;, <b>');
});

test('query strings skip empty values and encode the rest', () => {
  assert.equal(queryString({ a: 'x y', b: '', c: undefined, d: 2 }), '?a=x+y&d=2');
  assert.equal(queryString({}), '');
});
