/**
 * Transactions travel the `tx` topic in batches. Under load a node admits hundreds of transactions
 * a second from its RPC; one gossip message each means one protobuf frame, one Noise record and
 * one socket write per transaction per peer — and gossipsub forwards every message again at each
 * hop. Batching what a node admitted within a few milliseconds turns that into one message per
 * flush (see docs/P2P.md, "Transaction batches").
 *
 * Wire format: count u16, then per transaction its length u16 and its encoding.
 */
import { CodecError, TX_SIZE_BYTES_MAX } from '../chain/codec.ts';
import type { Bytes } from '../chain/types.ts';

/** Transactions in one batch. */
export const TX_BATCH_TXS_MAX = 1024;
/** Largest batch: also the size limit of the `tx` topic. */
export const TX_BATCH_SIZE_BYTES_MAX = 512 * 1024;
/** How long an admitted transaction waits for others to share its gossip message. */
export const TX_BATCH_FLUSH_MS = 50;

const COUNT_BYTES = 2;
const LENGTH_BYTES = 2;

export function encodeTxBatch(txs: readonly Bytes[]): Bytes {
  if (txs.length === 0 || txs.length > TX_BATCH_TXS_MAX) throw new RangeError(`a transaction batch holds 1 to ${TX_BATCH_TXS_MAX} transactions, not ${txs.length}`);
  let size = COUNT_BYTES;
  for (const tx of txs) {
    if (tx.length === 0 || tx.length > TX_SIZE_BYTES_MAX) throw new RangeError(`a transaction in a batch is 1 to ${TX_SIZE_BYTES_MAX} bytes, not ${tx.length}`);
    size += LENGTH_BYTES + tx.length;
  }
  if (size > TX_BATCH_SIZE_BYTES_MAX) throw new RangeError(`the batch would be ${size} bytes; at most ${TX_BATCH_SIZE_BYTES_MAX}`);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint16(0, txs.length);
  let offset = COUNT_BYTES;
  for (const tx of txs) {
    view.setUint16(offset, tx.length);
    out.set(tx, offset + LENGTH_BYTES);
    offset += LENGTH_BYTES + tx.length;
  }
  return out;
}

/** The encoded transactions of a batch (views into `bytes`). Throws CodecError. */
export function decodeTxBatch(bytes: Bytes): Bytes[] {
  const what = 'transaction batch';
  if (bytes.length > TX_BATCH_SIZE_BYTES_MAX) throw new CodecError(what, 0, `size ${bytes.length} exceeds ${TX_BATCH_SIZE_BYTES_MAX} bytes`);
  if (bytes.length < COUNT_BYTES) throw new CodecError(what, 0, 'too short for its count');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint16(0);
  if (count === 0 || count > TX_BATCH_TXS_MAX) throw new CodecError(what, 0, `count ${count} is not between 1 and ${TX_BATCH_TXS_MAX}`);
  const txs: Bytes[] = [];
  let offset = COUNT_BYTES;
  for (let i = 0; i < count; i++) {
    if (offset + LENGTH_BYTES > bytes.length) throw new CodecError(what, offset, `ends before transaction ${i + 1} of ${count}`);
    const length = view.getUint16(offset);
    if (length === 0 || length > TX_SIZE_BYTES_MAX) throw new CodecError(what, offset, `transaction length ${length} is not between 1 and ${TX_SIZE_BYTES_MAX}`);
    offset += LENGTH_BYTES;
    if (offset + length > bytes.length) throw new CodecError(what, offset, `transaction ${i + 1} of ${count} runs past the end`);
    txs.push(bytes.subarray(offset, offset + length));
    offset += length;
  }
  if (offset !== bytes.length) throw new CodecError(what, offset, `${bytes.length - offset} trailing bytes`);
  return txs;
}

export interface TxBatcherOptions {
  readonly flushMs?: number;
  readonly txsMax?: number;
  readonly sizeBytesMax?: number;
}

/**
 * Collects encoded transactions and hands them to `publish` as one batch when the first of them
 * has waited `flushMs`, or at once when the batch is full.
 */
export class TxBatcher {
  private readonly publish: (batch: Bytes) => void;
  private readonly flushMs: number;
  private readonly txsMax: number;
  private readonly sizeBytesMax: number;
  private pending: Bytes[] = [];
  private pendingSizeBytes = COUNT_BYTES;
  private timer: NodeJS.Timeout | undefined;

  constructor(publish: (batch: Bytes) => void, options: TxBatcherOptions = {}) {
    this.publish = publish;
    this.flushMs = options.flushMs ?? TX_BATCH_FLUSH_MS;
    this.txsMax = Math.min(options.txsMax ?? TX_BATCH_TXS_MAX, TX_BATCH_TXS_MAX);
    this.sizeBytesMax = Math.min(options.sizeBytesMax ?? TX_BATCH_SIZE_BYTES_MAX, TX_BATCH_SIZE_BYTES_MAX);
  }

  add(tx: Bytes): void {
    if (this.pendingSizeBytes + LENGTH_BYTES + tx.length > this.sizeBytesMax) this.flush();
    this.pending.push(tx);
    this.pendingSizeBytes += LENGTH_BYTES + tx.length;
    if (this.pending.length >= this.txsMax) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = encodeTxBatch(this.pending);
    this.pending = [];
    this.pendingSizeBytes = COUNT_BYTES;
    this.publish(batch);
  }

  /** Drops what is waiting (the node is stopping). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
    this.pendingSizeBytes = COUNT_BYTES;
  }
}
