/**
 * The ledger's view of state: a synchronous key → value reader. The node prefetches what a block
 * touches (see `keysTouched`) from the on-disk tree, so the rules stay synchronous and pure; an
 * overlay collects writes so a block can be applied, inspected and thrown away.
 */
import { decodeAccount, decodeCommitment, decodeNameRecord, encodeAccount, encodeCommitment, encodeNameRecord } from '../codec.ts';
import { toHex } from '../hash.ts';
import { accountKey, commitKey, nameKey } from '../keys.ts';
import type { AccountRecord, Bytes, CommitmentRecord, Genesis, NameRecord } from '../types.ts';

export interface StateReader {
  /** undefined = absent. Throws if asked for a key the caller did not make available. */
  get(key: Bytes): Bytes | undefined;
}

/** Writes by hex key; undefined marks a deletion. */
export type WriteSet = Map<string, Bytes | undefined>;

/** Where the chain stands: the last applied block. */
export interface ChainTip {
  readonly height: number;
  readonly hash: Bytes;
  readonly timeMs: number;
}

export interface LedgerState {
  readonly genesis: Genesis;
  readonly tip: ChainTip;
  readonly kv: StateReader;
}

export class MapState implements StateReader {
  readonly entries: Map<string, Bytes | undefined>;
  constructor(entries: Map<string, Bytes | undefined> = new Map()) {
    this.entries = entries;
  }
  get(key: Bytes): Bytes | undefined {
    return this.entries.get(toHex(key));
  }
}

export class Overlay implements StateReader {
  readonly writes: WriteSet = new Map();
  private readonly base: StateReader;
  constructor(base: StateReader) {
    this.base = base;
  }
  get(key: Bytes): Bytes | undefined {
    const hex = toHex(key);
    return this.writes.has(hex) ? this.writes.get(hex) : this.base.get(key);
  }
  set(key: Bytes, value: Bytes | undefined): void {
    this.writes.set(toHex(key), value);
  }

  getName(label: string): NameRecord | undefined {
    const v = this.get(nameKey(label));
    return v && decodeNameRecord(v);
  }
  putName(record: NameRecord): void {
    this.set(nameKey(record.name), encodeNameRecord(record));
  }
  getCommitment(commitment: Bytes): CommitmentRecord | undefined {
    const v = this.get(commitKey(commitment));
    return v && decodeCommitment(v);
  }
  putCommitment(commitment: Bytes, record: CommitmentRecord | undefined): void {
    this.set(commitKey(commitment), record && encodeCommitment(record));
  }
  getAccount(publicKey: Bytes): AccountRecord {
    const v = this.get(accountKey(publicKey));
    return v ? decodeAccount(v) : { nonce: 0 };
  }
  putAccount(publicKey: Bytes, record: AccountRecord): void {
    this.set(accountKey(publicKey), encodeAccount(record));
  }
}
