/**
 * The one binary encoding of every chain value. Fixed-width big-endian integers, length-prefixed
 * strings and byte strings, lists with a count; decoders refuse anything the encoder would not
 * produce (trailing bytes, non-canonical UTF-8, numbers past 2^53, unsorted signature lists), so
 * a value has exactly one encoding and therefore exactly one hash.
 */
import { DcbtError } from '../errors.ts';
import { compareBytes, sha256, utf8 } from './hash.ts';
import {
  TxType,
  type Block,
  type BlockHeader,
  type Bytes,
  type CommitCertificate,
  type CommitmentRecord,
  type AccountRecord,
  type DnsRecord,
  type EvidenceKind,
  type EvidenceRecord,
  type NameRecord,
  type Tx,
  type TxBody,
  type TxPayload,
  type Validator,
} from './types.ts';

export const FORMAT_VERSION = 1;
/** Upper bounds the decoder enforces before allocating. */
export const TX_SIZE_BYTES_MAX = 8 * 1024;
export const BLOCK_SIZE_BYTES_MAX = 16 * 1024 * 1024;
export const RECORDS_COUNT_MAX = 255;
export const SIGNATURES_COUNT_MAX = 1024;
/**
 * Encoded evidence of equivocation (an EVIDENCE payload) is at most this long: format version,
 * kind, and two signed proposals of 144 bytes each (the larger pair; `src/chain/evidence.ts`).
 */
export const EVIDENCE_SIZE_BYTES_MAX = 2 + 2 * 144;

export class CodecError extends DcbtError<'DECODE_FAILED', { what: string; offset: number }> {
  constructor(what: string, offset: number, reason: string) {
    super('DECODE_FAILED', `cannot decode ${what}: ${reason} at byte ${offset}`, { what, offset });
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;

  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`u8 out of range: ${v}`);
    this.ensure(1);
    this.buf[this.len++] = v;
    return this;
  }
  u16(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`u16 out of range: ${v}`);
    this.ensure(2);
    this.view.setUint16(this.len, v);
    this.len += 2;
    return this;
  }
  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`u32 out of range: ${v}`);
    this.ensure(4);
    this.view.setUint32(this.len, v);
    this.len += 4;
    return this;
  }
  /** A non-negative safe integer as 8 bytes. */
  u64(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`u64 must be a safe non-negative integer: ${v}`);
    return this.u64n(BigInt(v));
  }
  u64n(v: bigint): this {
    if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`u64 out of range: ${v}`);
    this.ensure(8);
    this.view.setBigUint64(this.len, v);
    this.len += 8;
    return this;
  }
  fixed(bytes: Bytes, n: number): this {
    if (bytes.length !== n) throw new RangeError(`expected ${n} bytes, got ${bytes.length}`);
    this.ensure(n);
    this.buf.set(bytes, this.len);
    this.len += n;
    return this;
  }
  raw(bytes: Bytes): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    return this;
  }
  /** u8 length + UTF-8. */
  str8(s: string): this {
    const b = utf8(s);
    this.u8(b.length);
    return this.raw(b);
  }
  /** u16 length + bytes. */
  bytes16(b: Bytes): this {
    this.u16(b.length);
    return this.raw(b);
  }
  /** u32 length + bytes. */
  bytes32(b: Bytes): this {
    this.u32(b.length);
    return this.raw(b);
  }
  finish(): Bytes {
    return this.buf.slice(0, this.len);
  }
}

export class Reader {
  private readonly view: DataView;
  private readonly buf: Bytes;
  private readonly what: string;
  offset = 0;

  constructor(buf: Bytes, what: string) {
    // A Buffer's slice() shares memory; read through a plain view so decoded bytes are copies.
    this.buf = Object.getPrototypeOf(buf) === Uint8Array.prototype ? buf : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    this.what = what;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  fail(reason: string): never {
    throw new CodecError(this.what, this.offset, reason);
  }
  private need(n: number): void {
    if (this.offset + n > this.buf.length) this.fail(`needs ${n} more bytes, ${this.buf.length - this.offset} left`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.offset++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.offset);
    this.offset += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.offset);
    this.offset += 4;
    return v;
  }
  u64(): number {
    const v = this.u64n();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('integer larger than 2^53 - 1');
    return Number(v);
  }
  u64n(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.offset);
    this.offset += 8;
    return v;
  }
  fixed(n: number): Bytes {
    this.need(n);
    const out = this.buf.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  str8(): string {
    const n = this.u8();
    const bytes = this.fixed(n);
    try {
      return decoder.decode(bytes);
    } catch {
      return this.fail('invalid UTF-8');
    }
  }
  bytes16(): Bytes {
    return this.fixed(this.u16());
  }
  bytes32(max: number): Bytes {
    const n = this.u32();
    if (n > max) this.fail(`length ${n} exceeds ${max}`);
    return this.fixed(n);
  }
  end(): void {
    if (this.offset !== this.buf.length) this.fail(`${this.buf.length - this.offset} trailing bytes`);
  }
}

// ---- records ---------------------------------------------------------------------------------

function writeRecords(w: Writer, records: readonly DnsRecord[]): void {
  if (records.length > RECORDS_COUNT_MAX) throw new RangeError(`at most ${RECORDS_COUNT_MAX} records`);
  w.u8(records.length);
  for (const r of records) w.str8(r.host).u16(r.type).bytes16(r.rdata);
}

function readRecords(r: Reader): DnsRecord[] {
  const n = r.u8();
  const out: DnsRecord[] = [];
  for (let i = 0; i < n; i++) out.push({ host: r.str8(), type: r.u16(), rdata: r.bytes16() });
  return out;
}

// ---- transactions ----------------------------------------------------------------------------

function writePayload(w: Writer, p: TxPayload): void {
  w.u8(p.type);
  switch (p.type) {
    case TxType.COMMIT:
      w.fixed(p.commitment, 32);
      return;
    case TxType.REGISTER:
      w.str8(p.name).fixed(p.salt, 32);
      writeRecords(w, p.records);
      return;
    case TxType.UPDATE:
      w.str8(p.name);
      writeRecords(w, p.records);
      return;
    case TxType.TRANSFER:
      w.str8(p.name).fixed(p.to, 32);
      return;
    case TxType.RENEW:
      w.str8(p.name);
      return;
    case TxType.EVIDENCE:
      if (p.evidence.length > EVIDENCE_SIZE_BYTES_MAX) throw new RangeError(`evidence is at most ${EVIDENCE_SIZE_BYTES_MAX} bytes`);
      w.bytes16(p.evidence);
      return;
  }
}

function readPayload(r: Reader): TxPayload {
  const type = r.u8();
  switch (type) {
    case TxType.COMMIT:
      return { type, commitment: r.fixed(32) };
    case TxType.REGISTER:
      return { type, name: r.str8(), salt: r.fixed(32), records: readRecords(r) };
    case TxType.UPDATE:
      return { type, name: r.str8(), records: readRecords(r) };
    case TxType.TRANSFER:
      return { type, name: r.str8(), to: r.fixed(32) };
    case TxType.RENEW:
      return { type, name: r.str8() };
    case TxType.EVIDENCE: {
      // Kept as bytes here: the EVIDENCE rule decodes and checks them (src/chain/evidence.ts).
      const evidence = r.bytes16();
      if (evidence.length > EVIDENCE_SIZE_BYTES_MAX) r.fail(`evidence of ${evidence.length} bytes exceeds ${EVIDENCE_SIZE_BYTES_MAX}`);
      return { type, evidence };
    }
    default:
      return r.fail(`unknown transaction type ${type}`);
  }
}

function writeBody(w: Writer, body: TxBody): void {
  w.u8(FORMAT_VERSION).str8(body.chainId).fixed(body.account, 32).u64(body.nonce);
  writePayload(w, body.payload);
}

function readBody(r: Reader): TxBody {
  const version = r.u8();
  if (version !== FORMAT_VERSION) r.fail(`unknown format version ${version}`);
  return { chainId: r.str8(), account: r.fixed(32), nonce: r.u64(), payload: readPayload(r) };
}

export function encodeTxBody(body: TxBody): Bytes {
  const w = new Writer();
  writeBody(w, body);
  return w.finish();
}

const POW_TAG = utf8('dcbt/tx/pow\0');
const SIG_TAG = utf8('dcbt/tx/sig\0');

/** What the hashcash stamp is computed over (the stamp's 8 bytes are appended). */
export function stampPreimage(body: TxBody): Bytes {
  const w = new Writer();
  w.raw(POW_TAG);
  writeBody(w, body);
  return w.finish();
}

/** What the account signs: the body and its stamp, under a domain tag. */
export function signingBytes(body: TxBody, stamp: bigint): Bytes {
  const w = new Writer();
  w.raw(SIG_TAG);
  writeBody(w, body);
  w.u64n(stamp);
  return w.finish();
}

function writeTx(w: Writer, tx: Tx): void {
  writeBody(w, tx);
  w.u64n(tx.stamp).fixed(tx.signature, 64);
}

function readTx(r: Reader): Tx {
  const body = readBody(r);
  return { ...body, stamp: r.u64n(), signature: r.fixed(64) };
}

/**
 * Encodings and ids of transaction objects already seen. A transaction is encoded for its id,
 * its size, gossip and storage, several times on its way from admission to a block; transaction
 * objects are never mutated, so each is encoded (and hashed) once. The bytes returned are shared:
 * callers must not modify them.
 */
const encodedTxs = new WeakMap<Tx, Bytes>();
const txIds = new WeakMap<Tx, Bytes>();

export function encodeTx(tx: Tx): Bytes {
  let bytes = encodedTxs.get(tx);
  if (!bytes) {
    const w = new Writer();
    writeTx(w, tx);
    bytes = w.finish();
    encodedTxs.set(tx, bytes);
  }
  return bytes;
}

export function decodeTx(bytes: Bytes): Tx {
  if (bytes.length > TX_SIZE_BYTES_MAX) throw new CodecError('transaction', 0, `size ${bytes.length} exceeds ${TX_SIZE_BYTES_MAX} bytes`);
  const r = new Reader(bytes, 'transaction');
  const tx = readTx(r);
  r.end();
  // A copy: the caller may reuse its buffer; the decoded transaction must not change with it.
  encodedTxs.set(tx, new Uint8Array(bytes));
  return tx;
}

export function txId(tx: Tx): Bytes {
  let id = txIds.get(tx);
  if (!id) {
    id = sha256(encodeTx(tx));
    txIds.set(tx, id);
  }
  return id;
}

// ---- blocks ----------------------------------------------------------------------------------

export function writeHeader(w: Writer, h: BlockHeader): void {
  w.u8(FORMAT_VERSION).str8(h.chainId).u64(h.height).u64(h.timeMs);
  w.fixed(h.prevHash, 32).fixed(h.txRoot, 32).fixed(h.stateRoot, 32).fixed(h.validatorsHash, 32).fixed(h.proposer, 32);
}

export function readHeader(r: Reader): BlockHeader {
  const version = r.u8();
  if (version !== FORMAT_VERSION) r.fail(`unknown format version ${version}`);
  return {
    chainId: r.str8(),
    height: r.u64(),
    timeMs: r.u64(),
    prevHash: r.fixed(32),
    txRoot: r.fixed(32),
    stateRoot: r.fixed(32),
    validatorsHash: r.fixed(32),
    proposer: r.fixed(32),
  };
}

export function encodeHeader(h: BlockHeader): Bytes {
  const w = new Writer(200);
  writeHeader(w, h);
  return w.finish();
}

export function decodeHeader(bytes: Bytes): BlockHeader {
  const r = new Reader(bytes, 'block header');
  const h = readHeader(r);
  r.end();
  return h;
}

export function blockHash(h: BlockHeader): Bytes {
  return sha256(encodeHeader(h));
}

export function encodeBlock(block: Block): Bytes {
  const w = new Writer(1024);
  writeHeader(w, block.header);
  w.u32(block.txs.length);
  for (const tx of block.txs) w.bytes32(encodeTx(tx));
  return w.finish();
}

export function decodeBlock(bytes: Bytes): Block {
  if (bytes.length > BLOCK_SIZE_BYTES_MAX) throw new CodecError('block', 0, `size ${bytes.length} exceeds ${BLOCK_SIZE_BYTES_MAX} bytes`);
  const r = new Reader(bytes, 'block');
  const header = readHeader(r);
  const n = r.u32();
  const txs: Tx[] = [];
  for (let i = 0; i < n; i++) txs.push(decodeTx(r.bytes32(TX_SIZE_BYTES_MAX)));
  r.end();
  return { header, txs };
}

// ---- commit certificates and votes -----------------------------------------------------------

export function encodeCommit(c: CommitCertificate): Bytes {
  if (c.signatures.length > SIGNATURES_COUNT_MAX) throw new RangeError(`at most ${SIGNATURES_COUNT_MAX} signatures`);
  const w = new Writer(128 + 96 * c.signatures.length);
  w.u64(c.height).u32(c.round).fixed(c.blockHash, 32).u16(c.signatures.length);
  for (const s of c.signatures) w.fixed(s.validator, 32).fixed(s.signature, 64);
  return w.finish();
}

export function decodeCommit(bytes: Bytes): CommitCertificate {
  const r = new Reader(bytes, 'commit certificate');
  const height = r.u64();
  const round = r.u32();
  const hash = r.fixed(32);
  const n = r.u16();
  if (n > SIGNATURES_COUNT_MAX) r.fail(`${n} signatures exceed ${SIGNATURES_COUNT_MAX}`);
  const signatures = [];
  for (let i = 0; i < n; i++) {
    const validator = r.fixed(32);
    const prev = signatures[i - 1];
    // Sorted and unique by validator key: one encoding per certificate, no double counting.
    if (prev && compareBytes(prev.validator, validator) >= 0) r.fail('signatures not sorted by validator key');
    signatures.push({ validator, signature: r.fixed(64) });
  }
  r.end();
  return { height, round, blockHash: hash, signatures };
}

export const VoteStep = { PREVOTE: 1, PRECOMMIT: 2 } as const;
export type VoteStep = (typeof VoteStep)[keyof typeof VoteStep];
const VOTE_TAG = utf8('dcbt/vote\0');

/** The bytes a validator signs for a vote; a nil vote has an all-zero block hash. */
export function voteSigningBytes(chainId: string, step: VoteStep, height: number, round: number, hash: Bytes): Bytes {
  const w = new Writer(96);
  w.raw(VOTE_TAG).str8(chainId).u8(step).u64(height).u32(round).fixed(hash, 32);
  return w.finish();
}

export function validatorsHash(validators: readonly Validator[]): Bytes {
  const sorted = [...validators].sort((a, b) => compareBytes(a.publicKey, b.publicKey));
  const w = new Writer(8 + 40 * sorted.length);
  w.u16(sorted.length);
  for (const v of sorted) w.fixed(v.publicKey, 32).u64(v.power);
  return sha256(w.finish());
}

// ---- state values ----------------------------------------------------------------------------

export function encodeNameRecord(n: NameRecord): Bytes {
  const w = new Writer(256);
  w.u8(FORMAT_VERSION).str8(n.name).fixed(n.owner, 32);
  writeRecords(w, n.records);
  w.u64(n.registeredHeight).u64(n.updatedHeight).u64(n.expiresAtMs);
  return w.finish();
}

export function decodeNameRecord(bytes: Bytes): NameRecord {
  const r = new Reader(bytes, 'name record');
  const version = r.u8();
  if (version !== FORMAT_VERSION) r.fail(`unknown format version ${version}`);
  const n = {
    name: r.str8(),
    owner: r.fixed(32),
    records: readRecords(r),
    registeredHeight: r.u64(),
    updatedHeight: r.u64(),
    expiresAtMs: r.u64(),
  };
  r.end();
  return n;
}

export function encodeCommitment(c: CommitmentRecord): Bytes {
  return new Writer(40).fixed(c.account, 32).u64(c.height).finish();
}

export function decodeCommitment(bytes: Bytes): CommitmentRecord {
  const r = new Reader(bytes, 'commitment');
  const c = { account: r.fixed(32), height: r.u64() };
  r.end();
  return c;
}

export function encodeAccount(a: AccountRecord): Bytes {
  return new Writer(8).u64(a.nonce).finish();
}

export function decodeAccount(bytes: Bytes): AccountRecord {
  const r = new Reader(bytes, 'account');
  const a = { nonce: r.u64() };
  r.end();
  return a;
}

const EVIDENCE_KINDS: readonly EvidenceKind[] = ['duplicate-vote', 'duplicate-proposal'];

export function encodeEvidenceRecord(e: EvidenceRecord): Bytes {
  const w = new Writer(128);
  w.u8(FORMAT_VERSION).u8(EVIDENCE_KINDS.indexOf(e.kind) + 1).fixed(e.offender, 32).u64(e.height).u32(e.round).u64(e.power).u64(e.includedHeight).fixed(e.reporter, 32);
  return w.finish();
}

export function decodeEvidenceRecord(bytes: Bytes): EvidenceRecord {
  const r = new Reader(bytes, 'evidence record');
  const version = r.u8();
  if (version !== FORMAT_VERSION) r.fail(`unknown format version ${version}`);
  const kind = EVIDENCE_KINDS[r.u8() - 1] ?? r.fail('unknown evidence kind');
  const e = { kind, offender: r.fixed(32), height: r.u64(), round: r.u32(), power: r.u64(), includedHeight: r.u64(), reporter: r.fixed(32) };
  r.end();
  return e;
}

const COMMITMENT_TAG = utf8('dcbt/commitment\0');

/** Hides a name until REGISTER: binds it to its future owner and a secret salt. */
export function commitmentHash(name: string, owner: Bytes, salt: Bytes): Bytes {
  return sha256(new Writer(128).raw(COMMITMENT_TAG).str8(name).fixed(owner, 32).fixed(salt, 32).finish());
}

// ---- Merkle root over transaction ids ----------------------------------------------------------
// Leaves and inner nodes are hashed under different prefixes (as in RFC 6962) so a leaf can never
// pass for an inner node; an odd node at the end of a level moves up unchanged.

const LEAF = new Uint8Array([0]);
const NODE = new Uint8Array([1]);

export function merkleRoot(leaves: readonly Bytes[]): Bytes {
  if (leaves.length === 0) return sha256();
  let level = leaves.map((l) => sha256(LEAF, l));
  while (level.length > 1) {
    const next: Bytes[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const right = level[i + 1];
      next.push(right ? sha256(NODE, level[i]!, right) : level[i]!);
    }
    level = next;
  }
  return level[0]!;
}

export function txRoot(txs: readonly Tx[]): Bytes {
  return merkleRoot(txs.map(txId));
}
