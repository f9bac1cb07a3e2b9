/**
 * Compact proposals, the node's side: the transactions this node has seen recently, by id, and
 * putting a proposal's block back together from them. Proposals travel as transaction ids
 * (`encodeCompactProposal`) because every validator already received the transactions by gossip;
 * sending each block whole made every transaction cross every link twice (docs/P2P.md).
 */
import { BLOCK_SIZE_BYTES_MAX, CodecError, decodeTx, encodeHeader, encodeTx, txId } from '../chain/codec.ts';
import { BLOCK_TX_COUNT_MAX } from '../chain/genesis.ts';
import { toHex } from '../chain/hash.ts';
import type { Block, Bytes, Tx } from '../chain/types.ts';
import type { CompactProposal } from '../consensus/codec.ts';
import type { SignedProposal } from '../consensus/types.ts';
import { DEFAULT_MEMPOOL_LIMITS } from './mempool.ts';

/** How many transactions, and how many bytes of them, a RecentTxs keeps in each of its two tiers. */
export interface RecentTxsLimits {
  /** Admitted transactions (and a proposer's own block): what proposals mostly name. */
  readonly checkedCountMax: number;
  readonly checkedSizeBytesMax: number;
  /** Transactions received by gossip and not admitted (yet, or ever), and those fetched for a proposal. */
  readonly uncheckedCountMax: number;
  readonly uncheckedSizeBytesMax: number;
}

/**
 * Checked: twice what a mempool holds, by count and by bytes, so everything a proposer can put in
 * a block (its mempool) is still here on the peers that gossiped it. Unchecked: one largest block,
 * so a node that fetched most of a proposal still holds all of it when its peers ask (it
 * forwarded the proposal, so they ask it first), which is also more than the admission queue
 * holds (ADMISSION_QUEUE_TXS_MAX). A peer flooding transactions that never pass admission churns
 * only this tier and cannot push admitted ones out.
 */
export const DEFAULT_RECENT_TXS_LIMITS: RecentTxsLimits = {
  checkedCountMax: 2 * DEFAULT_MEMPOOL_LIMITS.txCountMax,
  checkedSizeBytesMax: 2 * DEFAULT_MEMPOOL_LIMITS.sizeBytesMax,
  uncheckedCountMax: BLOCK_TX_COUNT_MAX,
  uncheckedSizeBytesMax: BLOCK_SIZE_BYTES_MAX,
};

/** Transactions by hex id, oldest first out once either bound would be passed. */
class TxFifo {
  private readonly byId = new Map<string, Tx>();
  private sizeBytes = 0;
  private readonly countMax: number;
  private readonly sizeBytesMax: number;

  constructor(countMax: number, sizeBytesMax: number) {
    this.countMax = countMax;
    this.sizeBytesMax = sizeBytesMax;
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Tx | undefined {
    return this.byId.get(id);
  }

  add(id: string, tx: Tx): void {
    if (this.byId.has(id)) return;
    const txSizeBytes = encodeTx(tx).length;
    while (this.byId.size > 0 && (this.byId.size >= this.countMax || this.sizeBytes + txSizeBytes > this.sizeBytesMax)) {
      const [oldestId, oldest] = this.byId.entries().next().value!;
      this.delete(oldestId, oldest);
    }
    this.byId.set(id, tx);
    this.sizeBytes += txSizeBytes;
  }

  take(id: string): Tx | undefined {
    const tx = this.byId.get(id);
    if (tx) this.delete(id, tx);
    return tx;
  }

  private delete(id: string, tx: Tx): void {
    this.byId.delete(id);
    this.sizeBytes -= encodeTx(tx).length;
  }
}

/**
 * The transactions this node received or admitted most recently, by id, in two tiers: admitted
 * (`add`) and not judged here (`addUnchecked`). A transaction is kept before its signature is
 * checked because a proposal naming it may arrive meanwhile; admission moves it to the checked
 * tier. Transactions fetched for a proposal are never admitted (they arrive in the block) and stay
 * unchecked until newer ones push them out.
 */
export class RecentTxs {
  readonly limits: RecentTxsLimits;
  private readonly checked: TxFifo;
  private readonly unchecked: TxFifo;

  constructor(limits: Partial<RecentTxsLimits> = {}) {
    this.limits = { ...DEFAULT_RECENT_TXS_LIMITS, ...limits };
    for (const [name, value] of Object.entries(this.limits)) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`RecentTxs ${name} must be a positive integer, got ${value}`);
    }
    this.checked = new TxFifo(this.limits.checkedCountMax, this.limits.checkedSizeBytesMax);
    this.unchecked = new TxFifo(this.limits.uncheckedCountMax, this.limits.uncheckedSizeBytesMax);
  }

  /** Transactions held in both tiers. */
  get size(): number {
    return this.checked.size + this.unchecked.size;
  }

  /** An admitted transaction (taken out of the unchecked tier if it was there). */
  add(tx: Tx): void {
    const id = toHex(txId(tx));
    this.unchecked.take(id);
    this.checked.add(id, tx);
  }

  /** A transaction whose signature and rules are not checked yet. */
  addUnchecked(tx: Tx): void {
    const id = toHex(txId(tx));
    if (this.checked.get(id)) return;
    this.unchecked.add(id, tx);
  }

  get(idHex: string): Tx | undefined {
    return this.checked.get(idHex) ?? this.unchecked.get(idHex);
  }

  /** The encoded transaction with this id (what peers ask for over the network). */
  getTx(id: Bytes): Bytes | undefined {
    const tx = this.get(toHex(id));
    return tx && encodeTx(tx);
  }
}

/** Encoded transactions by hex id, as a peer sent them (each already checked against its id). */
export type FetchTxs = (ids: readonly Bytes[]) => Promise<ReadonlyMap<string, Bytes>>;

/** Peers asked, in turn, for the transactions of a proposal this node lacks: the forwarding one first. */
export const PROPOSAL_FETCH_PEERS_MAX = 3;
/** Each of those requests gives up after this long, well within a round's propose timeout. */
export const PROPOSAL_FETCH_TIMEOUT_MS = 2000;

/** One request to one peer for transactions by id (p2p's `requestTxs`). */
export type RequestTxs = (peer: string, ids: readonly Bytes[], signal: AbortSignal) => Promise<ReadonlyMap<string, Bytes>>;

/**
 * Asks the peer that forwarded a proposal for the transactions this node lacks (it had them all,
 * or it would not have forwarded it), then other peers, one at a time, for what is still missing,
 * `PROPOSAL_FETCH_PEERS_MAX` in all: gossipsub drops later copies of the same message, so this is
 * the proposal's one chance until the proposer sends it again. A failed request is reported and
 * not held against the peer here (one that broke the protocol was penalised by the request itself).
 */
export async function fetchFromPeers(ids: readonly Bytes[], from: string, peers: readonly string[], request: RequestTxs, onError: (error: unknown, peer: string) => void, timeoutMs = PROPOSAL_FETCH_TIMEOUT_MS): Promise<Map<string, Bytes>> {
  const found = new Map<string, Bytes>();
  const asked = [from, ...peers.filter((p) => p !== from)].slice(0, PROPOSAL_FETCH_PEERS_MAX);
  let missing = ids;
  for (const peer of asked) {
    try {
      for (const [id, tx] of await request(peer, missing, AbortSignal.timeout(timeoutMs))) found.set(id, tx);
    } catch (error) {
      onError(error, peer);
    }
    missing = missing.filter((id) => !found.has(toHex(id)));
    if (missing.length === 0) break;
  }
  return found;
}

export type Assembly =
  | { readonly status: 'assembled'; readonly proposal: SignedProposal; readonly block: Block; readonly fetched: number }
  /** Some transactions are neither here nor at the peer: not the peer's fault (it may have dropped them). */
  | { readonly status: 'incomplete'; readonly missing: number }
  /** The proposal names something that cannot be in a block: the proposer (or whoever forwarded it) is at fault. */
  | { readonly status: 'invalid'; readonly reason: string };

/**
 * Rebuilds the block of `compact` from `recent`, asking `fetch` for the transactions missing here
 * (and remembering them, unchecked). Does not judge the block: the engine checks the proposer's signature
 * over the header, and the chain checks the header's transaction root against these transactions.
 */
export async function assembleProposal(compact: CompactProposal, recent: RecentTxs, fetch: FetchTxs, blockSizeBytesMax = BLOCK_SIZE_BYTES_MAX): Promise<Assembly> {
  const ids = compact.txIds.map(toHex);
  const txs: (Tx | undefined)[] = ids.map((id) => recent.get(id));
  const missing: Bytes[] = [];
  txs.forEach((tx, i) => {
    if (!tx) missing.push(compact.txIds[i]!);
  });
  if (missing.length > 0) {
    const got = await fetch(missing);
    for (let i = 0; i < txs.length; i++) {
      if (txs[i]) continue;
      const bytes = got.get(ids[i]!);
      if (!bytes) continue;
      try {
        const tx = decodeTx(bytes);
        recent.addUnchecked(tx);
        txs[i] = tx;
      } catch (error) {
        if (error instanceof CodecError) return { status: 'invalid', reason: `transaction ${ids[i]} of the proposal does not decode: ${error.message}` };
        throw error;
      }
    }
    const stillMissing = txs.filter((tx) => !tx).length;
    if (stillMissing > 0) return { status: 'incomplete', missing: stillMissing };
  }
  const block: Block = { header: compact.header, txs: txs as Tx[] };
  let sizeBytes = encodeHeader(block.header).length + 4;
  for (const tx of block.txs) sizeBytes += 4 + encodeTx(tx).length;
  if (sizeBytes > blockSizeBytesMax) return { status: 'invalid', reason: `the proposed block is ${sizeBytes} bytes; at most ${blockSizeBytesMax}` };
  return { status: 'assembled', proposal: compact.proposal, block, fetched: missing.length };
}
