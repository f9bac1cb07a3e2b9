/**
 * The chain each simulated node keeps: real blocks of real transactions, checked and applied
 * with the ledger's own `applyBlock`. One stand-in: the state root. The node's urkel tree lives on
 * disk and is asynchronous, so the simulator commits to state with a hash chain over each
 * block's sorted write set instead — deterministic, sensitive to every write, and checked the
 * same way (a block whose header claims another root is invalid).
 */
import { blockHash, commitmentHash, txId, txRoot, validatorsHash } from '../chain/codec.ts';
import { keyPairFromSecret, sign, type KeyPair } from '../chain/crypto.ts';
import { devnetGenesis, genesisHash } from '../chain/genesis.ts';
import { compareBytes, sha256, toHex, utf8 } from '../chain/hash.ts';
import { applyBlock, applyTx } from '../chain/ledger/apply.ts';
import { MapState, Overlay, type LedgerState, type WriteSet } from '../chain/ledger/state.ts';
import { buildTx } from '../chain/tx.ts';
import { TxType, type Block, type BlockHeader, type Bytes, type CommitCertificate, type Genesis, type Tx } from '../chain/types.ts';

const ROOT_TAG = utf8('dcbt/sim-state\0');

export function simStateRoot(previous: Bytes, writes: WriteSet): Bytes {
  const keys = [...writes.keys()].sort();
  const parts: Bytes[] = [ROOT_TAG, previous];
  for (const k of keys) {
    const v = writes.get(k);
    parts.push(utf8(k), v ? Uint8Array.of(1) : Uint8Array.of(0), v ?? new Uint8Array(0));
  }
  return sha256(...parts);
}

export const SIM_ACCOUNTS = 4;
export const SIM_NONCES = 150;

/**
 * Signed transactions every run shares (signing is the slow part, so it happens once per
 * process): SIM_ACCOUNTS accounts × SIM_NONCES COMMIT transactions. Their envelopes are checked
 * once here, the way a mempool admits them; blocks are checked against this set, so a
 * transaction from anywhere else has its signature verified in full.
 */
export interface TxPool {
  readonly byAccount: readonly (readonly Tx[])[];
  readonly verified: ReadonlySet<string>;
}

let sharedPool: { chainId: string; pool: TxPool } | undefined;

export function txPool(genesis: Genesis): TxPool {
  if (sharedPool?.chainId === genesis.chainId) return sharedPool.pool;
  const byAccount: Tx[][] = [];
  const verified = new Set<string>();
  for (let a = 0; a < SIM_ACCOUNTS; a++) {
    const key = keyPairFromSecret(new Uint8Array(32).fill(200 + a));
    const txs: Tx[] = [];
    for (let n = 0; n < SIM_NONCES; n++) {
      const commitment = commitmentHash(`sim${a}n${n}`, key.publicKey, new Uint8Array(32).fill(a));
      const tx = buildTx({ chainId: genesis.chainId, account: key.publicKey, nonce: n, payload: { type: TxType.COMMIT, commitment } }, key, genesis.params.powBits);
      txs.push(tx);
      verified.add(toHex(txId(tx)));
    }
    byAccount.push(txs);
  }
  const pool = { byAccount, verified };
  sharedPool = { chainId: genesis.chainId, pool };
  return pool;
}

export function simGenesis(validators: readonly Bytes[], timeMs: number): Genesis {
  // No hashcash in the simulator: stamps are not what it tests.
  return devnetGenesis({ validators, timeMs, chainId: 'dcbt-sim', powBits: 0 });
}

/**
 * Applying a block is a pure function of the block and its parent's state, and the parent's
 * state is fixed by the parent's hash (inside the block's header): so nodes of one run share the
 * result by block hash instead of each applying the same block again.
 */
export type ApplyCache = Map<string, { readonly writes: WriteSet; readonly root: Bytes } | { readonly reason: string }>;

export class SimChain {
  readonly genesis: Genesis;
  private readonly pool: TxPool;
  private readonly cache: ApplyCache | undefined;
  private readonly entries = new Map<string, Bytes | undefined>();
  private state: LedgerState;
  private root: Bytes = new Uint8Array(32);
  readonly blocks: { readonly block: Block; readonly certificate: CommitCertificate }[] = [];

  constructor(genesis: Genesis, pool: TxPool, cache?: ApplyCache) {
    this.genesis = genesis;
    this.pool = pool;
    this.cache = cache;
    this.state = { genesis, tip: { height: 0, hash: genesisHash(genesis), timeMs: genesis.timeMs }, kv: new MapState(this.entries) };
  }

  get height(): number {
    return this.state.tip.height;
  }

  get tipTimeMs(): number {
    return this.state.tip.timeMs;
  }

  /**
   * A block for the next height: up to `txCountMax` pool transactions that apply in order
   * (each account's next nonce first), the state root after them, the proposer's key.
   */
  build(proposer: Bytes, nowMs: number, txCountMax: number, first = 0): Block {
    const height = this.height + 1;
    const timeMs = Math.max(nowMs, this.state.tip.timeMs + 1);
    const overlay = new Overlay(this.state.kv);
    const txs: Tx[] = [];
    for (let i = 0; i < SIM_ACCOUNTS && txs.length < txCountMax; i++) {
      const a = (first + i) % SIM_ACCOUNTS;
      const nonce = overlay.getAccount(this.pool.byAccount[a]![0]!.account).nonce;
      const tx = this.pool.byAccount[a]![nonce];
      if (!tx) continue;
      applyTx(this.state, { height, timeMs }, overlay, tx, { envelopeChecked: true });
      txs.push(tx);
    }
    const header: BlockHeader = {
      chainId: this.genesis.chainId,
      height,
      timeMs,
      prevHash: this.state.tip.hash,
      txRoot: txRoot(txs),
      stateRoot: simStateRoot(this.root, overlay.writes),
      validatorsHash: validatorsHash(this.genesis.validators),
      proposer,
    };
    return { header, txs };
  }

  /** `hash`: the block's hash when the caller has it already (hashing is a large part of a run). */
  private apply(block: Block, hash?: Bytes): { readonly writes: WriteSet; readonly root: Bytes } | { readonly reason: string } {
    const { header } = block;
    // The cache is keyed by the block's hash, which fixes its parent: check the parent is our tip.
    if (header.height !== this.height + 1 || compareBytes(header.prevHash, this.state.tip.hash) !== 0) {
      return { reason: `block ${header.height} does not extend this chain's tip ${this.height}` };
    }
    const key = this.cache ? toHex(hash ?? blockHash(header)) : '';
    const cached = this.cache?.get(key);
    if (cached) return cached;
    let result: { readonly writes: WriteSet; readonly root: Bytes } | { readonly reason: string };
    try {
      const applied = applyBlock(this.state, block, { envelopeVerified: this.pool.verified });
      const root = simStateRoot(this.root, applied.writes);
      result = compareBytes(root, header.stateRoot) === 0 ? { writes: applied.writes, root } : { reason: 'the state root in the header is not the one its transactions give' };
    } catch (error) {
      result = { reason: (error as Error).message };
    }
    this.cache?.set(key, result);
    return result;
  }

  /** Why `block` cannot be the next block, or undefined when it can. */
  check(block: Block, hash?: Bytes): string | undefined {
    const r = this.apply(block, hash);
    return 'reason' in r ? r.reason : undefined;
  }

  /** Applies a final block; throws if it is not a valid next block. The certificate must be this block's (checked by the caller). */
  commit(block: Block, certificate: CommitCertificate): void {
    const r = this.apply(block, certificate.blockHash);
    if ('reason' in r) throw new Error(`block ${block.header.height} is not a valid next block: ${r.reason}`);
    for (const [k, v] of r.writes) this.entries.set(k, v);
    const { header } = block;
    this.state = { genesis: this.genesis, tip: { height: header.height, hash: certificate.blockHash, timeMs: header.timeMs }, kv: new MapState(this.entries) };
    this.root = r.root;
    this.blocks.push({ block, certificate });
  }

  hashAt(height: number): string | undefined {
    const b = this.blocks[height - 1];
    return b && toHex(blockHash(b.block.header));
  }
}

/**
 * A block that must be refused: Byzantine proposers send these. `kind` picks the defect — a
 * transaction whose signature does not verify, a wrong parent, a false state root.
 */
export function corruptBlock(good: Block, kind: number, key: KeyPair): Block {
  switch (kind % 3) {
    case 0: {
      const tx = good.txs[0];
      const bad: Tx = tx
        ? { ...tx, signature: sign(key.secretKey, utf8('not this transaction')) }
        : buildTx({ chainId: good.header.chainId, account: key.publicKey, nonce: 0, payload: { type: TxType.RENEW, name: 'nobody' } }, key, 0);
      const txs = tx ? [bad, ...good.txs.slice(1)] : [{ ...bad, signature: new Uint8Array(64) }];
      return { header: { ...good.header, txRoot: txRoot(txs) }, txs };
    }
    case 1:
      return { header: { ...good.header, prevHash: sha256(good.header.prevHash) }, txs: good.txs };
    default:
      return { header: { ...good.header, stateRoot: sha256(good.header.stateRoot) }, txs: good.txs };
  }
}
