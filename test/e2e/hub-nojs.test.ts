/**
 * With JavaScript off (javaScriptEnabled: false), a reader gets the main pages and every form
 * works: home → glossary by the navigation, the topic filter, a term, explainers with their table
 * of contents and diagram descriptions, the resource filters and pagination, site search.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, startTestHub, type TestHubServer } from '../support/browser.ts';

let hub: TestHubServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

before(async () => {
  hub = await startTestHub();
  browser = await launchBrowser();
  context = await browser.newContext({ javaScriptEnabled: false });
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
  await hub?.close();
});

/** The first number in the page's status line ("192 terms", "131 resources", "12 results"). */
async function statusCount(): Promise<number> {
  const text = await page.locator('main [role="status"]').first().innerText();
  const match = /\d[\d\s,.\u202f\u00a0]*/.exec(text);
  assert.ok(match, `a count in "${text}"`);
  return Number(match[0].replace(/\D/g, ''));
}

test('scripts really are off in this context', async () => {
  await page.setContent('<title>before</title><script>document.title = "ran"</script>');
  assert.equal(await page.title(), 'before');
});

test('home → glossary through the navigation; the topic filter is a working form', async () => {
  await page.goto(`${hub.url}/en`);
  assert.equal(await page.locator('h1').count(), 1);
  await page.locator('.main-nav a', { hasText: 'Learn' }).click();
  await page.waitForURL(/\/en\/learn$/);
  await page.locator('main a[href="/en/learn/glossary"]').first().click();
  await page.waitForURL(/\/en\/learn\/glossary$/);
  const all = await statusCount();
  assert.ok(all >= 150, `the glossary lists at least 150 terms (${all})`);
  assert.equal(await page.locator('main .az-group a').count(), all);

  await page.selectOption('#glossary-topic', 'cryptography');
  await page.locator('main form.filters button[type="submit"]').click();
  await page.waitForURL(/\/en\/learn\/glossary\?topic=cryptography$/);
  const filtered = await statusCount();
  assert.ok(filtered > 0 && filtered < all, `the filter narrows the list (${filtered} of ${all})`);
  assert.equal(await page.locator('main .az-group a').count(), filtered);
  assert.equal(await page.locator('#glossary-topic').inputValue(), 'cryptography', 'the chosen topic stays selected');

  // A–Z jump links are in-page anchors.
  const letter = page.locator('main .letters a').first();
  const target = await letter.getAttribute('href');
  await letter.click();
  assert.ok(page.url().endsWith(target!), 'the letter link moves to its section');
});

test('a term page: definition, technical note, related terms and sources', async () => {
  await page.goto(`${hub.url}/en/learn/glossary`);
  await page.locator('main .az-group a', { hasText: /^Hash function$/ }).click();
  await page.waitForURL(/\/en\/learn\/glossary\/hash-function$/);
  assert.equal((await page.locator('h1').innerText()).trim(), 'Hash function');
  const main = await page.locator('main').innerText();
  assert.ok(main.length > 400, 'the term page has its text');
  assert.ok((await page.locator('main a[href^="/en/learn/glossary/"]').count()) > 0, 'related terms are links');
  assert.ok((await page.locator('main a[href^="https://"]').count()) > 0, 'sources link out');
});

test('explainers: index, article, table of contents, diagram description', async () => {
  await page.goto(`${hub.url}/en/learn/explainers`);
  const articles = page.locator('main .items h2 a, main .cards h2 a, main li h2 a, main li h3 a');
  assert.ok((await articles.count()) >= 12, 'at least 12 explainers are listed');
  await page.locator('main a[href="/en/learn/explainers/how-consensus-works"]').first().click();
  await page.waitForURL(/how-consensus-works$/);
  const toc = page.locator('main nav.toc a');
  assert.ok((await toc.count()) >= 3, 'a table of contents');
  const anchor = await toc.nth(1).getAttribute('href');
  await toc.nth(1).click();
  assert.ok(page.url().endsWith(anchor!), 'table of contents links move within the page');
  const details = page.locator('main figure.diagram details').first();
  assert.equal(await details.getAttribute('open'), null);
  await details.locator('summary').click();
  assert.notEqual(await details.getAttribute('open'), null, 'the diagram description opens without scripts');
  assert.ok((await details.locator('p').innerText()).length > 20);
});

test('resources: a filter narrows the list, clearing restores it, pagination moves on, past the end is 404', async () => {
  await page.goto(`${hub.url}/en/learn/resources`);
  const all = await statusCount();
  assert.ok(all >= 80, `at least 80 resources (${all})`);
  await page.selectOption('#filter-level', 'introductory');
  await page.locator('main form.filters button[type="submit"]').click();
  await page.waitForURL(/level=introductory/);
  const byLevel = await statusCount();
  assert.ok(byLevel > 0 && byLevel < all, `the level filter narrows the list (${byLevel} of ${all})`);
  const items = page.locator('main ul.items > li');
  const metas = await items.locator('p.meta').first().allInnerTexts();
  assert.match(metas.join(' '), /Introductory/i);

  // Clearing the filters (a link) restores the full list; the next page link works.
  await page.locator('main form.filters a').click();
  await page.waitForURL(/\/en\/learn\/resources$/);
  assert.equal(await statusCount(), all);
  const firstTitle = await items.first().locator('h2').innerText();
  await page.locator('main nav.pagination a[rel="next"]').click();
  await page.waitForURL(/page=2/);
  assert.notEqual(await items.first().locator('h2').innerText(), firstTitle, 'page 2 shows other resources');
  const response = await page.goto(`${hub.url}/en/learn/resources?page=99`);
  assert.equal(response?.status(), 404);
});

test('search from the header form: results with highlights, in French too', async () => {
  await page.goto(`${hub.url}/en/learn`);
  await page.fill('#site-search-q', 'consensus');
  await page.press('#site-search-q', 'Enter');
  await page.waitForURL(/\/en\/search\?q=consensus$/);
  assert.ok((await statusCount()) > 0);
  assert.ok((await page.locator('main ol.items mark').count()) > 0, 'matches are highlighted');
  assert.equal(await page.locator('#search-q').inputValue(), 'consensus', 'the query stays in the search field');

  await page.goto(`${hub.url}/fr`);
  await page.fill('#site-search-q', 'chaine de blocs');
  await page.locator('form.site-search button').click();
  await page.waitForURL(/\/fr\/search\?q=/);
  assert.ok((await statusCount()) > 0, 'French search finds results without the accent');
  await page.fill('#search-q', 'zzqqxx');
  await page.locator('main form button').click();
  await page.waitForURL(/q=zzqqxx/);
  assert.equal(await statusCount(), 0);
});
