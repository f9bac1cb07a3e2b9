/**
 * Compact proposals, the node's side: the transactions this node has seen recently, by id, and
 * putting a proposal's block back together from them. Proposals travel as transaction ids
 * (`encodeCompactProposal`) because every validator already received the transactions by gossip;
 * sending each block whole made every transaction cross every link twice (docs/P2P.md).
 */
import { BLOCK_SIZE_BYTES_MAX, CodecError, decodeTx, encodeHeader, encodeTx, txId } from '../chain/codec.ts';
import { toHex } from '../chain/hash.ts';
import type { Block, Bytes, Tx } from '../chain/types.ts';
import type { CompactProposal } from '../consensus/codec.ts';
import type { SignedProposal } from '../consensus/types.ts';
import { DEFAULT_MEMPOOL_LIMITS } from './mempool.ts';

/**
 * Transactions remembered for reassembly: twice what a mempool holds, by count and by bytes, so
 * everything a proposer can put in a block (its mempool) is still here on the peers that gossiped
 * it, and a peer flooding large transactions cannot make the cache hold more than that.
 */
export const RECENT_TXS_COUNT_MAX = 2 * DEFAULT_MEMPOOL_LIMITS.txCountMax;
export const RECENT_TXS_SIZE_BYTES_MAX = 2 * DEFAULT_MEMPOOL_LIMITS.sizeBytesMax;

/** The transactions this node received or admitted most recently, by id; the oldest go first. */
export class RecentTxs {
  private readonly byId = new Map<string, Tx>();
  private sizeBytes = 0;
  readonly countMax: number;
  readonly sizeBytesMax: number;

  constructor(countMax = RECENT_TXS_COUNT_MAX, sizeBytesMax = RECENT_TXS_SIZE_BYTES_MAX) {
    if (!Number.isInteger(countMax) || countMax < 1) throw new RangeError(`countMax must be a positive integer, got ${countMax}`);
    if (!Number.isInteger(sizeBytesMax) || sizeBytesMax < 1) throw new RangeError(`sizeBytesMax must be a positive integer, got ${sizeBytesMax}`);
    this.countMax = countMax;
    this.sizeBytesMax = sizeBytesMax;
  }

  get size(): number {
    return this.byId.size;
  }

  add(tx: Tx): void {
    const id = toHex(txId(tx));
    if (this.byId.has(id)) return;
    const txSizeBytes = encodeTx(tx).length;
    while (this.byId.size > 0 && (this.byId.size >= this.countMax || this.sizeBytes + txSizeBytes > this.sizeBytesMax)) {
      const [oldestId, oldest] = this.byId.entries().next().value!;
      this.byId.delete(oldestId);
      this.sizeBytes -= encodeTx(oldest).length;
    }
    this.byId.set(id, tx);
    this.sizeBytes += txSizeBytes;
  }

  get(idHex: string): Tx | undefined {
    return this.byId.get(idHex);
  }

  /** The encoded transaction with this id (what peers ask for over the network). */
  getTx(id: Bytes): Bytes | undefined {
    const tx = this.byId.get(toHex(id));
    return tx && encodeTx(tx);
  }
}

/** Encoded transactions by hex id, as a peer sent them (each already checked against its id). */
export type FetchTxs = (ids: readonly Bytes[]) => Promise<ReadonlyMap<string, Bytes>>;

export type Assembly =
  | { readonly status: 'assembled'; readonly proposal: SignedProposal; readonly block: Block; readonly fetched: number }
  /** Some transactions are neither here nor at the peer: not the peer's fault (it may have dropped them). */
  | { readonly status: 'incomplete'; readonly missing: number }
  /** The proposal names something that cannot be in a block: the proposer (or whoever forwarded it) is at fault. */
  | { readonly status: 'invalid'; readonly reason: string };

/**
 * Rebuilds the block of `compact` from `recent`, asking `fetch` for the transactions missing here
 * (and remembering them). Does not judge the block: the engine checks the proposer's signature
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
        recent.add(tx);
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
