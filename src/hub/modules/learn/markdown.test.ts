import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMarkdown } from './markdown.ts';

const options = {
  diagram: (id: string) => (id === 'd-one' ? { id, title: 'One', desc: 'A <b>desc</b>', svg: '<svg role="img"></svg>' } : undefined),
  diagramDescriptionLabel: 'Text description',
  sourceAnchor: 'source-',
};

test('raw HTML in Markdown is shown as text, never rendered', () => {
  const out = renderMarkdown('Hello <script>alert(1)</script> and <img src=x onerror=alert(1)>\n\n<div onclick="x">block</div>\n', options).html.value;
  assert.ok(!out.includes('<script'), out);
  assert.ok(!out.includes('<img'), out);
  assert.ok(!out.includes('<div'), out);
  assert.ok(out.includes('&lt;script&gt;'), out);
});

test('unsafe link schemes are dropped; http(s), mailto and relative links are kept', () => {
  const out = renderMarkdown('[a](javascript:alert(1)) [b](https://example.org/x) [c](/en/learn) [d](data:text/html,x) [e](mailto:a@example.org) ![img](https://x/y.png)', options).html.value;
  assert.ok(!/javascript:|data:/.test(out), out);
  assert.ok(out.includes('<a href="https://example.org/x">b</a>'));
  assert.ok(out.includes('<a href="/en/learn">c</a>'));
  assert.ok(out.includes('<a href="mailto:a@example.org">e</a>'));
  assert.ok(!out.includes('<img'), 'images are replaced by their alt text');
});

test('citations link to sources; headings get ids and a table of contents; h1 becomes h2', () => {
  const { html, headings } = renderMarkdown('# Top\n\n## First & second\n\nA claim [1][2].\n\n### Deeper\n', options);
  assert.ok(html.value.includes('<a class="cite" href="#source-1">[1]</a><a class="cite" href="#source-2">[2]</a>'), html.value);
  assert.ok(!html.value.includes('<h1'));
  assert.deepEqual(
    headings.map((h) => [h.id, h.html.value]),
    [
      ['top', 'Top'],
      ['first-second', 'First &amp; second'],
    ],
  );
  assert.ok(html.value.includes('<h3 id="deeper">'));
});

test('heading ids avoid ids the page already uses', () => {
  const { headings } = renderMarkdown('## Main\n\n## Source 1\n', { ...options, reservedIds: ['main'] });
  assert.deepEqual(headings.map((h) => h.id), ['main-2', 'source-1-2']);
});

test('tables are wrapped so that wide ones scroll', () => {
  const out = renderMarkdown('| a | b |\n|---|---|\n| 1 | 2 |\n', options).html.value;
  assert.match(out, /^<div class="table-wrap"><table>[\s\S]*<\/table><\/div>/);
});

test('diagram markers inline the figure with caption and text description', () => {
  const out = renderMarkdown('Before.\n\n{{diagram:d-one}}\n\nAfter.\n', options).html.value;
  assert.match(out, /<figure class="diagram">\s*<svg role="img"><\/svg>\s*<figcaption>One<\/figcaption>/);
  assert.ok(out.includes('<summary>Text description</summary><p>A &lt;b&gt;desc&lt;/b&gt;</p>'));
  assert.ok(out.includes('<p>After.</p>'));
});

test('task lists are checklists with labelled checkboxes', () => {
  const tight = renderMarkdown('- [ ] Write the problem down\n- [x] Ask *who* runs the nodes\n- plain item\n', options).html.value;
  assert.ok(tight.includes('<li class="task"><label><input type="checkbox"> Write the problem down</label></li>'), tight);
  assert.ok(tight.includes('<li class="task"><label><input type="checkbox" checked> Ask <em>who</em> runs the nodes</label></li>'), tight);
  assert.ok(tight.includes('<li>plain item</li>'), tight);
  assert.ok(!tight.includes('disabled'), tight);
  const loose = renderMarkdown('- [ ] First <b>step</b>\n\n  More about it.\n\n- [ ] Second\n', options).html.value;
  assert.match(loose, /<li class="task"><p><input type="checkbox" aria-label="First &lt;b&gt;step&lt;\/b&gt;">/);
  assert.ok(!/<label>[^]*<p>/.test(loose), loose);
});
