/** Transactions waiting for a block, in arrival order, under named limits. */
import { encodeTx, txId } from '../chain/codec.ts';
import { toHex } from '../chain/hash.ts';
import type { Tx } from '../chain/types.ts';
import { DcbtError } from '../errors.ts';

export interface MempoolLimits {
  readonly txCountMax: number;
  readonly sizeBytesMax: number;
  readonly perAccountTxCountMax: number;
}

export const DEFAULT_MEMPOOL_LIMITS: MempoolLimits = {
  txCountMax: 20_000,
  sizeBytesMax: 32 * 1024 * 1024,
  perAccountTxCountMax: 128,
};

export type MempoolErrorCode = 'MEMPOOL_FULL' | 'MEMPOOL_ACCOUNT_FULL' | 'TX_DUPLICATE';
export class MempoolError extends DcbtError<MempoolErrorCode, Record<string, unknown>> {}

export interface PoolEntry {
  readonly tx: Tx;
  readonly id: string;
  readonly sizeBytes: number;
  readonly account: string;
}

export class Mempool {
  private readonly entries = new Map<string, PoolEntry>();
  private readonly perAccount = new Map<string, number>();
  private sizeBytes = 0;
  readonly limits: MempoolLimits;

  constructor(limits: MempoolLimits = DEFAULT_MEMPOOL_LIMITS) {
    this.limits = limits;
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** Checks the limits for `tx` without adding it. */
  admissible(tx: Tx): PoolEntry {
    const id = toHex(txId(tx));
    if (this.entries.has(id)) throw new MempoolError('TX_DUPLICATE', `transaction ${id} is already waiting for a block`, { txId: id });
    const sizeBytes = encodeTx(tx).length;
    if (this.entries.size >= this.limits.txCountMax || this.sizeBytes + sizeBytes > this.limits.sizeBytesMax) {
      throw new MempoolError('MEMPOOL_FULL', `the node's queue of pending transactions is full (${this.entries.size} transactions); try again in a few seconds`, { txCount: this.entries.size });
    }
    const account = toHex(tx.account);
    const count = this.perAccount.get(account) ?? 0;
    if (count >= this.limits.perAccountTxCountMax) {
      throw new MempoolError('MEMPOOL_ACCOUNT_FULL', `account ${account} already has ${count} transactions waiting; wait for them to be included`, { account, count });
    }
    return { tx, id, sizeBytes, account };
  }

  add(entry: PoolEntry): void {
    this.entries.set(entry.id, entry);
    this.perAccount.set(entry.account, (this.perAccount.get(entry.account) ?? 0) + 1);
    this.sizeBytes += entry.sizeBytes;
  }

  remove(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    const n = (this.perAccount.get(e.account) ?? 1) - 1;
    if (n === 0) this.perAccount.delete(e.account);
    else this.perAccount.set(e.account, n);
    this.sizeBytes -= e.sizeBytes;
  }

  /** Entries in arrival order. */
  list(): PoolEntry[] {
    return [...this.entries.values()];
  }
}
