/**
 * Edit a glossary term → a reviewer publishes it → the public page shows it with its history,
 * in Debian's Chromium against a real hub (SQLite in a temporary data dir, or a fresh PostgreSQL
 * database on the PostgreSQL pass). The two people are created directly in the hub's database;
 * everything else goes through the pages. axe-core checks each new page and each state of its
 * forms (errors included), and the edit and history pages in every locale.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { hashPassword, TEST_SCRYPT } from '../../src/hub/accounts/passwords.ts';
import type { Role } from '../../src/hub/accounts/roles.ts';
import { AccountStore } from '../../src/hub/accounts/store.ts';
import { openDatabase } from '../../src/hub/db/index.ts';
import { LOCALES } from '../../src/hub/i18n/index.ts';
import { startHub, type RunningHub } from '../../src/hub/server.ts';
import { createTestDatabaseUrl, type TestDatabaseUrl } from '../../src/hub/testing.ts';
import { axeViolations, formatViolations, launchBrowser } from '../support/browser.ts';

const PASSWORD = 'a long and memorable passphrase';
const NEW_DEFINITION =
  'A block is one batch of transactions added to a blockchain at once, with a header saying when it was made and which block came before it. Edited in the browser test.';

let dataDir: string;
let database: TestDatabaseUrl;
let hub: RunningHub;
let browser: Browser;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'dcbt-hub-editing-'));
  database = await createTestDatabaseUrl();
  hub = await startHub({ dataDir, port: 0, host: '127.0.0.1', logger: false, databaseUrl: database.url, rateLimitPerMinute: false, accounts: { scrypt: TEST_SCRYPT } });
  // The hub has migrated its database; the people are created in it directly.
  const direct = openDatabase({ databaseUrl: database.url, sqliteFile: join(dataDir, 'hub.sqlite') });
  try {
    const store = new AccountStore(direct.db);
    const passwordHash = await hashPassword(PASSWORD, TEST_SCRYPT);
    const people: [string, string, Role][] = [
      ['editor@example.org', 'Edith Editor', 'editor'],
      ['reviewer@example.org', 'Rafael Reviewer', 'editor'],
    ];
    for (const [email, name, role] of people) await store.createUser({ email, name, passwordHash, locale: 'en', role, verified: true });
  } finally {
    await direct.close();
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await hub?.close();
  await database?.drop();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

async function assertAccessible(page: Page, state: string): Promise<void> {
  const violations = await axeViolations(page);
  assert.equal(violations.length, 0, `${state}:\n${formatViolations(violations)}`);
}

async function signIn(context: BrowserContext, email: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${hub.url}/en/account/sign-in`);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.locator('main form button[type="submit"]').click();
  await page.waitForURL(/\/en\/account\?notice=signedIn$/);
  return page;
}

test('edit a glossary term → another editor publishes it → the public page shows it with its history', async () => {
  const editorContext = await browser.newContext();
  const reviewerContext = await browser.newContext();
  const publicContext = await browser.newContext();
  try {
    // The editor opens the term and follows its Edit link.
    const editor = await signIn(editorContext, 'editor@example.org');
    await editor.goto(`${hub.url}/en/learn/glossary/block`);
    await editor.getByRole('link', { name: 'Edit — Block' }).click();
    await editor.waitForURL(/\/en\/learn\/glossary\/edit\/block$/);
    await assertAccessible(editor, 'edit form');

    // An empty English definition is refused: summary, field marked, focus can jump to it.
    const english = editor.getByLabel('Definition — English');
    await english.fill('');
    await editor.getByRole('button', { name: 'Propose change' }).click();
    await editor.waitForLoadState();
    assert.match(await editor.title(), /^Error: Edit: Block/);
    assert.equal(await editor.getByLabel('Definition — English').getAttribute('aria-invalid'), 'true');
    const summaryLink = editor.locator('.error-summary a', { hasText: 'Definition — English' });
    await summaryLink.click();
    assert.equal(await editor.evaluate(() => document.activeElement?.id), 'edit-definition-en', 'the summary link moves focus to the field');
    await assertAccessible(editor, 'edit form with an error');

    await editor.getByLabel('Definition — English').fill(NEW_DEFINITION);
    await editor.getByLabel('What did you change, and why?').fill('Plainer definition.');
    await editor.getByRole('button', { name: 'Propose change' }).click();
    await editor.waitForURL(/\/en\/content\/revisions\/[0-9a-f-]{36}\?notice=proposed$/);
    assert.match(await editor.locator('[role="status"]').innerText(), /Your proposal is saved/);
    assert.equal(await editor.getByRole('button', { name: 'Publish' }).count(), 0, 'authors cannot publish their own proposal');
    await assertAccessible(editor, 'proposal as its author sees it');

    // Not on the public page yet.
    const reader = await publicContext.newPage();
    await reader.goto(`${hub.url}/en/learn/glossary/block`);
    assert.ok(!(await reader.locator('main').innerText()).includes('Edited in the browser test'));

    // The reviewer finds it in the queue, reads the diff, publishes with a note.
    const reviewer = await signIn(reviewerContext, 'reviewer@example.org');
    await reviewer.locator('nav.account-nav').getByRole('link', { name: 'Review queue' }).click();
    await reviewer.waitForURL(/\/en\/content\/review$/);
    assert.match(await reviewer.locator('main').innerText(), /1 proposal is waiting\.[\s\S]*Proposed by Edith Editor/);
    await assertAccessible(reviewer, 'review queue');
    await reviewer.locator('main .items a').first().click();
    await reviewer.waitForURL(/\/en\/content\/revisions\/[0-9a-f-]{36}$/);
    const added = reviewer.locator('.diff ins').first();
    assert.match(await added.textContent() ?? '', /^Added: .+ \(end of addition\) $/, 'insertions carry hidden text, not colour alone');
    assert.equal(await reviewer.locator('.diff del').count() > 0, true);
    assert.equal(await added.evaluate((el) => getComputedStyle(el).textDecorationLine), 'underline');
    assert.equal(await reviewer.locator('.diff del').first().evaluate((el) => getComputedStyle(el).textDecorationLine), 'line-through');
    await assertAccessible(reviewer, 'proposal with its diff, as a reviewer sees it');
    await reviewer.getByLabel('Note').fill('Checked against the sources.');
    await reviewer.getByRole('button', { name: 'Publish' }).click();
    await reviewer.waitForURL(/\?notice=published$/);
    await assertAccessible(reviewer, 'published revision');
    await reviewer.getByRole('link', { name: 'See the page' }).click();
    await reviewer.waitForURL(/\/en\/learn\/glossary\/block$/);
    assert.ok((await reviewer.locator('main').innerText()).includes('Edited in the browser test'));

    // Anyone now reads the new text, and its history: who, when, the note, the diff.
    const page = await publicContext.newPage();
    await page.goto(`${hub.url}/en/learn/glossary/block`);
    const main = page.locator('main');
    assert.ok((await main.innerText()).includes(NEW_DEFINITION));
    assert.equal(await page.getByRole('link', { name: 'Edit — Block' }).count(), 0, 'no Edit link for visitors');
    await assertAccessible(page, 'term page with the published change');
    await page.getByRole('link', { name: 'History — Block' }).click();
    await page.waitForURL(/\/en\/learn\/glossary\/history\/block$/);
    const history = await main.innerText();
    assert.match(history, /1 change published on the web\./);
    assert.match(history, /Version 1/);
    assert.match(history, /Proposed by\s+Edith Editor/);
    assert.match(history, /Published by\s+Rafael Reviewer/);
    assert.match(history, /Checked against the sources\./);
    assert.match(history, /Plainer definition\./);
    const insertions = (await main.locator('.diff ins').allTextContents()).join(' ');
    assert.match(insertions, /Edited/);
    assert.match(insertions, /browser/);
    await assertAccessible(page, 'history page');
  } finally {
    await editorContext.close();
    await reviewerContext.close();
    await publicContext.close();
  }
});

test('the edit form and the history page pass axe-core in every locale (Arabic right to left)', async () => {
  const context = await browser.newContext();
  try {
    const page = await signIn(context, 'editor@example.org');
    for (const locale of LOCALES) {
      for (const path of [`/${locale}/learn/glossary/edit/merkle-tree`, `/${locale}/learn/glossary/history/block`, `/${locale}/learn/explainers/edit/what-is-a-blockchain`]) {
        const response = await page.goto(`${hub.url}${path}`);
        assert.equal(response?.status(), 200, path);
        assert.equal(await page.locator('html').getAttribute('dir'), locale === 'ar' ? 'rtl' : 'ltr');
        await assertAccessible(page, path);
      }
    }
    // Arabic inputs for English text read left to right; the Arabic ones right to left.
    await page.goto(`${hub.url}/ar/learn/glossary/edit/merkle-tree`);
    assert.equal(await page.locator('#edit-definition-en').evaluate((el) => getComputedStyle(el).direction), 'ltr');
    assert.equal(await page.locator('#edit-definition-ar').evaluate((el) => getComputedStyle(el).direction), 'rtl');
  } finally {
    await context.close();
  }
});
