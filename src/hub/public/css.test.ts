/** The stylesheet's colour pairs meet WCAG 2.2 AA, and it keeps to logical properties. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const css = readFileSync(new URL('./hub.css', import.meta.url), 'utf8');

function variables(block: string): Map<string, string> {
  return new Map([...block.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1] ?? '', (m[2] ?? '').toLowerCase()]));
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return ((x ?? 0) + 0.05) / ((y ?? 0) + 0.05);
}

const light = variables(/:root\s*\{([\s\S]*?)\n\}/.exec(css)?.[1] ?? '');
const dark = new Map([...light, ...variables(/prefers-color-scheme: dark\)\s*\{\s*:root\s*\{([\s\S]*?)\}/.exec(css)?.[1] ?? '')]);

const TEXT_PAIRS: [string, string][] = [
  ['text', 'bg'],
  ['text', 'bg-soft'],
  ['muted', 'bg'],
  ['muted', 'bg-soft'],
  ['link', 'bg'],
  ['link', 'bg-soft'],
  ['link-visited', 'bg'],
  ['link-visited', 'bg-soft'],
  ['button-text', 'button-bg'],
  ['mark-text', 'mark-bg'],
  ['error', 'bg'],
  ['error', 'bg-soft'],
  ['success', 'bg'],
];
const NON_TEXT_PAIRS: [string, string][] = [
  ['focus', 'bg'],
  ['focus', 'bg-soft'],
  ['border', 'bg'],
];

for (const [name, scheme] of [
  ['light', light],
  ['dark', dark],
] as const) {
  test(`${name} colours: text ≥ 4.5:1, focus ring and control borders ≥ 3:1`, () => {
    assert.equal(scheme.get('bg'), name === 'light' ? '#ffffff' : '#121212', 'colour scheme parsed');
    for (const [fg, bg] of TEXT_PAIRS) {
      const ratio = contrast(scheme.get(fg) ?? '', scheme.get(bg) ?? '');
      assert.ok(ratio >= 4.5, `${name} ${fg} on ${bg}: ${ratio.toFixed(2)}:1`);
    }
    for (const [fg, bg] of NON_TEXT_PAIRS) {
      const ratio = contrast(scheme.get(fg) ?? '', scheme.get(bg) ?? '');
      assert.ok(ratio >= 3, `${name} ${fg} on ${bg}: ${ratio.toFixed(2)}:1`);
    }
  });
}

test('layout uses logical properties, so right-to-left pages mirror', () => {
  const physical = css
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .match(/(?:^|[\s;{])(margin|padding|border)-(left|right)\s*:|(?:^|[\s;{])(left|right)\s*:|text-align:\s*(left|right)|float:\s*(left|right)/gm);
  assert.equal(physical, null, `physical properties: ${String(physical)}`);
});

test('base text is 1.125rem with a 65ch measure, and there is a print stylesheet', () => {
  assert.match(css, /body \{[^}]*font-size: 1\.125rem/);
  assert.match(css, /--measure: 65ch/);
  assert.match(css, /@media print/);
  assert.match(css, /\.skip-link:focus/);
  assert.match(css, /:focus-visible/);
});
