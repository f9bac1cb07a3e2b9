/**
 * The node's authenticated state tree on disk: an urkel radix tree (base-2, 256-bit keys,
 * SHA-256) holding key → value for every state entry (keys.ts). Its root goes into each block
 * header; `prove` gives the bytes `verifyStateProof` (chain/proof.ts) checks against that root.
 *
 * - Empty tree root: 32 zero bytes (`emptyStateRoot()`).
 * - Values: 0..1023 bytes (empty is a value, not a deletion). urkel stores a value's length in 10 bits, so larger values are refused
 *   with STATE_VALUE_TOO_LARGE before anything is written.
 * - Durability: urkel appends nodes, values and then a checksummed root record to its files and
 *   fsyncs once per commit. On open it scans back for the last intact root record and truncates
 *   the torn tail, so after a crash the tree is at the last root whose commit returned (or the one
 *   in flight, if its record reached the disk). Old roots stay readable (append-only), which is
 *   what `resetTo` and `prove(key, oldRoot)` rely on.
 * - Concurrency: one process per directory (a pid lock file, stale after a crash); within the
 *   process, commit / computeRoot / resetTo run one at a time, reads run freely against the root
 *   committed when they start.
 */
import { mkdirSync, openSync, writeSync, closeSync, readFileSync, unlinkSync } from 'node:fs';
import { createHash, hash as oneShot } from 'node:crypto';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { DcbtError } from '../errors.ts';
import { STATE_KEY_BITS } from '../chain/proof.ts';

/** Largest value the tree stores, in bytes (urkel's 10-bit value-size field). */
export const STATE_VALUE_MAX_BYTES = 1023;

/** Roots kept in urkel's in-memory root index before it is dropped (it grows by one per commit). */
const ROOT_CACHE_MAX = 4096;

// ---- urkel (CommonJS, untyped): the parts used here ----

interface UrkelNode {
  ptr: UrkelPointer | null;
  isInternal(): boolean;
  hash(hash: UrkelHash): Buffer;
}
interface UrkelLeaf {
  value: Buffer | null;
  vptr: UrkelPointer | null;
}
interface UrkelProof {
  encode(hash: UrkelHash, bits: number): Buffer;
}
interface UrkelTxn {
  insert(key: Buffer, value: Buffer): Promise<void>;
  remove(key: Buffer): Promise<void>;
  rootHash(): Buffer;
  commit(): Promise<Buffer>;
}
interface UrkelSnapshot {
  get(key: Buffer): Promise<Buffer | null>;
  prove(key: Buffer): Promise<UrkelProof>;
}
interface UrkelPointer {
  readonly index: number;
  readonly pos: number;
  readonly size: number;
}
interface UrkelFile {
  rawRead(pos: number, size: number, out: Buffer): Promise<Buffer>;
  rawReadSync(pos: number, size: number, out: Buffer): Buffer;
}
interface UrkelStore {
  lockFile: LockFileLike;
  readNode(ptr: UrkelPointer): Promise<UrkelNode>;
  decodeNode(data: Buffer, ptr: UrkelPointer): UrkelNode;
  writeNode(node: UrkelNode): number;
  retrieve(leaf: UrkelLeaf): Promise<Buffer>;
  openFile(index: number, flags: string): Promise<UrkelFile>;
  openFileSync(index: number, flags: string): UrkelFile;
  rootCache: Map<string, unknown>;
  resetCache(): void;
}
interface UrkelTree {
  root: UrkelNode;
  store: UrkelStore;
  open(): Promise<void>;
  close(): Promise<void>;
  rootHash(): Buffer;
  get(key: Buffer): Promise<Buffer | null>;
  getHistory(root: Buffer): Promise<UrkelNode>;
  prove(key: Buffer): Promise<UrkelProof>;
  snapshot(root: Buffer): UrkelSnapshot;
  transaction(): UrkelTxn;
}
interface UrkelModule {
  Tree: new (options: { hash: UrkelHash; bits: number; prefix: string }) => UrkelTree;
}
interface LockFileLike {
  open(): Promise<void>;
  close(): Promise<void>;
  rename(prefix: string): void;
}

const urkel = createRequire(import.meta.url)('urkel') as UrkelModule;

// ---- SHA-256 in the shape urkel expects (bcrypto's hash interface), on node:crypto ----

type UrkelHash = typeof sha256ForUrkel;

class Sha256Context {
  #h: ReturnType<typeof createHash> | undefined;
  init(): this {
    this.#h = createHash('sha256');
    return this;
  }
  update(data: Uint8Array): this {
    this.#h!.update(data);
    return this;
  }
  final(): Buffer {
    const out = this.#h!.digest();
    this.#h = undefined;
    return out;
  }
}

const ZERO_HASH = Buffer.alloc(32);

const sha256ForUrkel = {
  name: 'SHA256',
  size: 32,
  bits: 256,
  blockSize: 64,
  zero: ZERO_HASH,
  ctx: new Sha256Context(),
  digest(data: Uint8Array): Buffer {
    return oneShot('sha256', data, 'buffer');
  },
  multi(x: Uint8Array, y: Uint8Array, z?: Uint8Array): Buffer {
    return oneShot('sha256', z === undefined ? Buffer.concat([x, y]) : Buffer.concat([x, y, z]), 'buffer');
  },
};

// ---- Lock: one process per tree directory; a lock left by a killed process is taken over ----

const heldLocks = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

class PidLock implements LockFileLike {
  #file: string;
  constructor(prefix: string) {
    this.#file = resolve(prefix, 'lock');
  }
  rename(prefix: string): void {
    this.#file = resolve(prefix, 'lock');
  }
  async open(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (heldLocks.has(this.#file)) throw lockedError(this.#file, process.pid);
      try {
        const fd = openSync(this.#file, 'wx', 0o640);
        try {
          writeSync(fd, `${process.pid}\n`);
        } finally {
          closeSync(fd);
        }
        heldLocks.add(this.#file);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let pid: number;
      try {
        pid = Number.parseInt(readFileSync(this.#file, 'utf8'), 10);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      // Our own pid in a lock we do not hold is a leftover from an earlier process that had it.
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) throw lockedError(this.#file, pid);
      try {
        unlinkSync(this.#file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    throw lockedError(this.#file, undefined);
  }
  async close(): Promise<void> {
    heldLocks.delete(this.#file);
    try {
      unlinkSync(this.#file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

function lockedError(file: string, pid: number | undefined): DcbtError {
  return new DcbtError('STATE_LOCKED', `state tree ${file} is in use${pid === undefined ? '' : ` by process ${pid}`}; stop that node or use another data directory`, { file, pid });
}

// ---- Node reads: a cache of decoded nodes in front of the files ----

/** Decoded internal nodes the state tree keeps per cache generation (NodeCache): at most twice this many are held, a few MB of heap. */
export const TREE_NODE_CACHE_ENTRIES_MAX = 4096;

/** Where a node lies: urkel's file number and the offset in that file. */
export type NodePosition = Pick<UrkelPointer, 'index' | 'pos'>;

/** Nodes by file index, then by position in the file (both small integers, cheap Map keys). */
class NodeGeneration {
  readonly #files = new Map<number, Map<number, UrkelNode>>();
  size = 0;
  get(ptr: NodePosition): UrkelNode | undefined {
    return this.#files.get(ptr.index)?.get(ptr.pos);
  }
  set(ptr: NodePosition, node: UrkelNode): void {
    let file = this.#files.get(ptr.index);
    if (file === undefined) this.#files.set(ptr.index, (file = new Map()));
    const before = file.size;
    file.set(ptr.pos, node);
    this.size += file.size - before;
  }
}

/**
 * Decoded tree nodes by file position. A position names the same contents for as long as the
 * files are open (urkel only appends, and cuts a torn tail only when it opens them), so a cached
 * node never goes stale. Two generations instead of an LRU list, so a hit costs two Map lookups
 * and no bookkeeping: a lookup checks the young one, then the old one (moving a hit to the young
 * one); when the young one is full it becomes the old one and the old one is dropped, so at most
 * 2 × entriesMax nodes are held. entriesMax 0 keeps nothing.
 */
export class NodeCache {
  #young = new NodeGeneration();
  #old = new NodeGeneration();
  readonly #entriesMax: number;
  constructor(entriesMax: number) {
    if (!Number.isSafeInteger(entriesMax) || entriesMax < 0) {
      throw new DcbtError('STATE_OPTION_INVALID', `nodeCacheEntriesMax must be a whole number ≥ 0 (0 turns the cache off), not ${entriesMax}`, { nodeCacheEntriesMax: entriesMax });
    }
    this.#entriesMax = entriesMax;
  }
  get size(): number {
    return this.#young.size + this.#old.size;
  }
  get(ptr: NodePosition): UrkelNode | undefined {
    const young = this.#young.get(ptr);
    if (young !== undefined) return young;
    const old = this.#old.get(ptr);
    if (old !== undefined) this.set(ptr, old);
    return old;
  }
  set(ptr: NodePosition, node: UrkelNode): void {
    if (this.#entriesMax === 0) return;
    if (this.#young.size >= this.#entriesMax) {
      this.#old = this.#young;
      this.#young = new NodeGeneration();
    }
    this.#young.set(ptr, node);
  }
}

/**
 * Every tree operation walks from the root, and after each commit urkel holds the root only as a
 * hash and a file position, so without a cache each lookup reads every level of its path from
 * the file again — the upper levels shared by all lookups included. Internal nodes are cached as
 * they are read and as a commit writes them (a written node, its children already reduced to
 * hashes by then, is what a read of its position would decode), so the paths a block just changed
 * are not read back for the next one. Once a node has a file position urkel writes to it only
 * idempotently (`resolve` and `hash()` set its hash, the same for the same position; `_write`
 * puts back the same child hashes). The exception is `compact()`, which clears positions and
 * rewrites children: StateTree does not call it, and must drop the cache if it ever does.
 * Leaves are not cached: each is read once per lookup, and a written leaf holds its value.
 * docs/STATE.md has the measurements.
 *
 * `syncReads`: urkel reads every node with an async fs.read, a libuv thread-pool round trip per
 * tree level. Reading with pread on the main thread instead is 4-7x faster for lookups and
 * commits when the files are in the page cache (bench/state.ts), at the price of blocking the
 * event loop for the read if they are not (see docs/STATE.md).
 */
function installNodeCache(store: UrkelStore, cache: NodeCache, syncReads: boolean): void {
  const readNode = store.readNode.bind(store);
  const writeNode = store.writeNode.bind(store);
  store.readNode = async (ptr) => {
    const cached = cache.get(ptr);
    if (cached !== undefined) return cached;
    let node: UrkelNode;
    if (syncReads) {
      const data = Buffer.allocUnsafe(ptr.size);
      store.openFileSync(ptr.index, 'r').rawReadSync(ptr.pos, ptr.size, data);
      node = store.decodeNode(data, ptr);
    } else {
      node = await readNode(ptr);
    }
    if (node.isInternal()) cache.set(ptr, node);
    return node;
  };
  store.writeNode = (node) => {
    const pos = writeNode(node);
    if (node.isInternal()) cache.set(node.ptr!, node);
    return pos;
  };
  if (syncReads) {
    store.retrieve = async (leaf) => {
      if (leaf.value) return leaf.value;
      const ptr = leaf.vptr!;
      const data = Buffer.allocUnsafe(ptr.size);
      store.openFileSync(ptr.index, 'r').rawReadSync(ptr.pos, ptr.size, data);
      return data;
    };
  }
}

// ---- StateTree ----

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function fresh(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function checkKey(key: Uint8Array): Buffer {
  if (!(key instanceof Uint8Array) || key.length !== STATE_KEY_BITS / 8) {
    throw new DcbtError('STATE_KEY_INVALID', 'state keys are 32 bytes (see chain/keys.ts)', { bytes: key instanceof Uint8Array ? key.length : undefined });
  }
  return toBuffer(key);
}

function checkRoot(root: Uint8Array): Buffer {
  if (!(root instanceof Uint8Array) || root.length !== 32) {
    throw new DcbtError('STATE_ROOT_INVALID', 'state roots are 32 bytes', { bytes: root instanceof Uint8Array ? root.length : undefined });
  }
  return toBuffer(root);
}

const HEX_KEY = /^[0-9a-f]{64}$/;

interface Write {
  readonly hex: string;
  readonly key: Buffer;
  readonly value: Buffer | undefined;
}

/** Validate a whole write set before touching the tree, copying the values. */
function checkWrites(writes: ReadonlyMap<string, Uint8Array | undefined>): Write[] {
  const out: Write[] = [];
  for (const [hex, value] of writes) {
    if (typeof hex !== 'string' || !HEX_KEY.test(hex)) {
      throw new DcbtError('STATE_KEY_INVALID', 'write-set keys are 64 lower-case hex characters (toHex of a 32-byte state key)', { key: String(hex).slice(0, 80) });
    }
    if (value !== undefined && !(value instanceof Uint8Array)) {
      throw new DcbtError('STATE_VALUE_INVALID', 'write-set values are Uint8Array, or undefined to delete', { key: hex });
    }
    if (value !== undefined && value.length > STATE_VALUE_MAX_BYTES) {
      throw new DcbtError('STATE_VALUE_TOO_LARGE', `state values are at most ${STATE_VALUE_MAX_BYTES} bytes; store a larger record outside the tree and put its hash here`, { key: hex, bytes: value.length, maxBytes: STATE_VALUE_MAX_BYTES });
    }
    out.push({ hex, key: Buffer.from(hex, 'hex'), value: value === undefined ? undefined : Buffer.from(value) });
  }
  return out;
}

function isMissingNode(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_MISSING_NODE';
}

export interface StateTreeOptions {
  readonly syncReads?: boolean;
  /** Decoded internal nodes cached per generation (default TREE_NODE_CACHE_ENTRIES_MAX); 0 turns the cache off. */
  readonly nodeCacheEntriesMax?: number;
}

export class StateTree {
  readonly #tree: UrkelTree;
  readonly #dir: string;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #reads = new Set<Promise<unknown>>();
  #closed = false;
  #failed: unknown = undefined;
  /** The last computeRoot's transaction: a commit of the same write set on the same root reuses it. */
  #computed: { readonly base: Buffer; readonly writes: Map<string, Buffer | undefined>; readonly txn: UrkelTxn } | undefined;

  private constructor(tree: UrkelTree, dir: string) {
    this.#tree = tree;
    this.#dir = dir;
  }

  /**
   * Open (creating if needed) the tree stored in `dir`, at its last committed root.
   * `syncReads` (default true): read tree nodes with pread on the main thread rather than through
   * libuv's thread pool — much faster while the files are in the page cache, but a read from a
   * cold disk then blocks the event loop.
   * `nodeCacheEntriesMax` (default TREE_NODE_CACHE_ENTRIES_MAX): decoded internal nodes kept per
   * cache generation (NodeCache); 0 turns the cache off. Anything but a whole number ≥ 0 is
   * refused with STATE_OPTION_INVALID before any file is touched.
   */
  static async open(dir: string, options: StateTreeOptions = {}): Promise<StateTree> {
    const cache = new NodeCache(options.nodeCacheEntriesMax ?? TREE_NODE_CACHE_ENTRIES_MAX);
    const prefix = resolve(dir);
    mkdirSync(prefix, { recursive: true, mode: 0o750 });
    const tree = new urkel.Tree({ hash: sha256ForUrkel, bits: STATE_KEY_BITS, prefix });
    const lock = new PidLock(prefix);
    tree.store.lockFile = lock;
    installNodeCache(tree.store, cache, options.syncReads ?? true);
    try {
      await tree.open();
    } catch (error) {
      if (error instanceof DcbtError) throw error;
      await lock.close().catch(() => undefined);
      throw new DcbtError('STATE_OPEN_FAILED', `cannot open the state tree in ${prefix}: ${(error as Error).message}`, { dir: prefix }, { cause: error });
    }
    return new StateTree(tree, prefix);
  }

  get dir(): string {
    return this.#dir;
  }

  /** The committed root (32 bytes; the empty tree's root is 32 zero bytes). */
  rootHash(): Uint8Array {
    this.#usable();
    return fresh(this.#tree.rootHash());
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const k = checkKey(key);
    return this.#read(async () => {
      const value = await this.#tree.get(k);
      return value === null ? undefined : fresh(value);
    });
  }

  /** Values of several keys, read against one root; the map is keyed by lower-case hex. */
  async getMany(keys: readonly Uint8Array[]): Promise<Map<string, Uint8Array | undefined>> {
    const ks = keys.map(checkKey);
    return this.#read(async () => {
      const root = this.#tree.rootHash();
      const snapshot = this.#tree.snapshot(root);
      const values = await Promise.all(ks.map((k) => snapshot.get(k)));
      const out = new Map<string, Uint8Array | undefined>();
      ks.forEach((k, i) => {
        const value = values[i];
        out.set(k.toString('hex'), value === null || value === undefined ? undefined : fresh(value));
      });
      return out;
    });
  }

  /** Apply a write set (value undefined = delete) and return the new root WITHOUT committing. */
  async computeRoot(writes: ReadonlyMap<string, Uint8Array | undefined>): Promise<Uint8Array> {
    const ws = checkWrites(writes);
    return this.#exclusive(async () => {
      const txn = await this.#apply(ws);
      const root = fresh(txn.rootHash());
      this.#computed = { base: this.#tree.rootHash(), writes: new Map(ws.map((w) => [w.hex, w.value])), txn };
      return root;
    }, false);
  }

  /**
   * Apply and commit a write set (value undefined = delete); returns the new root once durable.
   * Committing the write set just passed to computeRoot (same contents, same base root) reuses
   * that work: the proposer's computeRoot-then-commit costs one tree update, not two.
   */
  async commit(writes: ReadonlyMap<string, Uint8Array | undefined>): Promise<Uint8Array> {
    const ws = checkWrites(writes);
    return this.#exclusive(async () => {
      const txn = this.#takeComputed(ws) ?? (await this.#apply(ws));
      const root = await txn.commit();
      this.#trimRootCache();
      return fresh(root);
    }, true);
  }

  /**
   * Make an older committed root current again, durably (a new root record pointing at it is
   * written, so a restart comes back here). Throws STATE_ROOT_UNKNOWN if the tree never had it.
   */
  async resetTo(root: Uint8Array): Promise<void> {
    const r = checkRoot(root);
    await this.#exclusive(async () => {
      this.#computed = undefined;
      if (r.equals(this.#tree.rootHash())) return;
      this.#tree.root = await this.#history(r);
      const committed = await this.#tree.transaction().commit();
      if (!committed.equals(r)) throw new Error(`reset committed ${committed.toString('hex')}, expected ${r.toString('hex')}`);
      this.#trimRootCache();
    }, true);
  }

  /** Proof bytes (urkel's serialisation) of `key`'s value or absence under `root` (default: current). */
  async prove(key: Uint8Array, root?: Uint8Array): Promise<Uint8Array> {
    const k = checkKey(key);
    const r = root === undefined ? undefined : checkRoot(root);
    return this.#read(async () => {
      let proof: UrkelProof;
      if (r === undefined || r.equals(this.#tree.rootHash())) {
        proof = await this.#tree.prove(k);
      } else {
        await this.#history(r);
        proof = await this.#tree.snapshot(r).prove(k);
      }
      return fresh(proof.encode(sha256ForUrkel, STATE_KEY_BITS));
    });
  }

  /** Wait for running operations, then release the files and the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.catch(() => undefined);
    await Promise.allSettled([...this.#reads]);
    await this.#tree.close();
  }

  // ---- internals ----

  #usable(): void {
    if (this.#closed) throw new DcbtError('STATE_TREE_CLOSED', 'the state tree is closed', { dir: this.#dir });
    if (this.#failed !== undefined) {
      throw new DcbtError('STATE_TREE_FAILED', `a write to the state tree failed (${(this.#failed as Error)?.message}); close and reopen it to recover the last committed root`, { dir: this.#dir }, { cause: this.#failed });
    }
  }

  #takeComputed(writes: readonly Write[]): UrkelTxn | undefined {
    const c = this.#computed;
    this.#computed = undefined;
    if (c === undefined || c.writes.size !== writes.length || !c.base.equals(this.#tree.rootHash())) return undefined;
    for (const { hex, value } of writes) {
      if (!c.writes.has(hex)) return undefined;
      const before = c.writes.get(hex);
      if (before === undefined ? value !== undefined : value === undefined || !before.equals(value)) return undefined;
    }
    return c.txn;
  }

  async #apply(writes: readonly Write[]): Promise<UrkelTxn> {
    const txn = this.#tree.transaction();
    for (const { key, value } of writes) {
      if (value === undefined) await txn.remove(key);
      else await txn.insert(key, value);
    }
    return txn;
  }

  async #history(root: Buffer): Promise<UrkelNode> {
    try {
      return await this.#tree.getHistory(root);
    } catch (error) {
      if (isMissingNode(error)) {
        throw new DcbtError('STATE_ROOT_UNKNOWN', `state root ${root.toString('hex')} was never committed to this tree`, { root: root.toString('hex') });
      }
      throw error;
    }
  }

  /** urkel indexes every committed root in memory; drop the index now and then (it is rebuilt on demand from disk). */
  #trimRootCache(): void {
    if (this.#tree.store.rootCache.size > ROOT_CACHE_MAX) this.#tree.store.resetCache();
  }

  #read<T>(fn: () => Promise<T>): Promise<T> {
    this.#usable();
    const p = fn();
    this.#reads.add(p);
    const done = (): void => {
      this.#reads.delete(p);
    };
    p.then(done, done);
    return p;
  }

  #exclusive<T>(fn: () => Promise<T>, writes: boolean): Promise<T> {
    this.#usable();
    const run = async (): Promise<T> => {
      this.#usable();
      try {
        return await fn();
      } catch (error) {
        // A failed disk write leaves urkel's in-memory file offsets unreliable: refuse further use.
        if (writes && !(error instanceof DcbtError)) this.#failed = error ?? new Error('unknown failure');
        throw error;
      }
    };
    const p = this.#queue.then(run, run);
    this.#queue = p.catch(() => undefined);
    return p;
  }
}
