/**
 * A naming-chain node with one validator: the I/O shell around the pure ledger. It owns the block
 * store, the state store and the mempool, produces a block every `blockIntervalMs` when there are
 * transactions, signs its commit certificate, and answers queries over finalised state.
 *
 * Write order for a block (crash safety): state values → tree commit → one LevelDB batch with the
 * block, its certificate, indices and the new tip. On open, a tree that is ahead of the block
 * store's tip is reset to the tip's state root; the tree is append-only, so that root is there.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BLOCK_SIZE_BYTES_MAX, blockHash, decodeAccount, decodeEvidenceRecord, decodeNameRecord, decodeTx, encodeHeader, encodeTx, txId, txRoot, validatorsHash, voteSigningBytes, VoteStep } from '../chain/codec.ts';
import { sign, type KeyPair } from '../chain/crypto.ts';
import { genesisHash } from '../chain/genesis.ts';
import { bytesEqual, fromHex, toHex } from '../chain/hash.ts';
import { accountKey, evidenceKey, nameKey } from '../chain/keys.ts';
import { applyBlock, applyTx, keysTouched } from '../chain/ledger/apply.ts';
import { LedgerError } from '../chain/ledger/errors.ts';
import { nameStatus } from '../chain/ledger/name-status.ts';
import { badSignature, checkEnvelope } from '../chain/ledger/rules/envelope.ts';
import { txSignatureValidAsync } from '../chain/tx.ts';
import { Overlay, type ChainTip, type LedgerState, type WriteSet } from '../chain/ledger/state.ts';
import { verifyCommit } from '../chain/light.ts';
import { emptyStateRoot } from '../chain/proof.ts';
import { payloadName, type Block, type BlockHeader, type Bytes, type CommitCertificate, type EvidenceRecord, type Genesis, type NameRecord, type NameStatus, type Tx } from '../chain/types.ts';
import { DcbtError } from '../errors.ts';
import { BlockStore, type HistoryEntry } from './block-store.ts';
import { Mempool, MempoolError, type MempoolLimits, DEFAULT_MEMPOOL_LIMITS } from './mempool.ts';
import { StateStore } from './state-store.ts';

export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

export interface NodeOptions {
  readonly dataDir: string;
  readonly genesis: Genesis;
  /** The validator's key; without it the node only serves (full nodes, in the networked chain). */
  readonly validatorKey?: KeyPair;
  readonly clock?: Clock;
  readonly mempoolLimits?: MempoolLimits;
  /**
   * How long building a proposal may spend applying transactions; the rest wait for the next
   * block. Every validator spends about as long checking the block and again committing it, so
   * this keeps a height within the block interval when the mempool is full. Default: a quarter
   * of the genesis block interval.
   */
  readonly proposalBuildTimeMsMax?: number;
  /** The largest block this node builds, encoded; default (and at most) the codec's BLOCK_SIZE_BYTES_MAX. */
  readonly blockSizeBytesMax?: number;
}

export type TxStatus =
  | { readonly status: 'pending' }
  | { readonly status: 'included'; readonly height: number; readonly index: number }
  | { readonly status: 'rejected'; readonly code: string; readonly message: string }
  | { readonly status: 'unknown' };

export interface NameView {
  readonly record: NameRecord;
  readonly status: NameStatus;
}

export interface NameProofBundle {
  readonly name: string;
  readonly header: BlockHeader;
  readonly commit: CommitCertificate;
  readonly proof: Bytes;
  /** The encoded name record the proof commits to, absent for a proof of absence. */
  readonly value: Bytes | undefined;
}

export type BlockListener = (block: Block, commit: CommitCertificate) => void;
/** Told of each transaction this node admitted, with where it came from (peers' ones are already gossiped). */
export type TxListener = (tx: Tx, source: 'local' | 'peer') => void;

/** Rejected transaction ids remembered for status queries. */
const REJECTED_ENTRIES_MAX = 10_000;
/** Finalised name records kept for DNS lookups; entries of names a block touches are dropped. */
export const NAME_CACHE_ENTRIES_MAX = 100_000;
/** How far a proposed block's time may be ahead of this node's clock (clock drift between validators). */
export const BLOCK_TIME_AHEAD_MS_MAX = 5_000;
/** Recent blocks whose changed names are remembered, for caches to drop only what changed. */
export const CHANGED_NAMES_BLOCKS_MAX = 256;
/** Ids of transactions whose envelope was verified at admission and that are not yet in a block. */
const VERIFIED_IDS_MAX = 100_000;
/** Transactions waiting for an admission round; more are refused with MEMPOOL_FULL. */
export const ADMISSION_QUEUE_TXS_MAX = 10_000;
/** Transactions admitted in one round (one lock, one state read). */
const ADMISSION_ROUND_TXS_MAX = 1_024;

interface QueuedTx {
  readonly tx: Tx;
  readonly resolve: (admitted: { txId: string }) => void;
  readonly reject: (error: unknown) => void;
}

export class ChainNode {
  readonly genesis: Genesis;
  readonly dataDir: string;
  private readonly blocks: BlockStore;
  private readonly state: StateStore;
  private readonly mempool: Mempool;
  private readonly clock: Clock;
  private readonly validatorKey: KeyPair | undefined;
  private readonly proposalBuildTimeMsMax: number;
  private readonly blockSizeBytesMax: number;
  private tipValue: ChainTip;
  private tipHeaderValue: BlockHeader | undefined;
  /** State after the mempool's transactions, for checking new ones against. */
  private pending: Overlay;
  private readonly rejected = new Map<string, { code: string; message: string }>();
  private readonly verified = new Set<string>();
  private readonly nameCache = new Map<string, NameRecord | null>();
  /** Bumped by every committed block, so a lookup that raced a block does not cache a stale record. */
  private nameCacheGeneration = 0;
  /** Names each recent block changed, by height (the last CHANGED_NAMES_BLOCKS_MAX blocks). */
  private readonly changedNames = new Map<number, readonly string[]>();
  private readonly listeners = new Set<BlockListener>();
  private readonly txListeners = new Set<TxListener>();
  /** The last block built or checked here, with its writes: committing it then skips applying it again. */
  private checked: { readonly hash: string; readonly parent: string; readonly writes: WriteSet } | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private readonly admissionQueue: QueuedTx[] = [];
  private admissionScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(options: NodeOptions, blocks: BlockStore, state: StateStore, tip: ChainTip, tipHeader: BlockHeader | undefined) {
    this.genesis = options.genesis;
    this.dataDir = options.dataDir;
    this.blocks = blocks;
    this.state = state;
    this.mempool = new Mempool(options.mempoolLimits ?? DEFAULT_MEMPOOL_LIMITS);
    this.clock = options.clock ?? systemClock;
    this.validatorKey = options.validatorKey;
    this.proposalBuildTimeMsMax = options.proposalBuildTimeMsMax ?? options.genesis.params.blockIntervalMs / 4;
    this.blockSizeBytesMax = Math.min(options.blockSizeBytesMax ?? BLOCK_SIZE_BYTES_MAX, BLOCK_SIZE_BYTES_MAX);
    this.tipValue = tip;
    this.tipHeaderValue = tipHeader;
    this.pending = new Overlay({ get: () => undefined });
  }

  static async open(options: NodeOptions): Promise<ChainNode> {
    await mkdir(options.dataDir, { recursive: true });
    const blocks = await BlockStore.open(join(options.dataDir, 'blocks'));
    const state = await StateStore.open(join(options.dataDir, 'state'));
    try {
      const height = await blocks.tipHeight();
      let tip: ChainTip = { height: 0, hash: genesisHash(options.genesis), timeMs: options.genesis.timeMs };
      let header: BlockHeader | undefined;
      if (height > 0) {
        const block = await blocks.getBlock(height);
        if (!block) throw new DcbtError('STORE_DAMAGED', `block ${height} (the stored tip) is missing; the data dir is damaged — resync the node`, { height });
        header = block.header;
        tip = { height, hash: blockHash(header), timeMs: header.timeMs };
      }
      const expectedRoot = header ? header.stateRoot : emptyStateRoot();
      if (!bytesEqual(state.root(), expectedRoot)) await state.resetTo(expectedRoot);
      const node = new ChainNode(options, blocks, state, tip, header);
      node.pending = await node.freshPending();
      return node;
    } catch (error) {
      await blocks.close();
      await state.close();
      throw error;
    }
  }

  get tip(): ChainTip {
    return this.tipValue;
  }
  get tipHeader(): BlockHeader | undefined {
    return this.tipHeaderValue;
  }
  get isValidator(): boolean {
    return this.validatorKey !== undefined;
  }
  get mempoolSize(): number {
    return this.mempool.size;
  }

  private ledger(): LedgerState {
    return { genesis: this.genesis, tip: this.tipValue, kv: { get: () => undefined } };
  }

  /** Runs `fn` after every earlier call of `exclusive` has finished. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private nextBlockTime(): number {
    return Math.max(this.clock.now(), this.tipValue.timeMs + 1);
  }

  /**
   * The pending state on the new tip after a block with `included` was committed. When no waiting
   * transaction touches a key the block touched, the waiting ones' writes still hold: they are
   * kept and only the block's keys are read from the new tip. Otherwise every waiting
   * transaction is applied again (freshPending). Under load the mempool holds a few blocks' worth
   * of transactions, and applying all of them again after every block cost each node about as
   * much as checking the block.
   */
  private async rebasedPending(included: readonly Tx[]): Promise<Overlay> {
    const touched = new Set<string>();
    for (const tx of included) for (const k of keysTouched(tx)) touched.add(toHex(k));
    const entries = this.mempool.list();
    const keys: Bytes[] = [];
    for (const e of entries) {
      for (const k of keysTouched(e.tx)) {
        if (touched.has(toHex(k))) return this.freshPending();
        keys.push(k);
      }
    }
    const overlay = new Overlay(await this.state.load(keys));
    for (const [k, v] of this.pending.writes) if (!touched.has(k)) overlay.writes.set(k, v);
    return overlay;
  }

  private async freshPending(): Promise<Overlay> {
    const entries = this.mempool.list();
    const reader = await this.state.load(entries.flatMap((e) => keysTouched(e.tx)));
    const overlay = new Overlay(reader);
    const ctx = { height: this.tipValue.height + 1, timeMs: this.nextBlockTime() };
    for (const e of entries) {
      const trial = new Overlay(overlay);
      try {
        applyTx(this.ledger(), ctx, trial, e.tx, { envelopeChecked: true });
        for (const [k, v] of trial.writes) overlay.writes.set(k, v);
      } catch (error) {
        this.reject(e.id, error);
      }
    }
    return overlay;
  }

  private reject(id: string, error: unknown): void {
    this.mempool.remove(id);
    this.verified.delete(id);
    const e = error instanceof DcbtError ? error : new DcbtError('INTERNAL', String(error));
    if (this.rejected.size >= REJECTED_ENTRIES_MAX) this.rejected.delete(this.rejected.keys().next().value!);
    this.rejected.set(id, { code: e.code, message: e.message });
  }

  /**
   * Checks a transaction against the chain and the transactions already waiting, and queues it.
   * Throws LedgerError / MempoolError / CodecError saying why it was refused.
   *
   * The envelope (stamp, signature) is checked at once; the rules against pending state run in
   * admission rounds: every transaction submitted while the node is busy (building or checking a
   * block, admitting the previous round) is admitted in the next round, under one lock and with
   * one state read, which is what keeps a node under load from spending its time on locking.
   */
  async submitTx(input: Tx | Bytes, source: 'local' | 'peer' = 'local'): Promise<{ txId: string }> {
    const tx = input instanceof Uint8Array ? decodeTx(input) : input;
    checkEnvelope(this.genesis, tx, { signatureVerified: true });
    if (!(await txSignatureValidAsync(tx))) throw badSignature(tx);
    if (this.admissionQueue.length >= ADMISSION_QUEUE_TXS_MAX) {
      throw new MempoolError('MEMPOOL_FULL', `the node is still admitting ${this.admissionQueue.length} transactions; try again in a moment`, { queued: this.admissionQueue.length });
    }
    const admitted = await new Promise<{ txId: string }>((resolve, reject) => {
      this.admissionQueue.push({ tx, resolve, reject });
      this.scheduleAdmission();
    });
    for (const listener of this.txListeners) {
      try {
        listener(tx, source);
      } catch {
        // A listener's failure must not undo an admitted transaction.
      }
    }
    return admitted;
  }

  private scheduleAdmission(): void {
    if (this.admissionScheduled) return;
    this.admissionScheduled = true;
    void this.exclusive(async () => {
      this.admissionScheduled = false;
      const round = this.admissionQueue.splice(0, ADMISSION_ROUND_TXS_MAX);
      if (this.admissionQueue.length > 0) this.scheduleAdmission();
      await this.admit(round);
    });
  }

  /** One admission round. Caller holds the lock. */
  private async admit(round: readonly QueuedTx[]): Promise<void> {
    try {
      await this.state.load(round.flatMap((q) => keysTouched(q.tx)));
    } catch (error) {
      for (const q of round) q.reject(error);
      return;
    }
    const ctx = { height: this.tipValue.height + 1, timeMs: this.nextBlockTime() };
    for (const { tx, resolve, reject } of round) {
      try {
        const entry = this.mempool.admissible(tx);
        const trial = new Overlay(this.pending);
        applyTx(this.ledger(), ctx, trial, tx, { envelopeChecked: true });
        for (const [k, v] of trial.writes) this.pending.writes.set(k, v);
        this.mempool.add(entry);
        this.rejected.delete(entry.id);
        if (this.verified.size >= VERIFIED_IDS_MAX) this.verified.delete(this.verified.values().next().value!);
        this.verified.add(entry.id);
        resolve({ txId: entry.id });
      } catch (error) {
        reject(error);
      }
    }
  }

  onTx(listener: TxListener): () => void {
    this.txListeners.add(listener);
    return () => this.txListeners.delete(listener);
  }

  /** Produces, signs and stores the next block if there are transactions. Single validator only. */
  async produceBlock(): Promise<Block | undefined> {
    const key = this.validatorKey;
    if (!key) throw new DcbtError('NOT_VALIDATOR', 'this node has no validator key; it cannot produce blocks', {});
    if (this.genesis.validators.length !== 1) {
      throw new DcbtError('NOT_SOLE_VALIDATOR', `this chain has ${this.genesis.validators.length} validators: its blocks are finalised by consensus, not produced by one node`, {});
    }
    return this.exclusive(async () => {
      if (this.mempool.size === 0) return undefined;
      const built = await this.build(key.publicKey);
      if (built.block.txs.length === 0) return undefined;
      const { block } = built;
      const { height } = block.header;
      const hash = blockHash(block.header);
      const commit: CommitCertificate = {
        height,
        round: 0,
        blockHash: hash,
        signatures: [{ validator: key.publicKey, signature: sign(key.secretKey, voteSigningBytes(this.genesis.chainId, VoteStep.PRECOMMIT, height, 0, hash)) }],
      };
      await this.commitBlock(block, commit, built.reader);
      return block;
    });
  }

  /**
   * The block this node would propose next: the mempool's transactions that still apply at the
   * block's time (those that no longer do are dropped from the mempool), possibly none. Nothing is
   * stored; consensus decides whether it becomes final.
   */
  async buildBlock(proposer: Bytes): Promise<Block> {
    return this.exclusive(async () => (await this.build(proposer, this.proposalBuildTimeMsMax)).block);
  }

  /** Caller holds the lock. */
  private async build(proposer: Bytes, timeMsMax = Infinity): Promise<{ block: Block; reader: Awaited<ReturnType<StateStore['load']>> }> {
    const timeMs = this.nextBlockTime();
    const height = this.tipValue.height + 1;
    const candidates = this.mempool.list().slice(0, this.genesis.params.blockTxCountMax);
    const mempoolBefore = this.mempool.size;
    const reader = await this.state.load(candidates.flatMap((e) => keysTouched(e.tx)));
    // Re-check at the block's own time: a name may have expired since a transaction arrived.
    const overlay = new Overlay(reader);
    const txs: Tx[] = [];
    const startedMs = performance.now();
    let tried = 0;
    // The header's size depends only on the chain id; each transaction adds its length prefix.
    let sizeBytes = this.emptyBlockSizeBytes();
    for (const e of candidates) {
      if ((++tried & 63) === 0 && performance.now() - startedMs > timeMsMax) break;
      // Stop rather than skip: a later transaction of the same account would fail on its nonce.
      const txSizeBytes = 4 + encodeTx(e.tx).length;
      if (sizeBytes + txSizeBytes > this.blockSizeBytesMax) break;
      const trial = new Overlay(overlay);
      try {
        applyTx(this.ledger(), { height, timeMs }, trial, e.tx, { envelopeChecked: true });
        for (const [k, v] of trial.writes) overlay.writes.set(k, v);
        txs.push(e.tx);
        sizeBytes += txSizeBytes;
      } catch (error) {
        if (!(error instanceof LedgerError)) throw error;
        this.reject(e.id, error);
      }
    }
    if (this.mempool.size < mempoolBefore) this.pending = await this.freshPending();
    const stateRoot = await this.state.computeRoot(overlay.writes);
    const header: BlockHeader = {
      chainId: this.genesis.chainId,
      height,
      timeMs,
      prevHash: this.tipValue.hash,
      txRoot: txRoot(txs),
      stateRoot,
      validatorsHash: validatorsHash(this.genesis.validators),
      proposer,
    };
    this.checked = { hash: toHex(blockHash(header)), parent: toHex(this.tipValue.hash), writes: overlay.writes };
    return { block: { header, txs }, reader };
  }

  /** An encoded block of this chain with no transactions: header and transaction count. */
  private emptyBlockSizeBytes(): number {
    const zero = new Uint8Array(32);
    return encodeHeader({ chainId: this.genesis.chainId, height: 0, timeMs: 0, prevHash: zero, txRoot: zero, stateRoot: zero, validatorsHash: zero, proposer: zero }).length + 4;
  }

  /**
   * Whether a proposed block may be voted for: it extends the tip, every transaction applies, its
   * state root is what applying it gives, and its time is not ahead of this node's clock by more
   * than BLOCK_TIME_AHEAD_MS_MAX. Throws LedgerError / DcbtError saying what is wrong; stores nothing.
   */
  async checkBlock(block: Block): Promise<void> {
    const verified = await this.verifyUnseen(block);
    return this.exclusive(async () => {
      const aheadMs = block.header.timeMs - this.clock.now();
      if (aheadMs > BLOCK_TIME_AHEAD_MS_MAX) {
        throw new DcbtError('BLOCK_FROM_THE_FUTURE', `block ${block.header.height} is dated ${aheadMs} ms ahead of this node's clock (at most ${BLOCK_TIME_AHEAD_MS_MAX} ms allowed); check the proposer's clock`, { aheadMs });
      }
      const kv = await this.state.load(block.txs.flatMap(keysTouched));
      const applied = applyBlock({ genesis: this.genesis, tip: this.tipValue, kv }, block, { envelopeVerified: verified });
      const root = await this.state.computeRoot(applied.writes);
      if (!bytesEqual(root, block.header.stateRoot)) {
        throw new DcbtError('STATE_ROOT_MISMATCH', `block ${block.header.height} claims state root ${toHex(block.header.stateRoot)} but applying it gives ${toHex(root)}`, { height: block.header.height });
      }
      this.checked = { hash: toHex(blockHash(block.header)), parent: toHex(this.tipValue.hash), writes: applied.writes };
    });
  }

  /**
   * Stores a block that consensus (or a peer, during sync) says is final, after checking its
   * commit certificate carries precommits of more than 2/3 of the voting power. Throws
   * ProofRejected for a bad certificate and LedgerError for a block that does not apply; a block
   * at or below the tip is ignored when it is the one already stored, and refused otherwise.
   */
  async commitFinal(block: Block, commit: CommitCertificate): Promise<void> {
    verifyCommit(this.genesis, block.header, commit);
    // A block checked here had its unseen signatures verified then.
    const verified = this.checkedFor(block) ? this.verified : await this.verifyUnseen(block);
    return this.exclusive(async () => {
      const { height } = block.header;
      if (height <= this.tipValue.height) {
        const stored = await this.blocks.getBlock(height);
        if (stored && bytesEqual(blockHash(stored.header), blockHash(block.header))) return;
        throw new DcbtError('CONFLICTING_FINAL_BLOCK', `a different block is already final at height ${height}: this is a safety failure of the chain (more than 1/3 of the voting power signed two blocks); keep both as evidence`, { height });
      }
      await this.commitBlock(block, commit, undefined, verified);
    });
  }

  /**
   * Verifies, off the event loop, the signatures of a block's transactions that were not
   * verified at admission; a forged one fails the block with TX_BAD_SIGNATURE. Returns the ids
   * whose envelope need not be verified again.
   */
  private async verifyUnseen(block: Block): Promise<{ has(id: string): boolean }> {
    const admitted = this.verified;
    const unseen = new Map<string, Tx>();
    for (const tx of block.txs) {
      const id = toHex(txId(tx));
      if (!admitted.has(id)) unseen.set(id, tx);
    }
    if (unseen.size === 0) return admitted;
    const txs = [...unseen.values()];
    const valid = await Promise.all(txs.map((tx) => txSignatureValidAsync(tx)));
    const forged = valid.indexOf(false);
    if (forged >= 0) throw badSignature(txs[forged]!);
    return { has: (id: string) => unseen.has(id) || admitted.has(id) };
  }

  /** What building or checking `block` on the current tip left in `checked`, if that was this block. */
  private checkedFor(block: Block): { readonly writes: WriteSet } | undefined {
    const c = this.checked;
    return c && c.hash === toHex(blockHash(block.header)) && c.parent === toHex(this.tipValue.hash) ? c : undefined;
  }

  /** Applies a finalised block through the pure transition and persists it. Caller holds the lock. */
  private async commitBlock(block: Block, commit: CommitCertificate, reader?: Awaited<ReturnType<StateStore['load']>>, verified: { has(id: string): boolean } = this.verified): Promise<void> {
    const known = this.checkedFor(block);
    this.checked = undefined;
    let writes: WriteSet;
    let tip: ChainTip;
    if (known) {
      // Built or checked here on this very tip: its writes are already known.
      writes = known.writes;
      tip = { height: block.header.height, hash: blockHash(block.header), timeMs: block.header.timeMs };
    } else {
      const kv = reader ?? (await this.state.load(block.txs.flatMap(keysTouched)));
      const applied = applyBlock({ genesis: this.genesis, tip: this.tipValue, kv }, block, { envelopeVerified: verified });
      writes = applied.writes;
      tip = applied.state.tip;
    }
    const root = await this.state.commit(writes);
    if (!bytesEqual(root, block.header.stateRoot)) {
      await this.state.resetTo(this.tipHeaderValue?.stateRoot ?? emptyStateRoot());
      throw new DcbtError('STATE_ROOT_MISMATCH', `block ${block.header.height} claims state root ${toHex(block.header.stateRoot)} but applying it gives ${toHex(root)}`, { height: block.header.height });
    }
    await this.blocks.putBlock(block, commit);
    this.tipValue = tip;
    this.tipHeaderValue = block.header;
    this.nameCacheGeneration++;
    const changed: string[] = [];
    for (const tx of block.txs) {
      const id = toHex(txId(tx));
      this.mempool.remove(id);
      this.verified.delete(id);
      const name = payloadName(tx.payload);
      if (name !== undefined) {
        this.nameCache.delete(name);
        changed.push(name);
      }
    }
    this.changedNames.set(block.header.height, changed);
    if (this.changedNames.size > CHANGED_NAMES_BLOCKS_MAX) this.changedNames.delete(this.changedNames.keys().next().value!);
    this.pending = await this.rebasedPending(block.txs);
    for (const listener of this.listeners) {
      try {
        listener(block, commit);
      } catch {
        // A listener's failure must not undo a committed block.
      }
    }
  }

  onBlock(listener: BlockListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts producing blocks every blockIntervalMs (validators). */
  start(onError: (error: unknown) => void = () => undefined): void {
    if (!this.validatorKey || this.timer) return;
    const tick = async () => {
      if (this.closed) return;
      try {
        await this.produceBlock();
      } catch (error) {
        onError(error);
      }
      if (!this.closed) this.timer = setTimeout(tick, this.genesis.params.blockIntervalMs);
    };
    this.timer = setTimeout(tick, this.genesis.params.blockIntervalMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.exclusive(async () => {
      await this.blocks.close();
      await this.state.close();
    });
  }

  // ---- queries over finalised state ----------------------------------------------------------

  async getBlock(height: number): Promise<{ block: Block; commit: CommitCertificate } | undefined> {
    const [block, commit] = await Promise.all([this.blocks.getBlock(height), this.blocks.getCommit(height)]);
    return block && commit ? { block, commit } : undefined;
  }

  /** A final block and its certificate in their canonical encodings (block sync serves these as they are). */
  async getEncodedBlock(height: number): Promise<{ block: Bytes; commit: Bytes } | undefined> {
    return this.blocks.getEncoded(height);
  }

  async getBlockByHash(hash: Bytes): Promise<{ block: Block; commit: CommitCertificate } | undefined> {
    const height = await this.blocks.heightOfHash(hash);
    return height === undefined ? undefined : this.getBlock(height);
  }

  /** Time used for a name's status: the later of the last block's time and now. */
  statusTimeMs(): number {
    return Math.max(this.tipValue.timeMs, this.clock.now());
  }

  async getName(label: string): Promise<NameView | undefined> {
    const value = await this.state.get(nameKey(label));
    if (!value) return undefined;
    const record = decodeNameRecord(value);
    return { record, status: nameStatus(record, this.statusTimeMs(), this.genesis.params) };
  }

  /** The finalised record of `label`, cached for the DNS server's hot path. */
  async lookupFinal(label: string): Promise<NameRecord | undefined> {
    const cached = this.nameCache.get(label);
    if (cached !== undefined) return cached ?? undefined;
    const generation = this.nameCacheGeneration;
    const value = await this.state.get(nameKey(label));
    const record = value ? decodeNameRecord(value) : null;
    if (generation !== this.nameCacheGeneration) return record ?? undefined;
    if (this.nameCache.size >= NAME_CACHE_ENTRIES_MAX) this.nameCache.delete(this.nameCache.keys().next().value!);
    this.nameCache.set(label, record);
    return record ?? undefined;
  }

  /**
   * The names changed by the finalised blocks after `height` up to the tip, or undefined when
   * some of those blocks are no longer remembered (more than CHANGED_NAMES_BLOCKS_MAX ago, or
   * before this node opened its store).
   */
  changedNamesSince(height: number): ReadonlySet<string> | undefined {
    const out = new Set<string>();
    for (let h = height + 1; h <= this.tipValue.height; h++) {
      const names = this.changedNames.get(h);
      if (names === undefined) return undefined;
      for (const name of names) out.add(name);
    }
    return out;
  }

  /** Every registered name's finalised record (any status), for zone export and transfers. */
  async *allNames(): AsyncIterable<NameRecord> {
    for await (const label of this.blocks.names()) {
      const value = await this.state.get(nameKey(label));
      if (value) yield decodeNameRecord(value);
    }
  }

  async getNameProof(label: string): Promise<NameProofBundle> {
    const header = this.tipHeaderValue;
    if (!header) throw new DcbtError('NO_BLOCKS_YET', 'the chain has no finalised block yet; a proof needs one — try again after the first block', {});
    const commit = await this.blocks.getCommit(header.height);
    if (!commit) throw new DcbtError('STORE_DAMAGED', `commit certificate for block ${header.height} is missing`, { height: header.height });
    const { proof, value } = await this.state.prove(nameKey(label), header.stateRoot);
    return { name: label, header, commit, proof, value };
  }

  async getNameHistory(label: string, limit = 100): Promise<HistoryEntry[]> {
    return this.blocks.nameHistory(label, limit);
  }

  /** The account's next nonce, counting transactions waiting in the mempool. */
  async getAccountNonce(publicKey: Bytes): Promise<{ confirmed: number; next: number }> {
    const confirmedValue = await this.state.get(accountKey(publicKey));
    const confirmed = confirmedValue ? decodeAccount(confirmedValue).nonce : 0;
    const pendingValue = this.pending.writes.get(toHex(accountKey(publicKey)));
    return { confirmed, next: pendingValue ? decodeAccount(pendingValue).nonce : confirmed };
  }

  /** Recorded evidence of equivocation under evidenceKey(hash), from finalised state. */
  async getEvidence(hash: Bytes): Promise<EvidenceRecord | undefined> {
    const value = await this.state.get(evidenceKey(hash));
    return value && decodeEvidenceRecord(value);
  }

  /** Recorded evidence of equivocation, newest first, with where it was included. */
  async listEvidence(limit = 100): Promise<{ hash: string; index: number; record: EvidenceRecord }[]> {
    const out = [];
    for (const loc of await this.blocks.evidence(limit)) {
      const record = await this.getEvidence(fromHex(loc.hash));
      if (!record) throw new DcbtError('STORE_DAMAGED', `evidence ${loc.hash} of block ${loc.height} is indexed but not in the state; the data dir is damaged — resync the node`, { hash: loc.hash });
      out.push({ hash: loc.hash, index: loc.index, record });
    }
    return out;
  }

  async getTxStatus(id: string): Promise<TxStatus> {
    if (this.mempool.has(id)) return { status: 'pending' };
    const loc = await this.blocks.txLocation(fromHex(id));
    if (loc) return { status: 'included', ...loc };
    const r = this.rejected.get(id);
    return r ? { status: 'rejected', ...r } : { status: 'unknown' };
  }
}
