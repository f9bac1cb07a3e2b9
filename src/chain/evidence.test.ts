import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CodecError, EVIDENCE_SIZE_BYTES_MAX, VoteStep } from './codec.ts';
import { decodeEvidence, duplicateProposalEvidence, duplicateVoteEvidence, encodeEvidence, ROUND_MAX, type SignedProposal, type SignedVote } from './evidence.ts';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const hash = bytes(32).filter((b) => b.some((x) => x !== 0));
const u64 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const vote: fc.Arbitrary<SignedVote> = fc.record({
  step: fc.constantFrom(VoteStep.PREVOTE, VoteStep.PRECOMMIT),
  height: u64,
  round: fc.integer({ min: 0, max: ROUND_MAX }),
  blockHash: fc.option(hash, { nil: null }),
  validator: bytes(32),
  signature: bytes(64),
});
const proposal: fc.Arbitrary<SignedProposal> = fc.record({
  height: u64,
  round: fc.integer({ min: 0, max: ROUND_MAX }),
  polRound: fc.integer({ min: -1, max: ROUND_MAX - 1 }),
  blockHash: bytes(32),
  proposer: bytes(32),
  signature: bytes(64),
});

test('standalone evidence round-trips and never exceeds EVIDENCE_SIZE_BYTES_MAX, which proposals reach exactly', () => {
  fc.assert(
    fc.property(fc.oneof(fc.tuple(vote, vote).map(([x, y]) => duplicateVoteEvidence(x, y)), fc.tuple(proposal, proposal).map(([x, y]) => duplicateProposalEvidence(x, y))), (e) => {
      const encoded = encodeEvidence(e);
      assert.ok(encoded.length <= EVIDENCE_SIZE_BYTES_MAX);
      if (e.kind === 'duplicate-proposal') assert.equal(encoded.length, EVIDENCE_SIZE_BYTES_MAX);
      let decoded;
      try {
        decoded = decodeEvidence(encoded);
      } catch (error) {
        // Two messages with the same signed fields have no canonical order: the decoder refuses the pair.
        assert.ok(error instanceof CodecError);
        const signed = (m: SignedVote | SignedProposal) => ({ ...m, signature: undefined, validator: undefined, proposer: undefined });
        assert.deepEqual(signed(e.a), signed(e.b));
        return;
      }
      assert.deepEqual(decoded, structuredClone(e));
    }),
    { numRuns: 300 },
  );
  assert.throws(() => decodeEvidence(new Uint8Array(EVIDENCE_SIZE_BYTES_MAX + 1)), CodecError);
});
