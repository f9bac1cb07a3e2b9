/**
 * Blocks, commit certificates and indices on LevelDB (classic-level). One atomic batch per block
 * holds the block, its certificate, its indices and the new tip, so after a crash the store is at
 * one block or the next, never between.
 */
import { ClassicLevel } from 'classic-level';
import { blockHash, decodeBlock, decodeCommit, encodeBlock, encodeCommit, txId } from '../chain/codec.ts';
import { decodeEvidence, evidenceHash } from '../chain/evidence.ts';
import { toHex, utf8 } from '../chain/hash.ts';
import { payloadName, TxType, type Block, type Bytes, type CommitCertificate } from '../chain/types.ts';

const enc = (s: string) => utf8(s);
function u64(n: number): Bytes {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}
function readU64(b: Bytes, at = 0): number {
  return Number(new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(at));
}
const cat = (...parts: Bytes[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

const K = {
  tip: enc('tip'),
  block: (h: number) => cat(enc('b/'), u64(h)),
  commit: (h: number) => cat(enc('c/'), u64(h)),
  hash: (hash: Bytes) => cat(enc('h/'), hash),
  tx: (id: Bytes) => cat(enc('t/'), id),
  history: (name: string, h: number, i: number) => cat(enc(`n/${name}\0`), u64(h), u64(i)),
  historyPrefix: (name: string) => enc(`n/${name}\0`),
  evidence: (h: number, i: number) => cat(enc('e/'), u64(h), u64(i)),
};

export interface TxLocation {
  readonly height: number;
  readonly index: number;
}

export interface HistoryEntry {
  readonly height: number;
  readonly index: number;
  readonly txId: string;
}

/** Names a transaction is about, for the history index (a COMMIT hides its name). */
function txName(block: Block, index: number): string | undefined {
  return payloadName(block.txs[index]!.payload);
}

/** Where recorded evidence of equivocation came on chain, newest last in key order. */
export interface EvidenceLocation {
  readonly height: number;
  readonly index: number;
  /** evidenceHash of the evidence (its state key is evidenceKey of this). */
  readonly hash: string;
}

export class BlockStore {
  private readonly db: ClassicLevel<Bytes, Bytes>;

  private constructor(db: ClassicLevel<Bytes, Bytes>) {
    this.db = db;
  }

  static async open(dir: string): Promise<BlockStore> {
    const db = new ClassicLevel<Bytes, Bytes>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    return new BlockStore(db);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** Height of the last stored block; 0 when only genesis exists. */
  async tipHeight(): Promise<number> {
    const v = await this.db.get(K.tip);
    return v ? readU64(v) : 0;
  }

  async putBlock(block: Block, commit: CommitCertificate): Promise<void> {
    const h = block.header.height;
    const ops: { type: 'put'; key: Bytes; value: Bytes }[] = [
      { type: 'put', key: K.block(h), value: encodeBlock(block) },
      { type: 'put', key: K.commit(h), value: encodeCommit(commit) },
      { type: 'put', key: K.hash(blockHash(block.header)), value: u64(h) },
      { type: 'put', key: K.tip, value: u64(h) },
    ];
    block.txs.forEach((tx, i) => {
      const id = txId(tx);
      ops.push({ type: 'put', key: K.tx(id), value: cat(u64(h), u64(i)) });
      const name = txName(block, i);
      if (name !== undefined) ops.push({ type: 'put', key: K.history(name, h, i), value: id });
      // A final block's evidence decoded when it was applied, so this cannot fail.
      if (tx.payload.type === TxType.EVIDENCE) ops.push({ type: 'put', key: K.evidence(h, i), value: evidenceHash(decodeEvidence(tx.payload.evidence)) });
    });
    await this.db.batch(ops, { sync: true });
  }

  async getBlock(height: number): Promise<Block | undefined> {
    const v = await this.db.get(K.block(height));
    return v && decodeBlock(v);
  }

  /** The block and its certificate as stored (their canonical encodings), for serving peers. */
  async getEncoded(height: number): Promise<{ block: Bytes; commit: Bytes } | undefined> {
    const [block, commit] = await Promise.all([this.db.get(K.block(height)), this.db.get(K.commit(height))]);
    return block && commit ? { block, commit } : undefined;
  }

  async getCommit(height: number): Promise<CommitCertificate | undefined> {
    const v = await this.db.get(K.commit(height));
    return v && decodeCommit(v);
  }

  async heightOfHash(hash: Bytes): Promise<number | undefined> {
    const v = await this.db.get(K.hash(hash));
    return v && readU64(v);
  }

  async txLocation(id: Bytes): Promise<TxLocation | undefined> {
    const v = await this.db.get(K.tx(id));
    return v && { height: readU64(v), index: readU64(v, 8) };
  }

  /** Every name any stored transaction has touched, in byte order, each once. */
  async *names(): AsyncIterable<string> {
    const prefix = enc('n/');
    const upper = enc('n0');
    let last: string | undefined;
    for await (const key of this.db.keys({ gte: prefix, lt: upper })) {
      const end = key.indexOf(0, prefix.length);
      const name = new TextDecoder().decode(key.subarray(prefix.length, end));
      if (name !== last) yield name;
      last = name;
    }
  }

  async nameHistory(name: string, limit: number): Promise<HistoryEntry[]> {
    const prefix = K.historyPrefix(name);
    const upper = prefix.slice();
    upper[upper.length - 1]! += 1;
    const out: HistoryEntry[] = [];
    for await (const [key, value] of this.db.iterator({ gte: prefix, lt: upper, limit, reverse: true })) {
      out.push({ height: readU64(key, prefix.length), index: readU64(key, prefix.length + 8), txId: toHex(value) });
    }
    return out;
  }

  /** Recorded evidence, newest first. */
  async evidence(limit: number): Promise<EvidenceLocation[]> {
    const prefix = enc('e/');
    const out: EvidenceLocation[] = [];
    for await (const [key, value] of this.db.iterator({ gte: prefix, lt: enc('e0'), limit, reverse: true })) {
      out.push({ height: readU64(key, prefix.length), index: readU64(key, prefix.length + 8), hash: toHex(value) });
    }
    return out;
  }
}
