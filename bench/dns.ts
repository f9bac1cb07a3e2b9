/**
 * DNS bench: DCBT's authoritative server against NSD and a bare Node.js UDP responder, one zone,
 * one query mix, one load generator, one server at a time.
 *
 *   npx node bench/dns.ts [--names 10000] [--seconds 5] [--queries 10000] [--latency-qps 20000]
 *                         [--latency-seconds 5] [--rounds 3] [--without dnsperf,nsd] [--json]
 *
 * Zone: N names `n<i>.dcbt.test.`; four in five hold A + AAAA, one in five is a delegation (NS to
 * an in-bailiwick host with glue and to ns.example.net.; every other one with a DS), signed with
 * one ECDSA P-256 ZSK. NSD serves the same zone exported as a pre-signed master file
 * (`buildSignedZone`, written record by record with `rrToText`: real NSEC chain) with `rrl-ratelimit: 0` and one server process; DCBT serves
 * it from a ZoneView over the same records (RRL off). Two bare Node.js responders give the floor
 * of a Node.js UDP server: `bare-table` answers each query of the file with the bytes DCBT gives
 * for it (a table built at start-up, looked up by the question's bytes, id patched in): the same
 * answers, so the same response sizes, with no DNS logic at all; `bare` answers every query with
 * one fixed 162-byte answer. The goal ratio is taken against `bare-table` (same answers on the
 * wire, so the figure is the server's overhead and not the payload's size); both are printed.
 *
 * Queries (a fixed file of --queries lines, same for all): 60 % A for existing names, 20 % A
 * below a delegation (referrals), 20 % A for names that do not exist, all with the DO bit. DCBT
 * runs three times: as configured by default (UDP answer cache on), on a live chain (`dcbt-live`: a block a second changing 100 names) and with the answer cache off
 * (`dcbt-nocache`: every query through the handler chain). All servers run at once, each in its
 * own process (idle while another is measured); each is warmed up with one pass over the file
 * (DCBT then holds the signatures of every answer, as NSD holds a pre-signed zone). Then
 * --rounds rounds, the servers interleaved (order rotated each round): `dnsperf -T 1 -c 1 -D`
 * for --seconds at maximum throughput (100 queries outstanding), then at a fixed offered load of
 * --latency-qps for --latency-seconds with per-query latencies (`dnsperf -Q … -v`). Reported:
 * the median throughput of the rounds, p50/p99 over all rounds' queries.
 *
 * Without dnsperf or NSD installed (or with --without), NSD is left out and a small Node.js load
 * generator replaces dnsperf; the output says so. Progress to stderr, table (or JSON) to stdout.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { DnsRecord, NameRecord } from '../src/chain/types.ts';
import { handleQuery } from '../src/dns/chain.ts';
import { keyPairFromPrivate } from '../src/dns/dnssec.ts';
import { DEFAULT_NODE_UDP_WORKERS } from '../src/dns/limits.ts';
import { buildQuery } from '../src/dns/querykit.ts';
import { aaaaRdata, aRdata, concat, nameRdata, RRType, u16 } from '../src/dns/rdata.ts';
import { createDnsEnv, startDnsServer } from '../src/dns/server.ts';
import type { DnssecKeys } from '../src/dns/signer.ts';
import { freePort } from '../src/dns/testkit.ts';
import { nameFromText } from '../src/dns/wire.ts';
import type { ApexConfig, ZoneView } from '../src/dns/zone.ts';
import { buildSignedZone } from '../src/dns/zonefile.ts';
import { rrToText } from '../src/dns/zonefile-text.ts';
import { prng } from './prng.ts';
import { commandLine, UsageError } from './cli.ts';

/**
 * dcbt-nocache: DCBT with its answer cache off, every query through the handler chain.
 * dcbt-live: DCBT as on a busy chain: a new finalised block every second (while it is the server measured) that changes
 * LIVE_NAMES_PER_BLOCK names (the answer cache drops what those blocks changed).
 */
export type ServerKind = 'dcbt' | 'dcbt-nocache' | 'dcbt-live' | 'nsd' | 'bare-table' | 'bare';
const LIVE_NAMES_PER_BLOCK = 100;
const LIVE_BLOCK_INTERVAL_MS = 1000;

interface Options {
  names: number;
  seconds: number;
  queries: number;
  latencyQps: number;
  latencySeconds: number;
  /** Unmeasured run at the offered rate just before each latency run: the window is steady state. */
  latencyPrerunSeconds: number;
  rounds: number;
  /** UDP worker threads of DCBT's servers (as `dcbt node --dns-udp-workers`). */
  udpWorkers: number;
  without: Set<string>;
  json: boolean;
}

export interface ServerResult {
  server: ServerKind;
  /** Maximum throughput: answered queries per second, the median of the rounds. */
  qps: number;
  qpsRounds: number[];
  /** Share of queries without an answer in the throughput run. */
  lostPercent: number;
  avgLatencyMs: number;
  /** At the fixed offered load. */
  latencyQps: number;
  p50Ms: number;
  p99Ms: number;
  p99MsRounds: number[];
  rcodes: Record<string, number>;
  responseBytesMean: number;
}

export interface BenchReport {
  date: string;
  machine: { cpus: number; model: string; node: string; loadAverage: number[] };
  names: number;
  queries: number;
  seconds: number;
  rounds: number;
  loadGenerator: 'dnsperf' | 'node';
  notes: string[];
  results: ServerResult[];
  ratios: { dcbtOverNsd?: number; dcbtOverBareTable?: number; dcbtOverBare?: number };
  goals: { name: string; met: boolean; value: string }[];
}

const APEX = 'dcbt.test.';
const RECORD_TTL = 300;
/** Four names in five are hosts, the fifth a delegation. */
const DELEGATION_EVERY = 5;
/** Of the delegations, every other one has a DS (secure). */
const SECURE_EVERY = 2;
const WARMUP_TIMEOUT_S = 120;
const READY_TIMEOUT_MS = 600_000;
const ZONE_EXPORT_TIMEOUT_MS = 3 * 3600_000;

const usage = 'usage: bench/dns.ts [--names N] [--seconds S] [--queries N] [--latency-qps Q] [--latency-seconds S] [--latency-prerun-seconds S] [--rounds N] [--udp-workers N] [--without dnsperf,nsd] [--json]';

function parseArgs(argv: readonly string[]): Options & { serve?: 'dcbt' | 'bare' | 'bare-table' | 'load' | 'zonefile'; nowMs: number; responseHex?: string; port?: number; file?: string; qps?: number; once?: boolean; answerCache?: boolean; live?: boolean } {
  const opts: Options & { serve?: 'dcbt' | 'bare' | 'bare-table' | 'load' | 'zonefile'; nowMs: number; responseHex?: string; port?: number; file?: string; qps?: number; once?: boolean; answerCache?: boolean; live?: boolean } = {
    names: 10_000,
    seconds: 5,
    queries: 10_000,
    latencyQps: 20_000,
    latencySeconds: 5,
    latencyPrerunSeconds: 2,
    rounds: 3,
    udpWorkers: DEFAULT_NODE_UDP_WORKERS,
    without: new Set(),
    json: false,
    nowMs: Date.now(),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    const num = (): number => {
      const v = Number(value());
      if (!Number.isFinite(v) || v <= 0) throw new UsageError(`${arg} needs a positive number`);
      return v;
    };
    if (arg === '--names') opts.names = Math.max(DELEGATION_EVERY, Math.floor(num()));
    else if (arg === '--seconds') opts.seconds = num();
    else if (arg === '--queries') opts.queries = Math.floor(num());
    else if (arg === '--latency-qps') opts.latencyQps = Math.floor(num());
    else if (arg === '--latency-seconds') opts.latencySeconds = num();
    else if (arg === '--latency-prerun-seconds') {
      // 0 measures servers straight after their idle time, as the bench did before the pre-run.
      const v = Number(value());
      if (!Number.isFinite(v) || v < 0) throw new UsageError(`${arg} needs a number of seconds, 0 or more`);
      opts.latencyPrerunSeconds = v;
    }
    else if (arg === '--rounds') opts.rounds = Math.floor(num());
    else if (arg === '--udp-workers') {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 0) throw new UsageError(`${arg} needs a whole number, 0 or more`);
      opts.udpWorkers = v;
    }
    else if (arg === '--without') for (const t of value().split(',')) opts.without.add(t.trim());
    else if (arg === '--json') opts.json = true;
    // Child process modes.
    else if (arg === '--serve') {
      const v = value();
      if (v !== 'dcbt' && v !== 'bare' && v !== 'bare-table' && v !== 'load' && v !== 'zonefile') throw new UsageError('--serve dcbt|bare|bare-table|load|zonefile');
      opts.serve = v;
    } else if (arg === '--now-ms') opts.nowMs = num();
    else if (arg === '--response-hex') opts.responseHex = value();
    else if (arg === '--port') opts.port = num();
    else if (arg === '--file') opts.file = value();
    else if (arg === '--qps') opts.qps = num();
    else if (arg === '--once') opts.once = true;
    else if (arg === '--no-answer-cache') opts.answerCache = false;
    else if (arg === '--live') opts.live = true;
    else throw new UsageError(`unknown argument ${arg}`);
  }
  return opts;
}

// ---------------------------------------------------------------------------------------------
// The zone and the queries

const label = (i: number): string => `n${i}`;
const isDelegation = (i: number): boolean => i % DELEGATION_EVERY === DELEGATION_EVERY - 1;
const isSecure = (i: number): boolean => isDelegation(i) && Math.floor(i / DELEGATION_EVERY) % SECURE_EVERY === 0;

export function benchRecord(i: number, nowMs: number): NameRecord {
  const rec = (host: string, type: number, rdata: Uint8Array): DnsRecord => ({ host, type, rdata });
  const records: DnsRecord[] = [];
  const ipv4 = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  if (isDelegation(i)) {
    records.push(rec('', RRType.NS, nameRdata(nameFromText(`ns1.${label(i)}.${APEX}`))), rec('', RRType.NS, nameRdata(nameFromText('ns.example.net.'))), rec('ns1', RRType.A, aRdata(ipv4)));
    if (isSecure(i)) {
      const digest = createHash('sha256').update(label(i)).digest();
      records.push(rec('', RRType.DS, concat(u16(i & 0xffff), new Uint8Array([13, 2]), digest)));
    }
  } else {
    records.push(rec('', RRType.A, aRdata(ipv4)), rec('', RRType.AAAA, aaaaRdata(`2001:db8::${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}`)));
  }
  return { name: label(i), owner: new Uint8Array(32), records, registeredHeight: 1, updatedHeight: 1, expiresAtMs: nowMs + 365 * 86400_000 };
}

/** The view DCBT serves: every record built once (as the node's name cache would hold them). */
export function benchView(names: number, nowMs: number): ZoneView {
  const records = new Map<string, NameRecord>();
  for (let i = 0; i < names; i++) records.set(label(i), benchRecord(i, nowMs));
  return {
    apex: APEX,
    serial: 1,
    timeMs: nowMs,
    ttlSeconds: RECORD_TTL,
    // Async like the node's lookupFinal.
    lookup: async (l: string) => records.get(l),
    isReserved: () => false,
    allNames: () => records.values(),
  };
}

export const benchApex: ApexConfig = {
  nameservers: [{ host: `ns1.${APEX}`, ipv4: '127.0.0.1' }, { host: 'ns.example.net.' }],
  soa: { rname: `hostmaster.${APEX}`, refreshSeconds: 3600, retrySeconds: 600, expireSeconds: 1_209_600, minimumSeconds: 300 },
  ttlSeconds: 3600,
};

/** Fixed keys, so every process of a run (and every run) signs with the same ones. */
export function benchKeys(): DnssecKeys {
  return { ksk: keyPairFromPrivate(257, new Uint8Array(32).fill(0x11)), zsk: keyPairFromPrivate(256, new Uint8Array(32).fill(0x22)) };
}


/** dnsperf input lines: 60 % existing names, 20 % referrals, 20 % non-existent names. */
export function queryLines(names: number, count: number, seed = 1): string[] {
  const rnd = prng(seed);
  const groups = Math.floor(names / DELEGATION_EVERY);
  const lines: string[] = [];
  for (let q = 0; q < count; q++) {
    const r = rnd();
    const group = Math.floor(rnd() * groups);
    if (r < 0.6) lines.push(`${label(group * DELEGATION_EVERY + Math.floor(rnd() * (DELEGATION_EVERY - 1)))}.${APEX} A`);
    else if (r < 0.8) lines.push(`www.${label(group * DELEGATION_EVERY + DELEGATION_EVERY - 1)}.${APEX} A`);
    else lines.push(`nx${Math.floor(rnd() * count)}.${APEX} A`);
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Child processes: the DCBT server, the bare responder, the fallback load generator

const say = (line: unknown): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

/** Servers end when the driver dies without stopping them (re-parented to init). */
function exitWithParent(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 1000).unref();
}

async function serveDcbt(names: number, nowMs: number, port: number, answerCache: boolean, live: boolean, udpWorkers: number): Promise<void> {
  exitWithParent();
  const base = benchView(names, nowMs);
  let view = base;
  if (live) {
    // A block every second rewriting LIVE_NAMES_PER_BLOCK names' addresses, as registrations and updates would.
    const records = new Map<string, NameRecord>();
    const changed = new Map<number, string[]>();
    const rnd = prng(7);
    const lookup = async (l: string) => records.get(l) ?? base.lookup(l);
    const changedSince = (serial: number): ReadonlySet<string> | undefined => {
      const out = new Set<string>();
      for (let s = serial + 1; s <= view.serial; s++) {
        const labels = changed.get(s);
        if (!labels) return undefined;
        for (const l of labels) out.add(l);
      }
      return out;
    };
    // Blocks are made only while this server is the one measured (the bench sends SIGUSR1 before
    // and SIGUSR2 after): its block work would otherwise take turns on the cores with the others' runs.
    let producing = false;
    process.on('SIGUSR1', () => (producing = true));
    process.on('SIGUSR2', () => (producing = false));
    setInterval(() => {
      if (!producing) return;
      const serial = view.serial + 1;
      const labels: string[] = [];
      for (let k = 0; k < LIVE_NAMES_PER_BLOCK; k++) {
        const i = Math.floor(rnd() * names);
        if (i % DELEGATION_EVERY === DELEGATION_EVERY - 1) continue;
        const record = benchRecord(i, nowMs);
        records.set(label(i), { ...record, records: [{ host: '', type: RRType.A, rdata: aRdata(`192.0.2.${serial & 255}`) }], updatedHeight: serial });
        labels.push(label(i));
      }
      changed.set(serial, labels);
      changed.delete(serial - 64);
      view = { ...base, serial, lookup, changedSince };
      server.viewChanged();
    }, LIVE_BLOCK_INTERVAL_MS).unref();
  }
  const limits = { rrlResponsesPerSecond: 0, udpWorkers, ...(answerCache ? {} : { answerCacheEntriesMax: 0 }) };
  const server = await startDnsServer({ host: '127.0.0.1', port, view: () => view, apex: benchApex, keys: benchKeys(), limits });
  const kind = live ? 'dcbt-live' : answerCache ? 'dcbt' : 'dcbt-nocache';
  process.on('SIGTERM', () => {
    const { answerCacheHits, answerCacheMisses, queries, udpDropped } = server.stats;
    const signer = server.env.signer?.stats;
    process.stderr.write(`[dns bench] ${kind} stats: ${JSON.stringify({ serial: view.serial, answerCacheHits, answerCacheMisses, chainQueries: queries, udpDropped, signer })}\n`);
    void server.close().then(() => process.exit(0));
  });
  say({ port: server.udpPort, pid: process.pid });
}

async function serveBare(responseHex: string, port: number): Promise<void> {
  exitWithParent();
  const response = Buffer.from(responseHex, 'hex');
  const sock = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  sock.on('message', (msg, rinfo) => {
    if (msg.length < 2) return;
    const out = Buffer.allocUnsafe(response.length);
    response.copy(out);
    out[0] = msg[0]!;
    out[1] = msg[1]!;
    sock.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(port, '127.0.0.1', resolve));
  process.on('SIGTERM', () => sock.close(() => process.exit(0)));
  say({ port: sock.address().port, pid: process.pid });
}

/** The question's bytes (name, type, class) of a query, as a table key; undefined when malformed. */
function questionKey(msg: Buffer): string | undefined {
  let i = 12;
  while (i < msg.length && msg[i] !== 0) i += msg[i]! + 1;
  return i + 5 <= msg.length ? msg.toString('latin1', 12, i + 5) : undefined;
}

/** A responder with DCBT's answers to the query file precomputed: no DNS logic between socket and socket. */
async function serveBareTable(names: number, nowMs: number, file: string, port: number): Promise<void> {
  exitWithParent();
  const { readFileSync } = await import('node:fs');
  const view = benchView(names, nowMs);
  const env = createDnsEnv({ view: () => view, apex: benchApex, keys: benchKeys() });
  const table = new Map<string, Buffer>();
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const [name, type] = line.split(' ') as [string, string];
    const query = Buffer.from(buildQuery(name, RRType[type as keyof typeof RRType], { dnssecOk: true, edns: 4096 }));
    const key = questionKey(query)!;
    if (table.has(key)) continue;
    const answer = await handleQuery(query, { transport: 'udp', env });
    if (answer) table.set(key, Buffer.from(answer));
  }
  const sock = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  sock.on('message', (msg, rinfo) => {
    const key = questionKey(msg);
    const response = key === undefined ? undefined : table.get(key);
    if (!response) return;
    const out = Buffer.allocUnsafe(response.length);
    response.copy(out);
    out[0] = msg[0]!;
    out[1] = msg[1]!;
    sock.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(port, '127.0.0.1', resolve));
  process.on('SIGTERM', () => sock.close(() => process.exit(0)));
  say({ port: sock.address().port, pid: process.pid, answers: table.size });
}

/** What a load run reports (dnsperf's or ours). */
interface LoadResult {
  sent: number;
  completed: number;
  seconds: number;
  qps: number;
  avgLatencyMs: number;
  latenciesMs: number[];
  rcodes: Record<string, number>;
  responseBytesMean: number;
}

const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
/** Queries in flight at once in the fallback generator, like dnsperf's default -q 100. */
const LOAD_OUTSTANDING_MAX = 100;
const LOAD_TIMEOUT_MS = 2000;

/** The fallback load generator (no dnsperf): one UDP socket, ≤ 100 outstanding, optional rate cap. */
async function loadNode(port: number, file: string[], seconds: number, qps: number | undefined, once: boolean): Promise<LoadResult> {
  const packets = file.map((line, i) => {
    const [name, type] = line.split(' ') as [string, string];
    return buildQuery(name, RRType[type as keyof typeof RRType] ?? RRType.A, { id: i & 0xffff, dnssecOk: true, edns: 4096 });
  });
  const sock = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const pending = new Map<number, number>();
  const latencies: number[] = [];
  const rcodes: Record<string, number> = {};
  let sent = 0;
  let completed = 0;
  let bytes = 0;
  let next = 0;
  let nextId = 0;
  const started = performance.now();
  const endAt = started + seconds * 1000;
  return new Promise((resolve) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearInterval(ticker);
      sock.close();
      const elapsed = (performance.now() - started) / 1000;
      resolve({
        sent,
        completed,
        seconds: elapsed,
        qps: completed / elapsed,
        avgLatencyMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
        latenciesMs: latencies,
        rcodes,
        responseBytesMean: bytes / Math.max(1, completed),
      });
    };
    const pump = (): void => {
      const now = performance.now();
      if (once ? next >= packets.length : now >= endAt) {
        if (pending.size === 0 || now >= endAt + LOAD_TIMEOUT_MS) finish();
        return;
      }
      const allowed = qps === undefined ? Infinity : Math.floor(((now - started) / 1000) * qps) - sent;
      for (let k = 0; k < allowed && pending.size < LOAD_OUTSTANDING_MAX && (!once || next < packets.length); k++) {
        const p = Buffer.from(packets[next % packets.length]!);
        next++;
        const id = nextId;
        nextId = (nextId + 1) & 0xffff;
        p.writeUInt16BE(id, 0);
        pending.set(id, performance.now());
        sent++;
        sock.send(p, port, '127.0.0.1');
      }
    };
    sock.on('message', (msg) => {
      const at = pending.get(msg.readUInt16BE(0));
      if (at === undefined) return;
      pending.delete(msg.readUInt16BE(0));
      completed++;
      bytes += msg.length;
      latencies.push(performance.now() - at);
      const rcode = RCODE_NAMES[msg[3]! & 0xf] ?? String(msg[3]! & 0xf);
      rcodes[rcode] = (rcodes[rcode] ?? 0) + 1;
      pump();
    });
    // Timeouts free their slot; the ticker also paces a capped rate.
    const ticker = setInterval(() => {
      const now = performance.now();
      for (const [id, at] of pending) if (now - at > LOAD_TIMEOUT_MS) pending.delete(id);
      pump();
    }, 1);
    pump();
  });
}

// ---------------------------------------------------------------------------------------------
// The driver

function has(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program} || test -x /usr/sbin/${program}`], { stdio: 'ignore' }).status === 0;
}

function progress(message: string): void {
  process.stderr.write(`[dns bench] ${message}\n`);
}

/** Starts `node bench/dns.ts --serve …` and waits for its first JSON line. */
function startChild(args: readonly string[]): Promise<{ child: ChildProcess; info: { port: number } }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [import.meta.filename, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child ${args.join(' ')} not ready after ${READY_TIMEOUT_MS} ms`));
    }, READY_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child ${args.join(' ')} exited with ${code}`));
    });
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ child, info: JSON.parse(line) as { port: number } });
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Waits until something answers a SOA query on the port (NSD loading a large zone takes a while). */
async function waitForAnswer(port: number, timeoutMs: number): Promise<void> {
  const query = buildQuery(APEX, RRType.SOA);
  const deadline = Date.now() + timeoutMs;
  const sock = createSocket('udp4');
  try {
    while (Date.now() < deadline) {
      const answered = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 200);
        sock.once('message', () => {
          clearTimeout(timer);
          resolve(true);
        });
        sock.send(query, port, '127.0.0.1');
      });
      if (answered) return;
    }
  } finally {
    sock.close();
  }
  throw new Error(`nothing answers on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

function run(program: string, args: readonly string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr });
    });
  });
}

/** Parses dnsperf's statistics block (and with -v, its per-query latency lines). */
export function parseDnsperf(text: string): LoadResult {
  const num = (re: RegExp): number => Number(re.exec(text)?.[1] ?? Number.NaN);
  const rcodes: Record<string, number> = {};
  const codes = /Response codes:\s+(.*)/.exec(text)?.[1] ?? '';
  for (const m of codes.matchAll(/([A-Z]+) (\d+)/g)) rcodes[m[1]!] = Number(m[2]);
  const latenciesMs: number[] = [];
  // -v lines: "> NOERROR n1.dcbt.test. A 0.000123"
  for (const m of text.matchAll(/^> \S+ \S+ \S+ (\d+\.\d+)$/gm)) latenciesMs.push(Number(m[1]) * 1000);
  return {
    sent: num(/Queries sent:\s+(\d+)/),
    completed: num(/Queries completed:\s+(\d+)/),
    seconds: num(/Run time \(s\):\s+([\d.]+)/),
    qps: num(/Queries per second:\s+([\d.]+)/),
    avgLatencyMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    latenciesMs,
    rcodes,
    responseBytesMean: num(/Average packet size:\s+request \d+, response (\d+)/),
  };
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Loader {
  readonly kind: 'dnsperf' | 'node';
  /** One pass over the query file. */
  warmup(port: number): Promise<LoadResult>;
  /** As fast as the server answers, for `seconds`. */
  throughput(port: number, seconds: number): Promise<LoadResult>;
  /** At `qps` offered, with per-query latencies. */
  latency(port: number, qps: number, seconds: number): Promise<LoadResult>;
}

function dnsperfLoader(queryFile: string): Loader {
  const base = (port: number): string[] => ['-s', '127.0.0.1', '-p', String(port), '-d', queryFile, '-T', '1', '-c', '1', '-D', '-t', '2'];
  const go = async (args: string[], timeoutS: number): Promise<LoadResult> => {
    const r = await run('dnsperf', args, timeoutS * 1000);
    if (r.code !== 0) throw new Error(`dnsperf ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return parseDnsperf(r.stdout);
  };
  return {
    kind: 'dnsperf',
    warmup: (port) => go([...base(port), '-n', '1'], WARMUP_TIMEOUT_S),
    throughput: (port, seconds) => go([...base(port), '-l', String(seconds)], seconds + 30),
    latency: (port, qps, seconds) => go([...base(port), '-l', String(seconds), '-Q', String(qps), '-v'], seconds + 30),
  };
}

function nodeLoader(queryFile: string): Loader {
  const go = async (args: string[], timeoutS: number): Promise<LoadResult> => {
    const r = await run(process.execPath, [import.meta.filename, '--serve', 'load', '--file', queryFile, ...args], timeoutS * 1000);
    if (r.code !== 0) throw new Error(`load generator failed (${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as LoadResult;
  };
  return {
    kind: 'node',
    warmup: (port) => go(['--port', String(port), '--seconds', String(WARMUP_TIMEOUT_S), '--once'], WARMUP_TIMEOUT_S + 10),
    throughput: (port, seconds) => go(['--port', String(port), '--seconds', String(seconds)], seconds + 30),
    latency: (port, qps, seconds) => go(['--port', String(port), '--seconds', String(seconds), '--qps', String(qps)], seconds + 30),
  };
}

/** The signed zone as a master file, streamed line by line (at 1M names it is far over V8's longest string). */
async function writeZoneFile(path: string, names: number, nowMs: number): Promise<void> {
  const zone = await buildSignedZone(benchView(names, nowMs), benchApex, benchKeys());
  const out = createWriteStream(path);
  const write = (line: string): Promise<void> | undefined => (out.write(line) ? undefined : new Promise((resolve) => out.once('drain', resolve)));
  await write(`${rrToText(zone.soa)}\n`);
  let batch = '';
  for (const rr of zone.records) {
    batch += `${rrToText(rr)}\n`;
    if (batch.length > 1 << 20) {
      await write(batch);
      batch = '';
    }
  }
  await write(batch);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

function nsdConfig(dir: string, port: number, zoneFile: string): string {
  return `server:
  ip-address: 127.0.0.1@${port}
  port: ${port}
  do-ip6: no
  server-count: 1
  reuseport: no
  username: ""
  chroot: ""
  zonesdir: "${dir}"
  database: ""
  zonelistfile: "${join(dir, 'zone.list')}"
  xfrdfile: "${join(dir, 'xfrd.state')}"
  xfrdir: "${dir}"
  pidfile: "${join(dir, 'nsd.pid')}"
  logfile: "${join(dir, 'nsd.log')}"
  verbosity: 0
  hide-version: yes
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: "${APEX}"
  zonefile: "${zoneFile}"
`;
}

interface Running {
  readonly server: ServerKind;
  readonly port: number;
  /** Told SIGUSR1 before and SIGUSR2 after each of its measurements (the live chain's blocks). */
  readonly child?: ChildProcess;
  readonly throughput: LoadResult[];
  readonly latency: LoadResult[];
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Throughput (median of the rounds) and latency (all rounds' queries pooled) of one server. */
function summarise(r: Running): ServerResult {
  const t = r.throughput;
  const sent = t.reduce((a, x) => a + x.sent, 0);
  const completed = t.reduce((a, x) => a + x.completed, 0);
  const latencies = r.latency.flatMap((l) => l.latenciesMs);
  const rcodes: Record<string, number> = {};
  for (const x of t) for (const [k, v] of Object.entries(x.rcodes)) rcodes[k] = (rcodes[k] ?? 0) + v;
  const round3 = (x: number): number => Math.round(x * 1000) / 1000;
  return {
    server: r.server,
    qps: Math.round(median(t.map((x) => x.qps))),
    qpsRounds: t.map((x) => Math.round(x.qps)),
    lostPercent: sent > 0 ? Math.round(((sent - completed) / sent) * 10000) / 100 : Number.NaN,
    avgLatencyMs: round3(median(t.map((x) => x.avgLatencyMs))),
    latencyQps: Math.round(median(r.latency.map((l) => l.qps))),
    p50Ms: round3(percentile(latencies, 50)),
    p99Ms: round3(percentile(latencies, 99)),
    p99MsRounds: r.latency.map((l) => round3(percentile(l.latenciesMs, 99))),
    rcodes,
    responseBytesMean: Math.round(median(t.map((x) => x.responseBytesMean))),
  };
}

/**
 * All servers run at once (an idle one costs nothing); each is warmed up, then the rounds
 * interleave them (order rotated each round) so that a burst of load from elsewhere on the
 * machine does not land on one server only.
 */
async function measureAll(servers: readonly { server: ServerKind; port: number; child?: ChildProcess }[], loader: Loader, opts: Options): Promise<ServerResult[]> {
  const running: Running[] = servers.map((s) => ({ ...s, throughput: [], latency: [] }));
  for (const r of running) {
    progress(`${r.server}: warm-up pass over the query file`);
    await loader.warmup(r.port);
  }
  for (let round = 0; round < opts.rounds; round++) {
    const order = running.map((_, i) => running[(i + round) % running.length]!);
    for (const r of order) {
      r.child?.kill('SIGUSR1');
      const t = await loader.throughput(r.port, opts.seconds);
      r.child?.kill('SIGUSR2');
      r.throughput.push(t);
      progress(`round ${round + 1}/${opts.rounds} ${r.server}: ${Math.round(t.qps)} q/s`);
    }
    for (const r of order) {
      r.child?.kill('SIGUSR1');
      // Each server sat idle while the others were measured; after idling, V8's first collections
      // under load are slower (several ms) than in steady state, and that is not what the p99 at a
      // sustained rate is about. Every server gets the same unmeasured pre-run.
      if (opts.latencyPrerunSeconds > 0) await loader.latency(r.port, opts.latencyQps, opts.latencyPrerunSeconds);
      const l = await loader.latency(r.port, opts.latencyQps, opts.latencySeconds);
      r.child?.kill('SIGUSR2');
      r.latency.push(l);
      progress(`round ${round + 1}/${opts.rounds} ${r.server}: p99 ${Math.round(percentile(l.latenciesMs, 99) * 1000) / 1000} ms at ${Math.round(l.qps)} q/s`);
    }
  }
  return running.map(summarise);
}

async function main(): Promise<void> {
  const opts = commandLine(usage, parseArgs);
  if (opts.serve === 'dcbt') return serveDcbt(opts.names, opts.nowMs, opts.port ?? 0, opts.answerCache !== false, opts.live === true, opts.udpWorkers);
  if (opts.serve === 'bare') return serveBare(opts.responseHex ?? '', opts.port ?? 0);
  if (opts.serve === 'bare-table') return serveBareTable(opts.names, opts.nowMs, opts.file!, opts.port ?? 0);
  if (opts.serve === 'zonefile') return writeZoneFile(opts.file!, opts.names, opts.nowMs);
  if (opts.serve === 'load') {
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(opts.file!, 'utf8').split('\n').filter(Boolean);
    const r = await loadNode(opts.port!, lines, opts.seconds, opts.qps, opts.once === true);
    process.stdout.write(JSON.stringify(r));
    return;
  }

  const notes: string[] = [];
  const haveDnsperf = has('dnsperf') && !opts.without.has('dnsperf');
  const haveNsd = has('nsd') && !opts.without.has('nsd') && haveDnsperf;
  if (!haveDnsperf) notes.push('dnsperf not used (absent or --without): load from the Node.js generator instead (figures not comparable with dnsperf runs); NSD left out');
  else if (!haveNsd) notes.push('NSD not installed (or --without nsd): DCBT and the bare responder only');
  const dir = mkdtempSync(join(tmpdir(), 'dcbt-dns-bench-'));
  const children: ChildProcess[] = [];
  try {
    const queryFile = join(dir, 'queries.txt');
    writeFileSync(queryFile, queryLines(opts.names, opts.queries).join('\n') + '\n');
    const loader = haveDnsperf ? dnsperfLoader(queryFile) : nodeLoader(queryFile);
    const servers: { server: ServerKind; port: number; child?: ChildProcess }[] = [];

    // DCBT as configured by default, on a live chain, and with the answer cache off (the handler chain's speed).
    for (const kind of ['dcbt', 'dcbt-live', 'dcbt-nocache'] as const) {
      progress(`${kind}: starting with ${opts.names} names`);
      const flags = { dcbt: [], 'dcbt-live': ['--live'], 'dcbt-nocache': ['--no-answer-cache'] }[kind];
      const dcbt = await startChild(['--serve', 'dcbt', '--names', String(opts.names), '--now-ms', String(opts.nowMs), '--udp-workers', String(opts.udpWorkers), ...flags]);
      children.push(dcbt.child);
      servers.push({ server: kind, port: dcbt.info.port, ...(kind === 'dcbt-live' ? { child: dcbt.child } : {}) });
    }

    // NSD on the exported zone
    if (haveNsd) {
      progress(`nsd: exporting the signed zone (${opts.names} names)`);
      const started = performance.now();
      const zoneFile = join(dir, 'dcbt.test.zone');
      // In its own process with a heap sized for the zone (1M names need ~10 GB while signing).
      const heapMb = Math.max(4096, Math.ceil(opts.names / 1000) * 12);
      const exported = await run(process.execPath, [`--max-old-space-size=${heapMb}`, import.meta.filename, '--serve', 'zonefile', '--file', zoneFile, '--names', String(opts.names), '--now-ms', String(opts.nowMs)], ZONE_EXPORT_TIMEOUT_MS);
      if (exported.code !== 0) throw new Error(`zone export failed (${exported.code}): ${exported.stderr.slice(-2000)}`);
      progress(`nsd: zone exported in ${Math.round((performance.now() - started) / 1000)} s`);
      const port = await freePort();
      const conf = join(dir, 'nsd.conf');
      writeFileSync(conf, nsdConfig(dir, port, zoneFile));
      const nsd = spawn('nsd', ['-d', '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
      children.push(nsd);
      await waitForAnswer(port, READY_TIMEOUT_MS);
      servers.push({ server: 'nsd', port });
    }

    // The bare responders: DCBT's answers to the query file from a table; one fixed answer to everything.
    progress('bare-table: building the answer table');
    const table = await startChild(['--serve', 'bare-table', '--names', String(opts.names), '--now-ms', String(opts.nowMs), '--file', queryFile]);
    children.push(table.child);
    servers.push({ server: 'bare-table', port: table.info.port });
    const env = createDnsEnv({ view: () => benchView(DELEGATION_EVERY, opts.nowMs), apex: benchApex, keys: benchKeys() });
    const response = await handleQuery(buildQuery(`${label(0)}.${APEX}`, RRType.A, { dnssecOk: true, edns: 4096 }), { transport: 'udp', env });
    const bare = await startChild(['--serve', 'bare', '--response-hex', Buffer.from(response!).toString('hex')]);
    children.push(bare.child);
    servers.push({ server: 'bare', port: bare.info.port });

    const results = await measureAll(servers, loader, opts);

    const by = (k: ServerKind): ServerResult | undefined => results.find((r) => r.server === k);
    const d = by('dcbt')!;
    const n = by('nsd');
    const b = by('bare')!;
    const t = by('bare-table')!;
    const round3 = (x: number): number => Math.round(x * 1000) / 1000;
    const ratios = { ...(n ? { dcbtOverNsd: round3(d.qps / n.qps) } : {}), dcbtOverBareTable: round3(d.qps / t.qps), dcbtOverBare: round3(d.qps / b.qps) };
    const goals = [
      ...(n ? [{ name: 'DCBT ≥ 0.5 × NSD', met: d.qps >= 0.5 * n.qps, value: `${ratios.dcbtOverNsd}×` }] : []),
      { name: 'DCBT ≥ 0.9 × bare Node (same answers)', met: d.qps >= 0.9 * t.qps, value: `${ratios.dcbtOverBareTable}×` },
      { name: `DCBT p99 ≤ 1 ms at ${opts.latencyQps} q/s offered`, met: d.p99Ms <= 1, value: `${d.p99Ms} ms (achieved ${d.latencyQps} q/s)` },
    ];
    const os = await import('node:os');
    const report: BenchReport = {
      date: new Date().toISOString().slice(0, 10),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? '?', node: process.version, loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100) },
      names: opts.names,
      queries: opts.queries,
      seconds: opts.seconds,
      rounds: opts.rounds,
      loadGenerator: loader.kind,
      notes,
      results,
      ratios,
      goals,
    };
    if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else printReport(report, opts);
  } finally {
    for (const c of children) await stopChild(c);
    rmSync(dir, { recursive: true, force: true });
  }
}

function printReport(r: BenchReport, opts: Options): void {
  const out: string[] = [];
  out.push(`DNS bench ${r.date}: ${r.names} names, ${r.queries}-query file (60 % existing, 20 % referral, 20 % NXDOMAIN, DO=1), ${r.machine.cpus} CPUs (${r.machine.model}), Node ${r.machine.node}, load average at the end ${r.machine.loadAverage.join(' ')}`);
  out.push(
    `load: ${r.loadGenerator === 'dnsperf' ? 'dnsperf -T 1 -c 1 -D' : 'Node.js generator (no dnsperf)'}, ${r.rounds} rounds of ${opts.seconds} s per server (median shown); latency at ${opts.latencyQps} q/s offered, ${opts.latencySeconds} s per round after an unmeasured ${opts.latencyPrerunSeconds} s at that rate (pooled)`,
  );
  for (const note of r.notes) out.push(`note: ${note}`);
  out.push('');
  out.push('server        q/s      (rounds)                 lost %  avg ms  | p50 ms  p99 ms  (rounds)               achieved q/s | resp B');
  for (const s of r.results) {
    out.push(
      `${s.server.padEnd(13)} ${String(s.qps).padEnd(8)} ${s.qpsRounds.join(' ').padEnd(24)} ${String(s.lostPercent).padEnd(7)} ${String(s.avgLatencyMs).padEnd(7)} | ${String(s.p50Ms).padEnd(7)} ${String(s.p99Ms).padEnd(7)} ${s.p99MsRounds.join(' ').padEnd(22)} ${String(s.latencyQps).padEnd(12)} | ${s.responseBytesMean}`,
    );
  }
  out.push(`RCODEs: ${r.results.map((s) => `${s.server} ${JSON.stringify(s.rcodes)}`).join('; ')}`);
  out.push('');
  if (r.ratios.dcbtOverNsd !== undefined) out.push(`DCBT / NSD:  ${r.ratios.dcbtOverNsd}`);
  out.push(`DCBT / bare-table (same answers): ${r.ratios.dcbtOverBareTable}`);
  out.push(`DCBT / bare (one fixed 162-byte answer): ${r.ratios.dcbtOverBare}`);
  for (const g of r.goals) out.push(`${g.met ? 'met   ' : 'missed'} ${g.name}: ${g.value}`);
  process.stdout.write(out.join('\n') + '\n');
}

if (import.meta.main) await main();
