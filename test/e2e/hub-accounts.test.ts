/**
 * Sign-up → e-mail link → sign-in, in Chromium against a real hub that sends its mail to a real
 * SMTP server; axe-core checks each state of the forms (including the error states, which the
 * crawl never reaches).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, formatViolations, launchBrowser, startTestHub, type TestHubServer } from '../support/browser.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp.ts';

let smtp: SmtpSink;
let hub: TestHubServer;
let browser: Browser;

before(async () => {
  smtp = await startSmtpSink();
  hub = await startTestHub({ smtp });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await hub?.close();
  await smtp?.close();
});

async function assertAccessible(page: Page, state: string): Promise<void> {
  const violations = await axeViolations(page);
  assert.equal(violations.length, 0, `${state}:\n${formatViolations(violations)}`);
}

const accountNav = (page: Page) => page.locator('nav.account-nav');

test('sign up, confirm from the e-mail link, sign out, sign in again', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const email = `reader-${Date.now()}@example.org`;
  const password = 'a long and memorable passphrase';
  try {
    await page.goto(`${hub.url}/en/learn/glossary`);
    await accountNav(page).getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL(/\/en\/account\/sign-up$/);
    await assertAccessible(page, 'sign-up form');

    // Errors: a summary that links to each field, the fields marked, the title says so.
    await page.getByLabel('Your name').fill('Reader');
    await page.getByLabel('E-mail address').fill('not an address');
    await page.getByLabel('Password').fill('short');
    await page.locator('main form button[type="submit"]').click();
    await page.waitForLoadState();
    assert.match(await page.title(), /^Error:/);
    const summary = page.locator('[role="alert"]');
    assert.ok((await summary.locator('a').count()) >= 2, 'the error summary links to the fields in error');
    assert.equal(await page.getByLabel('E-mail address').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Your name').inputValue(), 'Reader', 'typed values are kept');
    assert.equal(await page.getByLabel('Password').inputValue(), '', 'passwords are never sent back');
    await assertAccessible(page, 'sign-up form with errors');

    await page.getByLabel('E-mail address').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.locator('main form button[type="submit"]').click();
    await page.locator('h1', { hasText: 'Check your e-mail' }).waitFor();
    assert.match(await page.locator('main').innerText(), new RegExp(email.replace(/[.]/g, '\\.')));
    await assertAccessible(page, 'check your e-mail');

    const mail = await smtp.next();
    assert.deepEqual(mail.to, [email]);
    const link = new RegExp(`${hub.url.replace(/[.:/]/g, '\\$&')}/en/account/confirm\\?token=[A-Za-z0-9_-]+`).exec(mail.text)?.[0];
    assert.ok(link !== undefined, `the mail holds a confirmation link:\n${mail.text}`);

    // The link asks for the password chosen at sign-up (GET changes nothing), then signs in.
    await page.goto(link);
    await page.locator('h1', { hasText: 'Confirm your e-mail address' }).waitFor();
    await assertAccessible(page, 'confirmation page');
    await page.getByLabel('Password').fill(password);
    await page.locator('main form button[type="submit"]').click();
    await page.waitForURL(/\/en\/account\?notice=confirmed$/);
    assert.match(await page.locator('main').innerText(), new RegExp(email.replace(/[.]/g, '\\.')));
    await accountNav(page).getByRole('link', { name: 'Your account' }).waitFor();
    await assertAccessible(page, 'account page');

    // Sign out (a POST form in the header), then sign in: a wrong password first.
    await accountNav(page).getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/en\/account\/sign-in\?notice=signedOut$/);
    assert.equal(await accountNav(page).getByRole('link', { name: 'Your account' }).count(), 0);
    await page.getByLabel('E-mail address').fill(email);
    await page.getByLabel('Password').fill('not the right passphrase');
    await page.locator('main form button[type="submit"]').click();
    await page.waitForLoadState();
    assert.match(await page.locator('main').innerText(), /The e-mail address or the password is not right/);
    await assertAccessible(page, 'sign-in form with an error');

    await page.getByLabel('Password').fill(password);
    await page.locator('main form button[type="submit"]').click();
    await page.waitForURL(/\/en\/account\?notice=signedIn$/);
    await accountNav(page).getByRole('link', { name: 'Your account' }).waitFor();
    // The session is a cookie the browser keeps: another page is still signed in.
    await page.goto(`${hub.url}/fr/learn`);
    assert.equal(await accountNav(page).getByRole('link', { name: 'Votre compte' }).count(), 1);
    assert.equal(smtp.received.length, 1, 'one mail: the confirmation');
  } finally {
    await context.close();
  }
});
