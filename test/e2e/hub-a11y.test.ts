/**
 * Every route of the hub, in every locale, passes axe-core (WCAG 2.0/2.1/2.2 A and AA) with no
 * violations, in Debian's Chromium.
 *
 * Routes are found by crawling each locale's home over HTTP (links, and each GET filter form's
 * first option), so new pages are covered without being listed here; every link fetched must
 * answer 200 (query variants of one path past the 20th, such as `sign-in?next=…` for every
 * page, are not fetched). The browser then opens every page of the crawl, except that families
 * are sampled (evenly over their sorted members): pages differing only in the last path segment
 * (the glossary's terms, the explainers, the history pages) and pages differing only in query
 * values (filter results, result pages). English opens path families of up to 12 pages whole
 * (the explainers), 8 of larger ones and 2 query variants; the other locales, which render the
 * same templates over the same content, 3 and 1. On the PostgreSQL pass (the same pages over
 * another database: what differs is covered by the form, editing and demo tests) 1 and 1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext } from 'playwright-core';
import { LOCALES, type Locale } from '../../src/hub/i18n/index.ts';
import { testPostgresUrl } from '../../src/hub/testing.ts';
import { axeViolations, crawl, forEachPage, formatViolations, launchBrowser, startTestHub, type AxeViolation, type TestHubServer } from '../support/browser.ts';

const onPostgres = testPostgresUrl() !== undefined;

function sampling(locale: Locale): { wholeFamilyMax: number; samplePerFamily: number; variantsPerFamily: number } {
  if (onPostgres) return { wholeFamilyMax: 1, samplePerFamily: 1, variantsPerFamily: 1 };
  return locale === 'en' ? { wholeFamilyMax: 12, samplePerFamily: 8, variantsPerFamily: 2 } : { wholeFamilyMax: 3, samplePerFamily: 3, variantsPerFamily: 1 };
}

/** Two pages at a time: the browser renders one while axe runs in the other. */
const PAGES_AT_ONCE = 2;

let hub: TestHubServer;
let browser: Browser;
let context: BrowserContext;

before(async () => {
  hub = await startTestHub();
  browser = await launchBrowser();
  context = await browser.newContext();
});

after(async () => {
  await browser?.close();
  await hub?.close();
});

async function audit(ctx: BrowserContext, paths: readonly string[], expectStatus = 200): Promise<AxeViolation[]> {
  const found = await forEachPage(ctx, paths, PAGES_AT_ONCE, async (page, path) => {
    const response = await page.goto(`${hub.url}${path}`);
    assert.equal(response?.status(), expectStatus, `${path} answered ${response?.status()}`);
    return axeViolations(page);
  });
  return found.flat();
}

for (const locale of LOCALES) {
  test(`every route in /${locale} passes axe-core with no violations`, async () => {
    const result = await crawl(hub.url, locale, {
      ...sampling(locale),
      // Pages only a form reaches: search results, one with and one without hits.
      seeds: [`/${locale}/search?q=blockchain`, `/${locale}/search?q=zzqqxx`],
    });
    assert.deepEqual(result.broken, [], 'every internal link answers 200');
    // The crawl really walked the site (the core pages are reachable from the home page).
    for (const path of ['', '/learn', '/learn/glossary', '/learn/explainers', '/learn/resources', '/search']) {
      assert.ok(result.all.includes(`/${locale}${path}`), `the crawl reached /${locale}${path}`);
    }
    assert.ok(result.all.some((p) => p.startsWith(`/${locale}/learn/glossary/`)), 'the crawl reached the glossary terms');
    assert.ok(result.sample.length < result.all.length, 'large families are sampled');

    const violations = await audit(context, result.sample);
    assert.equal(violations.length, 0, `${violations.length} axe violations in /${locale}:\n${formatViolations(violations)}`);
  });
}

test('error pages pass axe-core in every locale', async () => {
  const missing = LOCALES.map((l) => `/${l}/learn/glossary/no-such-term`);
  const invalid = LOCALES.map((l) => `/${l}/learn/resources?type=not-a-type`);
  const violations = [...(await audit(context, missing, 404)), ...(await audit(context, invalid, 400))];
  assert.equal(violations.length, 0, formatViolations(violations));
});

test('the dark colour scheme and a narrow screen pass axe-core too', async () => {
  const paths = ['/en', '/en/learn/glossary', '/en/learn/explainers/what-is-a-blockchain', '/ar/learn/resources', '/fr/search?q=chaine'];
  for (const options of [{ colorScheme: 'dark' as const }, { viewport: { width: 320, height: 640 } }]) {
    const ctx = await browser.newContext(options);
    try {
      const violations = await audit(ctx, paths);
      assert.equal(violations.length, 0, `${JSON.stringify(options)}:\n${formatViolations(violations)}`);
    } finally {
      await ctx.close();
    }
  }
});
