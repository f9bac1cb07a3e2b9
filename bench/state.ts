/**
 * State tree bench: urkel (our StateTree) against @ethereumjs/mpt, side by side.
 *
 *   npx node bench/state.ts [--names 100000] [--mpt-names N] [--lookups 10000] [--proofs 2000] [--json]
 *
 * Each tree runs in its own child process (so RSS is its own) on a fresh directory under the
 * system temp dir. Both build the same N name records (~120-byte values under nameKey(label),
 * i.e. pre-hashed 32-byte keys) in commits of 1000, both hash with SHA-256 (node:crypto) and both
 * make each commit durable (urkel fsyncs; the MPT's LevelDB batch is written with sync: true).
 * Then: proof size and verification time over random present names, and single-key lookup
 * latency over random present names. Progress goes to stderr, the table (or JSON) to stdout.
 *
 * --mpt-names runs the MPT at a smaller N (default: N). At 1M the MPT build takes ~6 min against
 * urkel's ~1.5 min on the reference machine (docs/STATE.md), so `--names 1000000 --mpt-names
 * 100000` is the quick variant; the output says when the two ran at different N.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { createMPT, createMerkleProof, verifyMerkleProof } from '@ethereumjs/mpt';
import { StateTree } from '../src/store/tree.ts';
import { verifyStateProof } from '../src/chain/proof.ts';
import { sha256, toHex, bytesEqual } from '../src/chain/hash.ts';
import { nameKey } from '../src/chain/keys.ts';
import { prng } from './prng.ts';
import { commandLine, UsageError } from './cli.ts';

const BATCH = 1000;
const VALUE_BYTES = 120;

interface Options {
  names: number;
  mptNames: number;
  lookups: number;
  proofs: number;
  json: boolean;
  only: 'urkel' | 'mpt' | undefined;
}

export interface TreeResult {
  tree: 'urkel' | 'mpt';
  names: number;
  buildMs: number;
  namesPerSecond: number;
  root: string;
  /** RSS of the process with everything loaded and the tree open, before the first insert. */
  rssBaseMB: number;
  rssMB: number;
  diskMB: number;
  proofBytesMean: number;
  proofBytesMax: number;
  verifyUsMean: number;
  /** The same verification with @noble/hashes (what a browser runs); urkel only. */
  verifyNobleUsMean: number | undefined;
  lookupUsP50: number;
  lookupUsP99: number;
}

const usage = 'usage: npx node bench/state.ts [--names N] [--mpt-names N] [--lookups N] [--proofs N] [--only urkel|mpt] [--json]';

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { names: 100_000, mptNames: Number.NaN, lookups: 10_000, proofs: 2_000, json: false, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isSafeInteger(v) || v <= 0) throw new UsageError(`${arg} needs a positive integer`);
      return v;
    };
    if (arg === '--names') opts.names = num();
    else if (arg === '--mpt-names') opts.mptNames = num();
    else if (arg === '--lookups') opts.lookups = num();
    else if (arg === '--proofs') opts.proofs = num();
    else if (arg === '--json') opts.json = true;
    else if (arg === '--only') {
      const v = argv[++i];
      if (v !== 'urkel' && v !== 'mpt') throw new UsageError('--only urkel|mpt');
      opts.only = v;
    } else throw new UsageError(`unknown argument ${arg}`);
  }
  if (Number.isNaN(opts.mptNames)) opts.mptNames = opts.names;
  return opts;
}

// ---- workload ----


const label = (i: number): string => `name${i}`;
const keyOf = (i: number): Uint8Array => nameKey(label(i));

/** A ~120-byte stand-in for an encoded name record (owner key, heights, expiry, a few records). */
function valueOf(i: number): Uint8Array {
  const out = new Uint8Array(VALUE_BYTES);
  const seed = sha256(keyOf(i));
  for (let off = 0; off < VALUE_BYTES; off += 32) out.set(sha256(seed, Uint8Array.of(off)).subarray(0, Math.min(32, VALUE_BYTES - off)), off);
  return out;
}

function sample(n: number, count: number, seed: number): number[] {
  const rnd = prng(seed);
  return Array.from({ length: count }, () => Math.floor(rnd() * n));
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(path) : statSync(path).size;
  }
  return total;
}

const nowMs = (): number => performance.now();
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

function progress(tree: string, done: number, total: number, started: number): void {
  process.stderr.write(`[${tree}] ${done}/${total} names, ${round((nowMs() - started) / 1000)} s\n`);
}

// ---- the two contenders, behind one small interface ----

interface Contender {
  commit(batch: ReadonlyMap<string, Uint8Array>): Promise<Uint8Array>;
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  prove(key: Uint8Array): Promise<{ bytes: number; verify: () => Promise<Uint8Array | undefined> | Uint8Array | undefined; verifyNoble?: () => unknown }>;
  close(): Promise<void>;
}

async function urkelContender(dir: string): Promise<Contender> {
  const tree = await StateTree.open(dir);
  const native = (d: Uint8Array): Uint8Array => sha256(d);
  return {
    commit: (batch) => tree.commit(batch),
    get: (key) => tree.get(key),
    async prove(key) {
      const root = tree.rootHash();
      const proof = await tree.prove(key);
      return {
        bytes: proof.length,
        verify: () => {
          const r = verifyStateProof(root, key, proof, native);
          return r.exists ? r.value : undefined;
        },
        verifyNoble: () => verifyStateProof(root, key, proof),
      };
    },
    close: () => tree.close(),
  };
}

type LevelOp = { type: 'put'; key: string; value?: Uint8Array } | { type: 'del'; key: string };

/** @ethereumjs/util's DB interface over LevelDB: hex-string keys stored as bytes, byte values. */
class LevelAdapter {
  readonly #db: ClassicLevel<Uint8Array, Uint8Array>;
  constructor(db: ClassicLevel<Uint8Array, Uint8Array>) {
    this.#db = db;
  }
  /** Synchronous, like StateTree's default node reads, so both avoid a thread-pool hop per node. */
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.#db.getSync(Buffer.from(key, 'hex'));
  }
  async put(key: string, value: Uint8Array): Promise<void> {
    await this.#db.put(Buffer.from(key, 'hex'), value);
  }
  async del(key: string): Promise<void> {
    await this.#db.del(Buffer.from(key, 'hex'));
  }
  async batch(ops: LevelOp[]): Promise<void> {
    await this.#db.batch(
      ops.map((op) => (op.type === 'put' ? { type: 'put' as const, key: Buffer.from(op.key, 'hex'), value: op.value! } : { type: 'del' as const, key: Buffer.from(op.key, 'hex') })),
      { sync: true },
    );
  }
  shallowCopy(): this {
    return this;
  }
  async open(): Promise<void> {
    await this.#db.open();
  }
}

async function mptContender(dir: string): Promise<Contender> {
  const level = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  await level.open();
  const common = { customCrypto: { keccak256: (d: Uint8Array) => sha256(d) } };
  const trie = await createMPT({ db: new LevelAdapter(level) as never, valueEncoding: 'view', common });
  return {
    async commit(batch) {
      trie.checkpoint();
      for (const [hex, value] of batch) await trie.put(Buffer.from(hex, 'hex'), value);
      await trie.commit();
      return trie.root();
    },
    async get(key) {
      return (await trie.get(key)) ?? undefined;
    },
    async prove(key) {
      const root = trie.root();
      const proof = await createMerkleProof(trie, key);
      return {
        bytes: rlpListSize(proof),
        verify: async () => (await verifyMerkleProof(key, proof, { root, common })) ?? undefined,
      };
    },
    async close() {
      await level.close();
    },
  };
}

/** Bytes of the proof as one RLP list of its nodes (how it travels as a single blob). */
function rlpListSize(items: readonly Uint8Array[]): number {
  const header = (len: number): number => (len < 56 ? 1 : 1 + Math.ceil(Math.log2(len + 1) / 8));
  let payload = 0;
  for (const item of items) payload += (item.length === 1 && item[0]! < 0x80 ? 0 : header(item.length)) + item.length;
  return header(payload) + payload;
}

// ---- one tree, in this process ----

async function runOne(which: 'urkel' | 'mpt', n: number, opts: Options): Promise<TreeResult> {
  const dir = mkdtempSync(join(tmpdir(), `dcbt-bench-${which}-`));
  try {
    const tree = which === 'urkel' ? await urkelContender(dir) : await mptContender(dir);
    globalThis.gc?.();
    const rssBaseMB = process.memoryUsage().rss / 2 ** 20;
    let buildMs = 0;
    let root: Uint8Array = new Uint8Array(32);
    const started = nowMs();
    const every = Math.max(1, Math.round(n / BATCH / 10));
    for (let b = 0, start = 0; start < n; b++, start += BATCH) {
      const batch = new Map<string, Uint8Array>();
      for (let i = start; i < Math.min(n, start + BATCH); i++) batch.set(toHex(keyOf(i)), valueOf(i));
      const t0 = nowMs();
      root = await tree.commit(batch);
      buildMs += nowMs() - t0;
      if ((b + 1) % every === 0) progress(which, Math.min(n, start + BATCH), n, started);
    }
    globalThis.gc?.();
    const rssMB = process.memoryUsage().rss / 2 ** 20;

    process.stderr.write(`[${which}] proofs\n`);
    const sizes: number[] = [];
    let verifyMs = 0;
    let verifyNobleMs = 0;
    for (const i of sample(n, opts.proofs, 1)) {
      const proof = await tree.prove(keyOf(i));
      sizes.push(proof.bytes);
      const t0 = nowMs();
      const value = await proof.verify();
      verifyMs += nowMs() - t0;
      if (proof.verifyNoble) {
        const t1 = nowMs();
        proof.verifyNoble();
        verifyNobleMs += nowMs() - t1;
      }
      if (value === undefined || !bytesEqual(value, valueOf(i))) throw new Error(`${which}: proof for ${label(i)} did not verify to its value`);
    }

    process.stderr.write(`[${which}] lookups\n`);
    const lookups: number[] = [];
    for (const i of sample(n, opts.lookups, 2)) {
      const t0 = nowMs();
      const value = await tree.get(keyOf(i));
      lookups.push((nowMs() - t0) * 1000);
      if (value === undefined || !bytesEqual(value, valueOf(i))) throw new Error(`${which}: lookup of ${label(i)} returned the wrong value`);
    }
    lookups.sort((a, b) => a - b);
    await tree.close();

    return {
      tree: which,
      names: n,
      buildMs: Math.round(buildMs),
      namesPerSecond: Math.round(n / (buildMs / 1000)),
      root: toHex(root),
      rssBaseMB: round(rssBaseMB),
      rssMB: round(rssMB),
      diskMB: round(dirBytes(dir) / 2 ** 20),
      proofBytesMean: round(sizes.reduce((a, b) => a + b, 0) / sizes.length),
      proofBytesMax: Math.max(...sizes),
      verifyUsMean: round((verifyMs * 1000) / sizes.length),
      verifyNobleUsMean: which === 'urkel' ? round((verifyNobleMs * 1000) / sizes.length) : undefined,
      lookupUsP50: round(percentile(lookups, 50)),
      lookupUsP99: round(percentile(lookups, 99)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- driver: one child per tree, then the table ----

function runChild(which: 'urkel' | 'mpt', n: number, opts: Options): Promise<TreeResult> {
  const args = ['--expose-gc', import.meta.filename, '--only', which, '--names', String(n), '--lookups', String(opts.lookups), '--proofs', String(opts.proofs)];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0) return reject(new Error(`${which} bench exited with ${code ?? signal}`));
      try {
        resolve(JSON.parse(out) as TreeResult);
      } catch (error) {
        reject(error as Error);
      }
    });
  });
}

function table(u: TreeResult, m: TreeResult): string {
  const rows: [string, (r: TreeResult) => number | undefined][] = [
    ['names', (r) => r.names],
    ['build time (s)', (r) => round(r.buildMs / 1000, 2)],
    ['build rate (names/s)', (r) => r.namesPerSecond],
    ['proof size mean (B)', (r) => r.proofBytesMean],
    ['proof size max (B)', (r) => r.proofBytesMax],
    ['proof verify mean (µs)', (r) => r.verifyUsMean],
    ['  same, @noble/hashes (µs)', (r) => r.verifyNobleUsMean],
    ['lookup p50 (µs)', (r) => r.lookupUsP50],
    ['lookup p99 (µs)', (r) => r.lookupUsP99],
    ['RSS before build (MB)', (r) => r.rssBaseMB],
    ['RSS after build (MB)', (r) => r.rssMB],
    ['disk after build (MB)', (r) => r.diskMB],
  ];
  const lines = [['', 'urkel', 'mpt', 'urkel/mpt']];
  const cell = (x: number | undefined): string => (x === undefined ? '–' : String(x));
  for (const [name, get] of rows) {
    const a = get(u);
    const b = get(m);
    lines.push([name, cell(a), cell(b), name === 'names' || a === undefined || b === undefined ? '' : (a / b).toFixed(2)]);
  }
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  return lines.map((l) => l.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const opts = commandLine(usage, parseArgs);
  if (opts.only) {
    const n = opts.names;
    process.stdout.write(JSON.stringify(await runOne(opts.only, n, opts)));
    return;
  }
  const mptNames = Math.min(opts.names, opts.mptNames);
  const urkel = await runChild('urkel', opts.names, opts);
  const mpt = await runChild('mpt', mptNames, opts);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ urkel, mpt }, null, 2)}\n`);
    return;
  }
  const command = `npx node bench/state.ts ${process.argv.slice(2).join(' ')}`.trim();
  process.stdout.write(`State tree bench (${command}), ${new Date().toISOString().slice(0, 10)}, node ${process.version}\n\n`);
  process.stdout.write(`${table(urkel, mpt)}\n`);
  if (mptNames !== opts.names) process.stdout.write(`\nNote: mpt ran at ${mptNames} names, urkel at ${opts.names} (--mpt-names); compare size-dependent rows with care.\n`);
  process.stdout.write('Both: SHA-256 (node:crypto), pre-hashed 32-byte keys, commits of 1000, durable per commit; proofs and lookups over random present names.\n');
}

await main();
