/**
 * Hub bench: autocannon at 200 concurrent connections against three pages of the hub — the
 * glossary index, a term page and a search — and, as the baseline measured in the same run, a
 * bare Node.js HTTP server sending the very same bytes for the same URLs (no routing, templates,
 * i18n, security headers, rate limit or search: the floor of a Node.js HTTP server on this
 * machine for pages of that size).
 *
 *   npx node bench/hub.ts [--seconds 5] [--warmup-seconds 1] [--connections 200] [--rounds 3] [--json]
 *
 * Each server runs in its own process (the load generator, autocannon, in this one): the hub as
 * `startHub` serves it (SQLite in a temporary data dir, request logs off, the per-address rate
 * limit off — every request comes from 127.0.0.1), once as configured by default (`hub`: pages
 * for cookie-less visitors cached for 2 s, see src/hub/page-cache.ts) and once with that cache
 * off (`hub-nocache`: every request routed and rendered); the bare server from a file of the
 * hub's responses fetched at start. Rounds interleave the servers (order rotated each round); every
 * measurement is preceded by a warm-up on the same URL. Reported per page and server: the median
 * requests/s of the rounds, and p50/p95/p99 latency pooled over every response of every round
 * (taken from autocannon's per-response times, not its fixed percentiles, which lack p95). Any
 * non-2xx answer, error or timeout is counted and shown. Goal: hub p95 ≤ 50 ms on each page.
 *
 * Progress to stderr, the table (or JSON) to stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { commandLine, UsageError } from './cli.ts';

export const ROUTES = [
  { name: 'glossary index', path: '/en/learn/glossary' },
  { name: 'term page', path: '/en/learn/glossary/blockchain' },
  { name: 'search', path: '/en/search?q=blockchain' },
] as const;

export type ServerKind = 'hub' | 'hub-nocache' | 'bare';

export const GOAL_P95_MS = 50;

interface Options {
  seconds: number;
  warmupSeconds: number;
  connections: number;
  rounds: number;
  json: boolean;
}

export interface RouteResult {
  route: string;
  path: string;
  server: ServerKind;
  bytes: number;
  /** Median over the rounds. */
  requestsPerSecond: number;
  requestsPerSecondRounds: number[];
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  responses: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

export interface BenchReport {
  date: string;
  node: string;
  options: Omit<Options, 'json'>;
  loadAverage: { start: number[]; end: number[] };
  results: RouteResult[];
  /** Per page and hub variant: its requests/s over bare requests/s, its p95 over bare p95. */
  ratios: { route: string; server: ServerKind; requestsPerSecond: number; p95: number }[];
  goals: { name: string; met: boolean }[];
}

const USAGE = 'usage: npx node bench/hub.ts [--seconds 5] [--warmup-seconds 1] [--connections 200] [--rounds 3] [--json]';

export function parseOptions(argv: readonly string[]): Options {
  const options: Options = { seconds: 5, warmupSeconds: 1, connections: 200, rounds: 3, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isFinite(n) || n < 0) throw new UsageError(`${arg} needs a non-negative number`);
      return n;
    };
    if (arg === '--seconds') options.seconds = value();
    else if (arg === '--warmup-seconds') options.warmupSeconds = value();
    else if (arg === '--connections') options.connections = Math.max(1, Math.round(value()));
    else if (arg === '--rounds') options.rounds = Math.max(1, Math.round(value()));
    else if (arg === '--json') options.json = true;
    else throw new UsageError(`unknown option ${arg}`);
  }
  return options;
}

/** The q-quantile (0–1) of sorted values, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// ---------------------------------------------------------------------------------------------
// Servers (child processes)

async function serveHub(pageCache: boolean): Promise<void> {
  const { startHub } = await import('../src/hub/server.ts');
  const dataDir = mkdtempSync(join(tmpdir(), 'dcbt-bench-hub-'));
  const hub = await startHub({ dataDir, port: 0, host: '127.0.0.1', logger: false, databaseUrl: '', rateLimitPerMinute: false, ...(pageCache ? {} : { pageCache: false as const }) });
  process.stdout.write(`${JSON.stringify({ url: hub.url })}\n`);
  process.once('SIGTERM', () => {
    void hub.close().then(() => {
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
  });
}

function serveBare(pagesFile: string): void {
  const pages = new Map<string, Buffer>(Object.entries(JSON.parse(readFileSync(pagesFile, 'utf8')) as Record<string, string>).map(([path, b64]) => [path, Buffer.from(b64, 'base64')]));
  const server = createServer((request, response) => {
    const body = pages.get(request.url ?? '');
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length }).end(body);
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}` })}\n`);
  });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

/** Starts `node bench/hub.ts --serve …` and waits for the URL it prints. */
function startChild(args: readonly string[]): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [import.meta.filename, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench server ${args.join(' ')} did not start within 60 s`));
    }, 60_000);
    child.once('exit', (code) => reject(new Error(`bench server ${args.join(' ')} exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ child, url: (JSON.parse(line) as { url: string }).url });
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

// ---------------------------------------------------------------------------------------------
// Load

interface Run {
  requestsPerSecond: number;
  latenciesMs: number[];
  non2xx: number;
  errors: number;
  timeouts: number;
}

async function load(url: string, connections: number, seconds: number): Promise<Run> {
  const latenciesMs: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url, connections, duration: seconds, pipelining: 1, timeout: 10 }, (error, done) => (error ? reject(error) : resolve(done)));
    instance.on('response', (_client, _status, _bytes, responseTimeMs) => {
      latenciesMs.push(responseTimeMs);
    });
  });
  return {
    requestsPerSecond: result.requests.total / (result.duration || seconds),
    latenciesMs,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

async function main(options: Options): Promise<void> {
  const log = (text: string): void => {
    process.stderr.write(`${text}\n`);
  };
  const loadStart = loadavg();
  const workDir = mkdtempSync(join(tmpdir(), 'dcbt-bench-pages-'));
  const children: ChildProcess[] = [];
  try {
    log('starting the hub (twice: page cache on and off)…');
    const hub = await startChild(['--serve', 'hub']);
    children.push(hub.child);
    const nocache = await startChild(['--serve', 'hub-nocache']);
    children.push(nocache.child);
    const pages: Record<string, string> = {};
    const bytes = new Map<string, number>();
    for (const route of ROUTES) {
      const response = await fetch(`${hub.url}${route.path}`);
      const body = Buffer.from(await response.arrayBuffer());
      if (response.status !== 200) throw new Error(`${route.path} answered ${response.status}`);
      pages[route.path] = body.toString('base64');
      bytes.set(route.path, body.length);
    }
    const pagesFile = join(workDir, 'pages.json');
    writeFileSync(pagesFile, JSON.stringify(pages));
    const bare = await startChild(['--serve', 'bare', '--pages', pagesFile]);
    children.push(bare.child);
    const urls: Record<ServerKind, string> = { hub: hub.url, 'hub-nocache': nocache.url, bare: bare.url };

    const runs = new Map<string, Run[]>();
    const servers: ServerKind[] = ['hub', 'hub-nocache', 'bare'];
    for (let round = 0; round < options.rounds; round++) {
      const order = servers.map((_, i) => servers[(i + round) % servers.length]!);
      for (const route of ROUTES) {
        for (const server of order) {
          const url = `${urls[server]}${route.path}`;
          if (options.warmupSeconds > 0) await load(url, options.connections, options.warmupSeconds);
          const run = await load(url, options.connections, options.seconds);
          const key = `${server} ${route.path}`;
          runs.set(key, [...(runs.get(key) ?? []), run]);
          const sorted = [...run.latenciesMs].sort((a, b) => a - b);
          log(`round ${round + 1}/${options.rounds} ${server.padEnd(11)} ${route.name.padEnd(14)} ${run.requestsPerSecond.toFixed(0).padStart(7)} req/s  p95 ${quantile(sorted, 0.95).toFixed(1)} ms${run.non2xx + run.errors + run.timeouts > 0 ? `  non-2xx ${run.non2xx} errors ${run.errors} timeouts ${run.timeouts}` : ''}`);
        }
      }
    }

    const results: RouteResult[] = [];
    for (const route of ROUTES) {
      for (const server of servers) {
        const list = runs.get(`${server} ${route.path}`) ?? [];
        const pooled = list.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
        const rps = list.map((r) => r.requestsPerSecond);
        results.push({
          route: route.name,
          path: route.path,
          server,
          bytes: bytes.get(route.path) ?? 0,
          requestsPerSecond: median(rps),
          requestsPerSecondRounds: rps,
          p50Ms: quantile(pooled, 0.5),
          p95Ms: quantile(pooled, 0.95),
          p99Ms: quantile(pooled, 0.99),
          responses: pooled.length,
          non2xx: list.reduce((n, r) => n + r.non2xx, 0),
          errors: list.reduce((n, r) => n + r.errors, 0),
          timeouts: list.reduce((n, r) => n + r.timeouts, 0),
        });
      }
    }
    const find = (route: string, server: ServerKind) => results.find((r) => r.route === route && r.server === server)!;
    const ratios = ROUTES.flatMap((route) =>
      (['hub', 'hub-nocache'] as const).map((server) => ({
        route: route.name,
        server,
        requestsPerSecond: find(route.name, server).requestsPerSecond / find(route.name, 'bare').requestsPerSecond,
        p95: find(route.name, server).p95Ms / find(route.name, 'bare').p95Ms,
      })),
    );
    const goals = ROUTES.map((route) => ({
      name: `hub ${route.name}: p95 ≤ ${GOAL_P95_MS} ms at ${options.connections} connections`,
      met: find(route.name, 'hub').p95Ms <= GOAL_P95_MS && find(route.name, 'hub').non2xx === 0,
    }));
    const { json: _json, ...shown } = options;
    const report: BenchReport = {
      date: new Date().toISOString(),
      node: process.version,
      options: shown,
      loadAverage: { start: loadStart.map((x) => Math.round(x * 100) / 100), end: loadavg().map((x) => Math.round(x * 100) / 100) },
      results,
      ratios,
      goals,
    };
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  } finally {
    for (const child of children) await stopChild(child);
    rmSync(workDir, { recursive: true, force: true });
  }
}

export function formatReport(report: BenchReport): string {
  const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const lines = [
    `hub bench — ${report.date}, Node ${report.node}, ${report.options.connections} connections, ${report.options.rounds} rounds of ${report.options.seconds} s (+${report.options.warmupSeconds} s warm-up), load average ${report.loadAverage.start[0]} → ${report.loadAverage.end[0]}`,
    '',
    '| page | server | bytes | req/s (median) | rounds | p50 ms | p95 ms | p99 ms | non-2xx / errors / timeouts |',
    '|---|---|---:|---:|---|---:|---:|---:|---|',
    ...report.results.map(
      (r) =>
        `| ${r.route} | ${r.server} | ${fmt(r.bytes)} | ${fmt(r.requestsPerSecond)} | ${r.requestsPerSecondRounds.map((x) => fmt(x)).join(', ')} | ${fmt(r.p50Ms, 1)} | ${fmt(r.p95Ms, 1)} | ${fmt(r.p99Ms, 1)} | ${r.non2xx} / ${r.errors} / ${r.timeouts} |`,
    ),
    '',
    '| page | server | req/s ÷ bare | p95 ÷ bare |',
    '|---|---|---:|---:|',
    ...report.ratios.map((r) => `| ${r.route} | ${r.server} | ${r.requestsPerSecond.toFixed(3)} | ${r.p95.toFixed(2)} |`),
    '',
    ...report.goals.map((g) => `${g.met ? 'met    ' : 'NOT MET'} ${g.name}`),
  ];
  return `${lines.join('\n')}\n`;
}

if (import.meta.main) {
  const argv = process.argv.slice(2);
  const serve = argv.indexOf('--serve');
  if (serve !== -1) {
    const kind = argv[serve + 1];
    if (kind === 'hub' || kind === 'hub-nocache') await serveHub(kind === 'hub');
    else if (kind === 'bare') serveBare(argv[argv.indexOf('--pages') + 1] ?? '');
    else throw new Error('--serve hub|hub-nocache|bare');
  } else {
    await main(commandLine(USAGE, parseOptions, argv));
  }
}
