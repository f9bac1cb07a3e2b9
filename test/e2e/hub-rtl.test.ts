/**
 * Right-to-left layout in Arabic, measured in Chromium: `dir="rtl"` and the computed direction,
 * the site name, navigation and skip link on the right (English, the control, on the left), and no
 * horizontal scrolling on a phone or a desktop screen.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_CONTENT_DIR } from '../../src/hub/server.ts';
import { forEachPage, launchBrowser, startTestHub, type TestHubServer } from '../support/browser.ts';

let hub: TestHubServer;
let browser: Browser;

before(async () => {
  hub = await startTestHub();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await hub?.close();
});

interface Box {
  left: number;
  right: number;
}

interface Geometry {
  dir: string | null;
  lang: string | null;
  direction: string;
  viewport: number;
  brand: Box;
  nav: Box[];
  skipLink: Box;
}

async function geometry(page: Page): Promise<Geometry> {
  await page.keyboard.press('Tab'); // the skip link shows where it is only when focused
  return page.evaluate(() => {
    const box = (el: Element | null): Box => {
      if (el === null) throw new Error('element missing');
      const r = el.getBoundingClientRect();
      return { left: r.left, right: r.right };
    };
    return {
      dir: document.documentElement.getAttribute('dir'),
      lang: document.documentElement.getAttribute('lang'),
      direction: getComputedStyle(document.querySelector('main')!).direction,
      viewport: document.documentElement.clientWidth,
      brand: box(document.querySelector('.brand')),
      nav: [...document.querySelectorAll('.main-nav li')].map(box),
      skipLink: box(document.activeElement),
    };
  });
}

test('Arabic is laid out right to left: direction, site name, navigation and skip link on the right', async () => {
  // Desktop: the header is one row; phone: the navigation has a row of its own.
  for (const width of [1280, 390]) {
    const context = await browser.newContext({ viewport: { width, height: 800 } });
    try {
      const page = await context.newPage();
      await page.goto(`${hub.url}/ar/learn/glossary`);
      const ar = await geometry(page);
      await page.goto(`${hub.url}/en/learn/glossary`);
      const en = await geometry(page);
      const at = `at ${width} px`;

      assert.equal(ar.dir, 'rtl');
      assert.equal(ar.lang, 'ar');
      assert.equal(ar.direction, 'rtl');
      assert.equal(en.direction, 'ltr');

      // The start edge is the right in Arabic, the left in English (the control).
      const gutter = 100;
      assert.ok(ar.brand.right > ar.viewport - gutter, `${at}: the Arabic site name starts at the right (right edge ${ar.brand.right} of ${ar.viewport})`);
      assert.ok(en.brand.left < gutter, `${at}: the English site name starts at the left`);
      assert.ok(ar.skipLink.right > ar.viewport - gutter, `${at}: the Arabic skip link appears at the right (right edge ${ar.skipLink.right})`);
      assert.ok(en.skipLink.left < gutter, `${at}: the English skip link appears at the left`);
      // Navigation runs leftwards from the right.
      assert.ok(ar.nav.length >= 3, 'the main navigation has items');
      for (let i = 1; i < ar.nav.length; i++) {
        assert.ok(ar.nav[i]!.right <= ar.nav[i - 1]!.left + 1, `${at}: Arabic navigation item ${i + 1} is left of item ${i}`);
        assert.ok(en.nav[i]!.left >= en.nav[i - 1]!.right - 1, `${at}: English navigation item ${i + 1} is right of item ${i}`);
      }
      if (width < 768) {
        assert.ok(ar.nav[0]!.right > ar.viewport - gutter, `${at}: the Arabic navigation row starts at the right (${ar.nav[0]!.right})`);
        assert.ok(en.nav[0]!.left < gutter, `${at}: the English navigation row starts at the left`);
      } else {
        assert.ok(ar.nav[0]!.right < ar.brand.left, `${at}: the Arabic navigation follows the site name leftwards`);
        assert.ok(en.nav[0]!.left > en.brand.right, `${at}: the English navigation follows the site name rightwards`);
      }
    } finally {
      await context.close();
    }
  }
});

test('no page scrolls sideways, in Arabic or English, at 320 and 1280 px', async () => {
  const explainers = readdirSync(join(DEFAULT_CONTENT_DIR, 'explainers'))
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .map((f) => `/learn/explainers/${f.replace(/\.md$/, '')}`);
  const paths = ['', '/learn', '/learn/glossary', '/learn/glossary/hash-function', '/learn/glossary/byzantine-fault-tolerance', '/learn/explainers', ...explainers, '/learn/resources', '/search?q=blockchain'];
  for (const width of [320, 1280]) {
    const context = await browser.newContext({ viewport: { width, height: 800 } });
    try {
      const urls = ['ar', 'en'].flatMap((locale) => paths.map((p) => `/${locale}${p}`));
      const overflowing = await forEachPage(context, urls, 2, async (page, url) => {
        await page.goto(`${hub.url}${url}`);
        return page.evaluate((url) => {
          const client = document.documentElement.clientWidth;
          const scroll = document.documentElement.scrollWidth;
          if (scroll > client) return `${url}: ${scroll} px wide in a ${client} px viewport`;
          // In a right-to-left page, content sticking out on the right cannot be scrolled to and
          // does not count in scrollWidth: look for any box outside the viewport that no
          // scrolling or clipping ancestor contains (up to, not including, body).
          for (const el of document.body.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.height === 0 || (r.left >= -1 && r.right <= client + 1)) continue;
            let contained = getComputedStyle(el).clipPath !== 'none';
            for (let a = el.parentElement; !contained && a !== null && a !== document.body; a = a.parentElement) {
              const cs = getComputedStyle(a);
              contained = cs.overflowX !== 'visible' || cs.clipPath !== 'none';
            }
            if (!contained) return `${url}: <${el.tagName.toLowerCase()}> spans ${Math.round(r.left)}–${Math.round(r.right)} px in a ${client} px viewport`;
          }
          return undefined;
        }, url);
      });
      assert.deepEqual(overflowing.filter((o) => o !== undefined), [], `pages wider than ${width} px`);
    } finally {
      await context.close();
    }
  }
});
