/**
 * Keyboard only, in Chromium: the first Tab reaches the skip link, which is visible and moves
 * focus to the main content; Tab then visits every focusable element in document order (no
 * positive tabindex, nothing hidden but focusable), each with a visible focus indicator.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, startTestHub, type TestHubServer } from '../support/browser.ts';

let hub: TestHubServer;
let browser: Browser;
let context: BrowserContext;

before(async () => {
  hub = await startTestHub();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
});

after(async () => {
  await browser?.close();
  await hub?.close();
});

interface Focused {
  /** tag#id.class "text" — enough to tell elements apart in a failure message. */
  label: string;
  inViewport: boolean;
  /** Outline of at least 2 px, or a box shadow: what :focus-visible draws. */
  indicator: boolean;
  inMain: boolean;
}

/** Describes document.activeElement (runs in the page). */
function describeFocus(page: Page): Promise<Focused | null> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (el === null || el === document.body) return null;
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 30);
    return {
      label: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${typeof el.className === 'string' && el.className ? `.${el.className.split(' ')[0]}` : ''} "${text}"`,
      // 1 px of slack: scrolling into view aligns fractional boxes to the nearest pixel.
      inViewport: r.width > 0 && r.height > 0 && r.top >= -1 && r.left >= -1 && r.bottom <= innerHeight + 1 && r.right <= innerWidth + 1,
      indicator: (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) || cs.boxShadow !== 'none',
      inMain: document.querySelector('main')?.contains(el) === true,
    };
  });
}

/** The focusable elements in document order, described as describeFocus does. */
function focusableInOrder(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const selector = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]';
    return [...document.querySelectorAll<HTMLElement>(selector)]
      .filter((el) => el.tabIndex >= 0 && !(el as HTMLButtonElement).disabled && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')
      .map((el) => {
        const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 30);
        return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${el.className.split(' ')[0]}` : ''} "${text}"`;
      });
  });
}

for (const locale of ['en', 'ar'] as const) {
  test(`/${locale}: the first Tab reaches a visible skip link that moves focus to main`, async () => {
    const page = await context.newPage();
    try {
      for (const path of [`/${locale}`, `/${locale}/learn/glossary`, `/${locale}/learn/resources`]) {
        await page.goto(`${hub.url}${path}`);
        await page.keyboard.press('Tab');
        const first = await describeFocus(page);
        assert.ok(first !== null, `${path}: Tab focused something`);
        assert.match(first.label, /^a\.skip-link /, `${path}: the first Tab stop is the skip link, not ${first.label}`);
        assert.ok(first.inViewport, `${path}: the focused skip link is on screen`);
        assert.ok(first.indicator, `${path}: the skip link shows a focus indicator`);
        await page.keyboard.press('Enter');
        await page.waitForURL(/#main$/);
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'main', `${path}: focus moved to main`);
        await page.keyboard.press('Tab');
        const next = await describeFocus(page);
        assert.ok(next?.inMain, `${path}: the next Tab stays in main (got ${next?.label})`);
      }
    } finally {
      await page.close();
    }
  });
}

test('Tab visits the focusable elements in document order, each with a visible focus indicator', async () => {
  const page = await context.newPage();
  try {
    // Home pages (all of them), a term, an explainer with its diagrams' disclosures, the
    // resource filters (selects and a button), search results with pagination.
    const pages = ['/en', '/ar', '/en/learn/glossary/hash-function', '/ar/learn/explainers/how-consensus-works', '/en/learn/resources', '/fr/search?q=bloc'];
    const tabStopsMax = 60;
    for (const path of pages) {
      await page.goto(`${hub.url}${path}`);
      const expected = (await focusableInOrder(page)).slice(0, tabStopsMax);
      assert.ok(expected.length >= 10, `${path} has focusable elements`);
      const visited: string[] = [];
      for (let i = 0; i < expected.length; i++) {
        await page.keyboard.press('Tab');
        const focused = await describeFocus(page);
        assert.ok(focused !== null, `${path}: Tab stop ${i + 1} focused something`);
        visited.push(focused.label);
        assert.ok(focused.indicator, `${path}: ${focused.label} shows a focus indicator`);
        // The skip link is off screen until focused; everything else is scrolled into view.
        assert.ok(focused.inViewport, `${path}: ${focused.label} is on screen when focused`);
      }
      assert.deepEqual(visited, expected, `${path}: Tab order is document order`);
    }
  } finally {
    await page.close();
  }
});
