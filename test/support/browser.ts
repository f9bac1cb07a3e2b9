/**
 * Browser tests of the hub: Debian's Chromium driven by playwright-core, axe-core for
 * accessibility, a real hub (startHub over HTTP, its own data dir and test database) and, for the
 * pages that talk to the chain, an in-process devnet node with its RPC.
 *
 *   const hub = await startTestHub();          // { url, dataDir, close }; { smtp } from startSmtpSink()
 *   const browser = await launchBrowser();
 *   const page = await (await browser.newContext()).newPage();
 *   const violations = await axeViolations(page);
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { TEST_SCRYPT } from '../../src/hub/accounts/passwords.ts';
import { startHub } from '../../src/hub/server.ts';
import { createTestDatabaseUrl } from '../../src/hub/testing.ts';
import { ChainNode } from '../../src/node/node.ts';
import { ensureDevnet } from '../../src/node/devnet.ts';
import { buildRpc } from '../../src/rpc/server.ts';

/** Debian's package `chromium` (npm test installs it). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Headless, no sandbox (tests may run as root), and nothing that calls out to the network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
] as const;

/** WCAG 2.0, 2.1 and 2.2, levels A and AA: the hub's target. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] as const;

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
}

export interface TestHubServer {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * A real hub on a free port: a temporary data dir, SQLite there or a fresh PostgreSQL database
 * when the tests run on PostgreSQL (see src/hub/testing.ts), no rate limit (a crawl makes
 * hundreds of requests a minute from one address), no logs.
 */
export async function startTestHub(
  options: { rpcUrl?: string; rateLimitPerMinute?: number | false; smtp?: { host: string; port: number } } = {},
): Promise<TestHubServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dcbt-hub-e2e-'));
  const database = await createTestDatabaseUrl();
  try {
    const hub = await startHub({
      dataDir,
      port: 0,
      host: '127.0.0.1',
      logger: false,
      databaseUrl: database.url,
      rpcUrl: options.rpcUrl,
      rateLimitPerMinute: options.rateLimitPerMinute ?? false,
      // Cheap password hashing (the default costs about a second per hash); mail by SMTP when a
      // test gives a server, otherwise into the data dir's outbox.
      accounts: { scrypt: TEST_SCRYPT },
      ...(options.smtp === undefined ? {} : { mailTransport: { kind: 'smtp' as const, smtp: { host: options.smtp.host, port: options.smtp.port } } }),
    });
    return {
      url: hub.url,
      dataDir,
      close: async () => {
        await hub.close();
        await database.drop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

export interface TestDevnet {
  rpcUrl: string;
  close(): Promise<void>;
}

/** A single-validator devnet producing blocks, with its RPC on a free port, in this process. */
export async function startTestDevnet(): Promise<TestDevnet> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dcbt-devnet-e2e-'));
  const devnet = await ensureDevnet(dataDir);
  const node = await ChainNode.open({ dataDir, genesis: devnet.genesis, validatorKey: devnet.validatorKey });
  const rpc = await buildRpc(node);
  await rpc.listen({ host: '127.0.0.1', port: 0 });
  const address = rpc.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the devnet RPC has no TCP address');
  node.start((error) => process.stderr.write(`devnet block production failed: ${String(error)}\n`));
  return {
    rpcUrl: `http://127.0.0.1:${address.port}`,
    close: async () => {
      await rpc.close();
      await node.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface AxeViolation {
  url: string;
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/**
 * axe-core's WCAG 2.x A/AA violations on the page as loaded. Legacy mode runs axe.run() in the
 * page itself instead of merging per-frame results in a new blank page: half the time per page,
 * the same results for the hub, which has no iframes (its CSP would refuse framed content anyway).
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const result = await new AxeBuilder({ page }).withTags([...AXE_TAGS]).setLegacyMode(true).analyze();
  return result.violations.map((v) => ({
    url: page.url(),
    id: v.id,
    impact: v.impact ?? 'unknown',
    help: v.help,
    targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
  }));
}

/** One line per violation, for assertion messages. */
export function formatViolations(violations: readonly AxeViolation[]): string {
  return violations.map((v) => `${v.url}: ${v.id} (${v.impact}) ${v.help} — ${v.targets.join(' | ')}`).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Crawl: which routes exist, found by following the site's own links, so new pages get tested
// without anyone listing them.

export interface CrawlOptions {
  /** Pages besides the locale's home to start from (paths below the host, e.g. "/en/search?q=x"). */
  seeds?: readonly string[];
  /** Path families (see `familyOf`) of at most this many pages go to the browser whole… */
  wholeFamilyMax?: number;
  /** …larger ones (e.g. the glossary's terms) as an even sample of this many. */
  samplePerFamily?: number;
  /** At most this many query variants of one path (filter values, result pages) go to the browser. */
  variantsPerFamily?: number;
  /**
   * Query variants of one path beyond this many are not fetched at all (the crawl still follows
   * the first ones' links): `sign-in?next=…` exists once for every page of the site.
   */
  variantsFetchedMax?: number;
  /** The crawl fails beyond this many pages per locale: a bound on the run, not a sample. */
  pagesMax?: number;
}

export interface CrawlResult {
  /** Every internal page found (path + query), sorted. */
  all: string[];
  /** The pages to open in the browser: every page, except large families sampled. */
  sample: string[];
  /** Links that did not answer 200 (page → link). */
  broken: { from: string; to: string; status: number }[];
  /** Query variants found but not fetched (see `variantsFetchedMax`). */
  unfetched: number;
}

/** Paths that are downloads or assets, not pages. */
const NOT_A_PAGE = /\.(json|csv|svg|css|js|png|ico|txt|xml)$/;

function decodeEntities(text: string): string {
  return text.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>');
}

/** Internal page links of one locale in an HTML page, without fragments. */
export function pageLinks(pageHtml: string, locale: string): string[] {
  const links = new Set<string>();
  for (const match of pageHtml.matchAll(/\shref="([^"]*)"/g)) {
    const href = decodeEntities(match[1]!).split('#')[0]!;
    if (href !== `/${locale}` && !href.startsWith(`/${locale}/`) && !href.startsWith(`/${locale}?`)) continue;
    const path = href.split('?')[0]!;
    if (NOT_A_PAGE.test(path)) continue;
    links.add(href);
  }
  return [...links];
}

/**
 * URLs a GET form can produce (filters): for each `<select>` of each GET form, the form's action
 * with the select's first non-empty option. Free-text fields (search) are seeded separately.
 */
export function formUrls(pageHtml: string, locale: string): string[] {
  const urls: string[] = [];
  for (const form of pageHtml.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const attrs = form[1]!;
    if (!/method="get"/i.test(attrs)) continue;
    const action = decodeEntities(/action="([^"]*)"/.exec(attrs)?.[1] ?? '');
    if (!action.startsWith(`/${locale}`)) continue;
    for (const select of form[2]!.matchAll(/<select\b[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
      const value = [...select[2]!.matchAll(/<option\b[^>]*value="([^"]*)"/g)].map((o) => decodeEntities(o[1]!)).find((v) => v !== '');
      if (value !== undefined) urls.push(`${action}?${new URLSearchParams({ [select[1]!]: value }).toString()}`);
    }
  }
  return urls;
}

/**
 * Pages of a family differ only in their last path segment (kind "path": all glossary terms,
 * `/en/learn/glossary/*`) or only in query values (kind "query": all filter results or result
 * pages of one path with the same parameters, `/en/learn/resources?level&page`).
 */
export function familyOf(url: string): { key: string; kind: 'path' | 'query' } {
  const [path, query] = url.split('?') as [string, string | undefined];
  if (query !== undefined) return { key: `${path}?${[...new URLSearchParams(query).keys()].sort().join('&')}`, kind: 'query' };
  return { key: `${path.replace(/\/[^/]+$/, '')}/*`, kind: 'path' };
}

/** Evenly spread, deterministic sample of at most n items of a sorted list. */
export function spreadSample<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]!);
}

/** Follows internal links from `/${locale}` (and the seeds) over HTTP, breadth first. */
export async function crawl(baseUrl: string, locale: string, options: CrawlOptions = {}): Promise<CrawlResult> {
  const samplePerFamily = options.samplePerFamily ?? 16;
  const wholeFamilyMax = options.wholeFamilyMax ?? samplePerFamily;
  const variantsPerFamily = options.variantsPerFamily ?? 3;
  const variantsFetchedMax = options.variantsFetchedMax ?? 20;
  const pagesMax = options.pagesMax ?? 2000;
  const variantsQueued = new Map<string, number>();
  let unfetched = 0;
  const seen = new Set<string>([`/${locale}`, ...(options.seeds ?? [])]);
  const queue = [...seen];
  const ok: string[] = [];
  const broken: CrawlResult['broken'] = [];
  const from = new Map<string, string>();
  while (queue.length > 0) {
    // A few requests at once: the crawl is I/O, the hub answers from memory.
    const batch = queue.splice(0, 8);
    await Promise.all(
      batch.map(async (path) => {
        const response = await fetch(`${baseUrl}${path}`, { redirect: 'manual' });
        const body = await response.text();
        if (response.status !== 200) {
          broken.push({ from: from.get(path) ?? '(seed)', to: path, status: response.status });
          return;
        }
        ok.push(path);
        for (const link of [...pageLinks(body, locale), ...formUrls(body, locale)]) {
          if (seen.has(link)) continue;
          seen.add(link);
          const family = familyOf(link);
          if (family.kind === 'query') {
            const queued = variantsQueued.get(family.key) ?? 0;
            if (queued >= variantsFetchedMax) {
              unfetched++;
              continue;
            }
            variantsQueued.set(family.key, queued + 1);
          }
          from.set(link, path);
          queue.push(link);
        }
      }),
    );
    if (seen.size > pagesMax) throw new Error(`the crawl of /${locale} found more than ${pagesMax} pages; raise pagesMax or sample more`);
  }
  const all = ok.sort();
  const families = new Map<string, { kind: 'path' | 'query'; members: string[] }>();
  for (const url of all) {
    const { key, kind } = familyOf(url);
    const family = families.get(key) ?? { kind, members: [] };
    family.members.push(url);
    families.set(key, family);
  }
  const sample = [...families.values()]
    .flatMap(({ kind, members }) =>
      kind === 'query' ? spreadSample(members, variantsPerFamily) : members.length <= wholeFamilyMax ? members : spreadSample(members, samplePerFamily),
    )
    .sort();
  return { all, sample, broken, unfetched };
}

/** Runs `check` on every URL with `concurrency` pages of one context; results in URL order. */
export async function forEachPage<T>(
  context: BrowserContext,
  urls: readonly string[],
  concurrency: number,
  check: (page: Page, url: string) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array<T>(urls.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, urls.length) }, async () => {
      const page = await context.newPage();
      try {
        while (next < urls.length) {
          const i = next++;
          results[i] = await check(page, urls[i]!);
        }
      } finally {
        await page.close();
      }
    }),
  );
  return results;
}
