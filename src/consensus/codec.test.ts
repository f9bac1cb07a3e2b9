import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CodecError, txId, VoteStep } from '../chain/codec.ts';
import { compareBytes } from '../chain/hash.ts';
import { TxType, type Block, type Tx } from '../chain/types.ts';
import {
  CONSENSUS_MESSAGE_SIZE_BYTES_MAX,
  VOTE_MESSAGE_SIZE_BYTES,
  decodeCompactProposal,
  decodeConsensusMessage,
  decodeEvidence,
  decodePersistedState,
  duplicateProposalEvidence,
  duplicateVoteEvidence,
  encodeCompactProposal,
  encodeConsensusMessage,
  encodeEvidence,
  encodePersistedState,
  evidenceHash,
} from './codec.ts';
import type { ConsensusMessage, Evidence, PersistedState, SignedProposal, SignedVote } from './types.ts';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
/** A block hash; all zeros is the nil encoding, so a real hash never is. */
const hash = bytes(32).filter((b) => b.some((x) => x !== 0));
const u64 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const round = fc.integer({ min: 0, max: 0xfffffffe });

const tx: fc.Arbitrary<Tx> = fc.record({
  chainId: fc.string({ maxLength: 20 }),
  account: bytes(32),
  nonce: u64,
  payload: fc.oneof(
    fc.record({ type: fc.constant(TxType.COMMIT), commitment: bytes(32) }),
    fc.record({ type: fc.constant(TxType.RENEW), name: fc.string({ maxLength: 30 }) }),
    fc.record({ type: fc.constant(TxType.TRANSFER), name: fc.string({ maxLength: 30 }), to: bytes(32) }),
  ),
  stamp: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  signature: bytes(64),
});

const block: fc.Arbitrary<Block> = fc.record({
  header: fc.record({
    chainId: fc.string({ maxLength: 20 }),
    height: u64,
    timeMs: u64,
    prevHash: bytes(32),
    txRoot: bytes(32),
    stateRoot: bytes(32),
    validatorsHash: bytes(32),
    proposer: bytes(32),
  }),
  txs: fc.array(tx, { maxLength: 3 }),
});

const vote: fc.Arbitrary<SignedVote> = fc.record({
  step: fc.constantFrom(VoteStep.PREVOTE, VoteStep.PRECOMMIT),
  height: u64,
  round,
  blockHash: fc.option(hash, { nil: null }),
  validator: bytes(32),
  signature: bytes(64),
});

const proposal: fc.Arbitrary<SignedProposal> = fc.record({
  height: u64,
  round,
  polRound: fc.integer({ min: -1, max: 0xfffffffd }),
  blockHash: hash,
  proposer: bytes(32),
  signature: bytes(64),
});

const evidence: fc.Arbitrary<Evidence> = fc.oneof(
  fc.tuple(vote, hash).map(([v, other]) => duplicateVoteEvidence(v, { ...v, blockHash: other, signature: v.signature.map((x) => x ^ 1) })).filter((e) => e.kind === 'duplicate-vote' && compareBytes(e.a.blockHash ?? new Uint8Array(32), e.b.blockHash ?? new Uint8Array(32)) !== 0),
  fc.tuple(proposal, hash).map(([p, other]) => duplicateProposalEvidence(p, { ...p, blockHash: other })).filter((e) => e.kind === 'duplicate-proposal' && compareBytes(e.a.blockHash, e.b.blockHash) !== 0),
);

const message: fc.Arbitrary<ConsensusMessage> = fc.oneof(
  fc.record({ type: fc.constant('proposal' as const), proposal, block }),
  fc.record({ type: fc.constant('vote' as const), vote }),
  fc.record({ type: fc.constant('evidence' as const), evidence }),
);

const persisted: fc.Arbitrary<PersistedState> = fc.record({
  height: u64,
  round,
  step: fc.constantFrom('propose' as const, 'prevote' as const, 'precommit' as const),
  locked: fc.option(fc.record({ round, block }), { nil: null }),
  valid: fc.option(fc.record({ round, block, polka: fc.array(vote, { maxLength: 4 }) }), { nil: null }),
  votes: fc.array(vote, { maxLength: 6 }),
  proposal: fc.option(fc.record({ proposal, block }), { nil: null }),
});

/** Decoding must either succeed or throw a CodecError — never anything else. */
function onlyCodecErrors(decode: (b: Uint8Array) => unknown, input: Uint8Array): void {
  try {
    decode(input);
  } catch (error) {
    if (!(error instanceof CodecError)) throw new Error(`decoder threw ${String(error)} (not a CodecError)`, { cause: error });
  }
}

test('consensus messages round-trip through the codec', () => {
  fc.assert(
    fc.property(message, (m) => {
      const encoded = encodeConsensusMessage(m);
      assert.deepEqual(decodeConsensusMessage(encoded), structuredClone(m));
      assert.deepEqual(encodeConsensusMessage(decodeConsensusMessage(encoded)), encoded);
    }),
    { numRuns: 300 },
  );
});

test('a compact proposal carries the signed proposal, the header and the ids of the transactions, in block order', () => {
  fc.assert(
    fc.property(proposal, block, (p, b) => {
      const encoded = encodeCompactProposal({ proposal: p, block: b });
      const decoded = decodeCompactProposal(encoded);
      assert.deepEqual(decoded, structuredClone({ proposal: p, header: b.header, txIds: b.txs.map(txId) }));
      assert.equal(encoded.length, encodeCompactProposal({ proposal: p, block: { header: b.header, txs: [] } }).length + 32 * b.txs.length);
    }),
    { numRuns: 300 },
  );
});

test('a compact proposal decoder throws only CodecError, and refuses a count that does not match the ids', () => {
  fc.assert(
    fc.property(proposal, block, fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 255 }), (p, b, at, value) => {
      const encoded = encodeCompactProposal({ proposal: p, block: b });
      const mutated = encoded.slice();
      mutated[at % mutated.length] = value;
      onlyCodecErrors(decodeCompactProposal, mutated);
      onlyCodecErrors(decodeCompactProposal, encoded.subarray(0, at % encoded.length));
    }),
    { numRuns: 500 },
  );
  const encoded = encodeCompactProposal({ proposal: { height: 1, round: 0, polRound: -1, blockHash: new Uint8Array(32).fill(1), proposer: new Uint8Array(32), signature: new Uint8Array(64) }, block: { header: { chainId: 'c', height: 1, timeMs: 1, prevHash: new Uint8Array(32), txRoot: new Uint8Array(32), stateRoot: new Uint8Array(32), validatorsHash: new Uint8Array(32), proposer: new Uint8Array(32) }, txs: [] } });
  // Claim a billion ids with none following: refused before any is read.
  const forged = encoded.slice();
  new DataView(forged.buffer).setUint32(forged.length - 4, 1_000_000_000);
  assert.throws(() => decodeCompactProposal(forged), (e) => e instanceof CodecError && /1000000000 transaction ids need/.test(e.message));
  // A whole proposal is not a compact one.
  assert.throws(() => decodeCompactProposal(encodeConsensusMessage({ type: 'proposal', proposal: decodeCompactProposal(encoded).proposal, block: { header: decodeCompactProposal(encoded).header, txs: [] } })), CodecError);
});

test('a vote message has a fixed size; sizes are checked before decoding', () => {
  fc.assert(fc.property(vote, (v) => assert.equal(encodeConsensusMessage({ type: 'vote', vote: v }).length, VOTE_MESSAGE_SIZE_BYTES)));
  assert.throws(() => decodeConsensusMessage(new Uint8Array(CONSENSUS_MESSAGE_SIZE_BYTES_MAX + 1)), CodecError);
});

test('evidence round-trips, has one order and one hash', () => {
  fc.assert(
    fc.property(evidence, (e) => {
      assert.deepEqual(decodeEvidence(encodeEvidence(e)), structuredClone(e));
      const swapped = { ...e, a: e.b, b: e.a } as Evidence;
      assert.throws(() => decodeEvidence(encodeEvidence(swapped)), CodecError);
      const again = e.kind === 'duplicate-vote' ? duplicateVoteEvidence(e.b, e.a) : duplicateProposalEvidence(e.b, e.a);
      assert.deepEqual(evidenceHash(again), evidenceHash(e));
    }),
  );
});

test('persisted state round-trips', () => {
  fc.assert(fc.property(persisted, (s) => assert.deepEqual(decodePersistedState(encodePersistedState(s)), structuredClone(s))), { numRuns: 200 });
});

test('fuzz: random bytes never make a decoder throw anything but CodecError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
      onlyCodecErrors(decodeConsensusMessage, b);
      onlyCodecErrors(decodeEvidence, b);
      onlyCodecErrors(decodePersistedState, b);
      onlyCodecErrors(decodeCompactProposal, b);
    }),
    { numRuns: 3000 },
  );
});

test('fuzz: random bytes behind a valid header never throw anything but CodecError', () => {
  fc.assert(
    fc.property(fc.constantFrom(1, 2, 3, 4), fc.uint8Array({ maxLength: 400 }), (kind, rest) => {
      onlyCodecErrors(decodeConsensusMessage, Uint8Array.from([1, kind, ...rest]));
      onlyCodecErrors(decodeCompactProposal, Uint8Array.from([1, kind, ...rest]));
    }),
    { numRuns: 3000 },
  );
});

test('fuzz: corrupted, truncated and extended encodings never throw anything but CodecError', () => {
  fc.assert(
    fc.property(message, persisted, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(), fc.uint8Array({ maxLength: 8 }), (m, s, flips, cut, tail) => {
      for (const encoded of [encodeConsensusMessage(m), encodePersistedState(s)]) {
        const mutated = encoded.slice();
        for (const [at, value] of flips) mutated[at % mutated.length] = value;
        for (const input of [mutated, encoded.slice(0, cut % (encoded.length + 1)), Uint8Array.from([...encoded, ...tail])]) {
          onlyCodecErrors(decodeConsensusMessage, input);
          onlyCodecErrors(decodePersistedState, input);
          onlyCodecErrors(decodeEvidence, input);
        }
      }
    }),
    { numRuns: 500 },
  );
});
