/**
 * Every interactive demo completed with the keyboard alone, in Chromium with scripts on: Tab
 * reaches each control (no mouse, no element.focus()), typing, Enter and arrow keys do the rest.
 * Results are read as text — the state lines and the polite live region (#demo-status) — never
 * from colour; axe-core checks the page in its final state. The registration demo runs against
 * a real devnet node through its RPC.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeViolations, formatViolations, launchBrowser, startTestDevnet, startTestHub, type TestDevnet, type TestHubServer } from '../support/browser.ts';

let devnet: TestDevnet;
let hub: TestHubServer;
let browser: Browser;
let context: BrowserContext;

before(async () => {
  devnet = await startTestDevnet();
  hub = await startTestHub({ rpcUrl: devnet.rpcUrl });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await browser?.close();
  await hub?.close();
  await devnet?.close();
});

/** Presses Tab until the focused element matches `selector`; fails past `pressesMax`. */
async function tabTo(page: Page, selector: string, pressesMax = 80): Promise<void> {
  for (let i = 0; i < pressesMax; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) === true, selector)) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab did not reach ${selector} within ${pressesMax} presses`);
}

const statusText = (page: Page) => page.locator('#demo-status .state-text').innerText();

/** Waits until the live region says something matching `pattern`. */
async function waitForStatus(page: Page, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  await page.waitForFunction(
    ({ source, flags }) => new RegExp(source, flags).test(document.querySelector('#demo-status .state-text')?.textContent ?? ''),
    { source: pattern.source, flags: pattern.flags },
    { timeout: timeoutMs },
  );
  return statusText(page);
}

async function assertAccessible(page: Page, state: string): Promise<void> {
  const violations = await axeViolations(page);
  assert.equal(violations.length, 0, `${state}:\n${formatViolations(violations)}`);
}

async function open(path: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${hub.url}${path}`);
  // The live region is a polite status region with an icon and text.
  assert.equal(await page.locator('#demo-status').getAttribute('role'), 'status');
  assert.equal(await page.locator('#demo-status').getAttribute('aria-live'), 'polite');
  return page;
}

test('hashing: type a text, the hash follows and the change is announced', async () => {
  const page = await open('/en/learn/demos/hashing');
  try {
    await tabTo(page, '#hash-text');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('hello');
    const expected = createHash('sha256').update('hello').digest('hex');
    await page.waitForFunction((hash) => document.getElementById('hash-output')?.textContent === hash, expected);
    assert.match(await waitForStatus(page, /characters? of 64 changed/), /New hash: \d+ characters? of 64 changed\./);
    await tabTo(page, '#hash-compute');
    await page.keyboard.press('Enter');
    await waitForStatus(page, /^Same text, same hash\.$/);
    assert.equal(page.url(), `${hub.url}/en/learn/demos/hashing`, 'no page load: the script answered');
    await assertAccessible(page, 'hashing demo after typing');
  } finally {
    await page.close();
  }
});

test('a block: choose the easiest difficulty with the arrow keys, mine, the block is sealed', async () => {
  const page = await open('/en/learn/demos/block');
  try {
    await tabTo(page, '#block-difficulty');
    // Closed selects change value with the arrow keys; Home is not reliable across platforms.
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowUp');
    assert.equal(await page.locator('#block-difficulty').inputValue(), '1');
    await tabTo(page, '#block-data');
    await page.keyboard.type(' and bob.dcbt.test');
    await tabTo(page, '#block-mine');
    await page.keyboard.press('Enter');
    const found = await waitForStatus(page, /^Found: nonce \d+ seals the block/);
    assert.match(found, /after [\d,]+ tr(y|ies)\./);
    assert.equal(await page.locator('#block-seal').getAttribute('data-state'), 'ok');
    assert.match(await page.locator('#block-seal .state-text').innerText(), /^Sealed: the hash starts with 0\./);
    assert.equal(await page.locator('#block-seal .state-icon').innerText(), '✓', 'state is an icon and text, not colour');
    assert.ok((await page.locator('#block-hash').innerText()).startsWith('0'));
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'block-mine', 'focus is back on the Mine button');
    await assertAccessible(page, 'block demo after mining');
  } finally {
    await page.close();
  }
});

test('a chain: tamper with block 2, the links break; re-mine blocks 2 to 5 and it is valid again', async () => {
  const page = await open('/en/learn/demos/chain');
  try {
    await tabTo(page, '#chain-data-2');
    await page.keyboard.press('End');
    await page.keyboard.type('0');
    await waitForStatus(page, /^The chain is broken from block 2 on\.$/);
    assert.equal(await page.locator('#chain-state-2').getAttribute('data-state'), 'bad');
    assert.notEqual(await page.locator('#chain-state-3').getAttribute('data-state'), 'ok');
    for (let n = 2; n <= 5; n++) {
      await tabTo(page, `#chain-mine-${n}`);
      await page.keyboard.press('Enter');
      await waitForStatus(page, new RegExp(`^Block ${n} re-mined with nonce \\d+\\.`));
      assert.equal(await page.locator(`#chain-state-${n}`).getAttribute('data-state'), 'ok');
    }
    assert.match(await statusText(page), /The whole chain is valid\.$/);
    for (let n = 1; n <= 5; n++) assert.equal(await page.locator(`#chain-state-${n} .state-icon`).innerText(), '✓');
    await assertAccessible(page, 'chain demo after repair');
  } finally {
    await page.close();
  }
});

test('nodes agreeing: pick a scenario, step through to the final block with Enter', async () => {
  const page = await open('/en/learn/demos/consensus');
  try {
    await tabTo(page, '#consensus-scenario');
    await page.keyboard.press('ArrowDown');
    const scenario = await page.locator('#consensus-scenario').inputValue();
    await tabTo(page, '#consensus-show');
    await page.keyboard.press('Enter');
    await page.waitForFunction((s) => document.getElementById('consensus-view')?.dataset.scenario === s, scenario);
    const steps = Number(await page.locator('#consensus-view').getAttribute('data-steps'));
    assert.ok(steps >= 3, `the scenario has steps (${steps})`);
    await tabTo(page, '#consensus-next');
    for (let step = 1; step < steps; step++) {
      // The script keeps focus on Next after each step (and moves it to the step title at the end).
      await page.keyboard.press('Enter');
      await page.waitForFunction((n) => document.getElementById('consensus-view')?.dataset.step === String(n), step);
      if (step < steps - 1) assert.equal(await page.evaluate(() => document.activeElement?.id), 'consensus-next');
    }
    assert.equal(await page.locator('#consensus-next').isDisabled(), true, 'no step after the last');
    assert.match(await page.locator('#consensus-view').innerText(), /Outcome: block .+ is final\./);
    const title = (await page.locator('#consensus-step-title').innerText()).trim();
    assert.ok((await statusText(page)).startsWith(title), 'the live region announces the step');
    assert.ok(page.url().includes(`scenario=${scenario}`), 'the address follows the step, so it can be shared');
    await assertAccessible(page, 'consensus demo at its last step');
  } finally {
    await page.close();
  }
});

test('a name on the devnet: type a name, Enter, the progress is announced until it is registered', async () => {
  const page = await open('/en/learn/demos/register');
  const name = `e2e${Date.now().toString(36)}`;
  try {
    await tabTo(page, '#register-name');
    await page.keyboard.type(name);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/en\/learn\/demos\/register\/[A-Za-z0-9_-]+$/);
    // The status page updates itself; the live region says when it is done.
    const done = await waitForStatus(page, /^Done: .+ is registered\.$/, 60_000);
    assert.ok(done.includes(`${name}.dcbt.test`), done);
    for (const step of ['check', 'commit', 'wait', 'register', 'resolve']) {
      assert.equal(await page.locator(`#reg-step-${step}`).getAttribute('data-state'), 'done', `step ${step}`);
    }
    // The chain has it: the node's RPC answers for the name.
    const response = await fetch(`${devnet.rpcUrl}/v1/names/${name}`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), new RegExp(`${name}\\.dcbt\\.test`));
    await tabTo(page, '#register-another');
    await assertAccessible(page, 'registration finished');
  } finally {
    await page.close();
  }
});
