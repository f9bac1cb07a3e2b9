import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CodecError,
  EVIDENCE_SIZE_BYTES_MAX,
  blockHash,
  decodeBlock,
  decodeCommit,
  decodeEvidenceRecord,
  decodeHeader,
  decodeNameRecord,
  decodeTx,
  encodeBlock,
  encodeCommit,
  encodeEvidenceRecord,
  encodeHeader,
  encodeNameRecord,
  encodeTx,
  merkleRoot,
  txId,
} from './codec.ts';
import { compareBytes, sha256 } from './hash.ts';
import { TxType, type Block, type BlockHeader, type CommitCertificate, type DnsRecord, type EvidenceRecord, type NameRecord, type Tx, type TxPayload } from './types.ts';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const u64 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const label = fc.string({ minLength: 0, maxLength: 40 });
const record: fc.Arbitrary<DnsRecord> = fc.record({ host: label, type: fc.integer({ min: 0, max: 0xffff }), rdata: fc.uint8Array({ maxLength: 300 }) });
const records = fc.array(record, { maxLength: 6 });

const payload: fc.Arbitrary<TxPayload> = fc.oneof(
  fc.record({ type: fc.constant(TxType.COMMIT), commitment: bytes(32) }),
  fc.record({ type: fc.constant(TxType.REGISTER), name: label, salt: bytes(32), records }),
  fc.record({ type: fc.constant(TxType.UPDATE), name: label, records }),
  fc.record({ type: fc.constant(TxType.TRANSFER), name: label, to: bytes(32) }),
  fc.record({ type: fc.constant(TxType.RENEW), name: label }),
  // The codec carries evidence as opaque bytes up to its bound; the EVIDENCE rule decodes them.
  fc.record({ type: fc.constant(TxType.EVIDENCE), evidence: fc.uint8Array({ maxLength: EVIDENCE_SIZE_BYTES_MAX }) }),
);

export const arbTx: fc.Arbitrary<Tx> = fc.record({
  chainId: label,
  account: bytes(32),
  nonce: u64,
  payload,
  stamp: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  signature: bytes(64),
});

const header: fc.Arbitrary<BlockHeader> = fc.record({
  chainId: label,
  height: u64,
  timeMs: u64,
  prevHash: bytes(32),
  txRoot: bytes(32),
  stateRoot: bytes(32),
  validatorsHash: bytes(32),
  proposer: bytes(32),
});

const block: fc.Arbitrary<Block> = fc.record({ header, txs: fc.array(arbTx, { maxLength: 4 }) });

const commit: fc.Arbitrary<CommitCertificate> = fc
  .record({
    height: u64,
    round: fc.integer({ min: 0, max: 0xffffffff }),
    blockHash: bytes(32),
    signatures: fc.uniqueArray(fc.record({ validator: bytes(32), signature: bytes(64) }), { maxLength: 5, selector: (s) => Buffer.from(s.validator).toString('hex') }),
  })
  .map((c) => ({ ...c, signatures: [...c.signatures].sort((a, b) => compareBytes(a.validator, b.validator)) }));

const nameRecord: fc.Arbitrary<NameRecord> = fc.record({
  name: label,
  owner: bytes(32),
  records,
  registeredHeight: u64,
  updatedHeight: u64,
  expiresAtMs: u64,
});

const evidenceRecord: fc.Arbitrary<EvidenceRecord> = fc.record({
  kind: fc.constantFrom('duplicate-vote' as const, 'duplicate-proposal' as const),
  offender: bytes(32),
  height: u64,
  round: fc.integer({ min: 0, max: 0xffffffff }),
  power: u64,
  includedHeight: u64,
  reporter: bytes(32),
});

interface Codec<T> {
  name: string;
  arb: fc.Arbitrary<T>;
  encode(v: T): Uint8Array;
  decode(b: Uint8Array): T;
}

const codecs: Codec<unknown>[] = [
  { name: 'transaction', arb: arbTx, encode: encodeTx, decode: decodeTx } as Codec<unknown>,
  { name: 'header', arb: header, encode: encodeHeader, decode: decodeHeader } as Codec<unknown>,
  { name: 'block', arb: block, encode: encodeBlock, decode: decodeBlock } as Codec<unknown>,
  { name: 'commit certificate', arb: commit, encode: encodeCommit, decode: decodeCommit } as Codec<unknown>,
  { name: 'name record', arb: nameRecord, encode: encodeNameRecord, decode: decodeNameRecord } as Codec<unknown>,
  { name: 'evidence record', arb: evidenceRecord, encode: encodeEvidenceRecord, decode: decodeEvidenceRecord } as Codec<unknown>,
];

/** A mutation of an encoding: flip a byte, cut it short, extend it, or splice random bytes in. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), extra: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

function mutate(b: Uint8Array, m: { kind: string; at?: number; xor?: number; extra?: Uint8Array }): Uint8Array {
  const at = b.length === 0 ? 0 : (m.at ?? 0) % b.length;
  switch (m.kind) {
    case 'flip': {
      const out = b.slice();
      if (out.length > 0) out[at]! ^= m.xor!;
      return out;
    }
    case 'truncate':
      return b.slice(0, at);
    case 'append':
      return Uint8Array.from([...b, ...m.extra!]);
    default:
      return Uint8Array.from([...b.slice(0, at), ...m.extra!, ...b.slice(at)]);
  }
}

for (const codec of codecs) {
  test(`${codec.name}: decode(encode(v)) = v`, () => {
    fc.assert(fc.property(codec.arb, (v) => assert.deepEqual(codec.decode(codec.encode(v)), structuredClone(v))), { numRuns: 300 });
  });

  test(`${codec.name}: any bytes that decode re-encode to exactly themselves (one encoding per value)`, () => {
    fc.assert(
      fc.property(codec.arb, mutation, (v, m) => {
        const bad = mutate(codec.encode(v), m);
        let decoded: unknown;
        try {
          decoded = codec.decode(bad);
        } catch (error) {
          assert.ok(error instanceof CodecError || error instanceof RangeError, `unexpected ${String(error)}`);
          return;
        }
        assert.deepEqual(codec.encode(decoded), bad);
      }),
      { numRuns: 1000 },
    );
  });
}

test('decoders refuse trailing bytes, oversized integers and invalid UTF-8 with a CodecError', () => {
  const tx = fc.sample(arbTx, { numRuns: 1, seed: 7 })[0]!;
  const enc = encodeTx(tx);
  assert.throws(() => decodeTx(Uint8Array.from([...enc, 0])), (e: unknown) => e instanceof CodecError && /trailing/.test(e.message));
  const rec = encodeNameRecord({ name: 'a', owner: new Uint8Array(32), records: [], registeredHeight: 0, updatedHeight: 0, expiresAtMs: 0 });
  const big = rec.slice();
  big.fill(0xff, big.length - 8);
  assert.throws(() => decodeNameRecord(big), /2\^53/);
  const badUtf8 = rec.slice();
  badUtf8[2] = 0xc3; // 'a' replaced by a lone lead byte
  assert.throws(() => decodeNameRecord(badUtf8), /UTF-8/);
});

test('commit certificates with unsorted or repeated validators are refused', () => {
  const a = { validator: new Uint8Array(32).fill(1), signature: new Uint8Array(64) };
  const b = { validator: new Uint8Array(32).fill(2), signature: new Uint8Array(64) };
  const ok = encodeCommit({ height: 1, round: 0, blockHash: new Uint8Array(32), signatures: [a, b] });
  assert.equal(decodeCommit(ok).signatures.length, 2);
  const unsorted = encodeCommit({ height: 1, round: 0, blockHash: new Uint8Array(32), signatures: [b, a] });
  assert.throws(() => decodeCommit(unsorted), /not sorted/);
  const repeated = encodeCommit({ height: 1, round: 0, blockHash: new Uint8Array(32), signatures: [a, a] });
  assert.throws(() => decodeCommit(repeated), /not sorted/);
});

test('hashes: a header hash changes with any field; tx ids differ for different txs', () => {
  fc.assert(
    fc.property(header, header, (h1, h2) => {
      const same = Buffer.from(encodeHeader(h1)).equals(Buffer.from(encodeHeader(h2)));
      assert.equal(Buffer.from(blockHash(h1)).equals(Buffer.from(blockHash(h2))), same);
    }),
  );
  fc.assert(fc.property(arbTx, arbTx, (a, b) => assert.equal(Buffer.from(txId(a)).equals(Buffer.from(txId(b))), Buffer.from(encodeTx(a)).equals(Buffer.from(encodeTx(b))))));
});

test('merkleRoot: empty is sha256(""), one leaf is tagged, order matters, a leaf cannot pose as a node', () => {
  assert.deepEqual(merkleRoot([]), sha256());
  const l = [new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])];
  assert.deepEqual(merkleRoot([l[0]!]), sha256(new Uint8Array([0]), l[0]!));
  assert.notDeepEqual(merkleRoot(l), merkleRoot([l[1]!, l[0]!, l[2]!]));
  const inner = Uint8Array.from([...sha256(new Uint8Array([0]), l[0]!), ...sha256(new Uint8Array([0]), l[1]!)]);
  assert.notDeepEqual(merkleRoot([inner]), merkleRoot([l[0]!, l[1]!]));
});

test('an EVIDENCE payload longer than the largest evidence is refused by encoder and decoder', () => {
  const tx: Tx = { chainId: 'c', account: new Uint8Array(32), nonce: 0, payload: { type: TxType.EVIDENCE, evidence: new Uint8Array(EVIDENCE_SIZE_BYTES_MAX) }, stamp: 0n, signature: new Uint8Array(64) };
  const ok = encodeTx(tx);
  assert.deepEqual(decodeTx(ok), tx);
  assert.throws(() => encodeTx({ ...tx, payload: { type: TxType.EVIDENCE, evidence: new Uint8Array(EVIDENCE_SIZE_BYTES_MAX + 1) } }), RangeError);
  // Same transaction with a length prefix one larger and one more byte: the decoder must refuse it.
  const at = ok.length - 8 - 64 - EVIDENCE_SIZE_BYTES_MAX - 2;
  const long = Uint8Array.from([...ok.slice(0, at), (EVIDENCE_SIZE_BYTES_MAX + 1) >> 8, (EVIDENCE_SIZE_BYTES_MAX + 1) & 0xff, 0, ...ok.slice(at + 2)]);
  assert.throws(() => decodeTx(long), (e: unknown) => e instanceof CodecError && /exceeds/.test(e.message));
});
