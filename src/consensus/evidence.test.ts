import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from '../chain/crypto.ts';
import { bytesEqual } from '../chain/hash.ts';
import { duplicateProposalEvidence, duplicateVoteEvidence } from './codec.ts';
import { EvidenceError, verifyEvidence, type EvidenceRejectReason } from './evidence.ts';
import { CHAIN_ID, hashOf, prevote, proposalBy, testBlock, testNet } from './testing.ts';
import type { ConsensusMessage, Evidence, SignedProposal, SignedVote } from './types.ts';

const net = testNet(4);
const K = net.keys;
const ctx = { chainId: CHAIN_ID, validatorsAt: () => net.set, verify };
const hA = hashOf(testBlock(net, 1, 1));
const hB = hashOf(testBlock(net, 1, 2));
const voteOf = (m: ConsensusMessage): SignedVote => (m as Extract<ConsensusMessage, { type: 'vote' }>).vote;
const proposalOf = (m: ConsensusMessage): SignedProposal => (m as Extract<ConsensusMessage, { type: 'proposal' }>).proposal;

function rejects(e: Evidence, reason: EvidenceRejectReason, c = ctx): void {
  assert.throws(() => verifyEvidence(e, c), (err: unknown) => err instanceof EvidenceError && err.details.reason === reason);
}

test('two votes of one validator for one step and round, different blocks: valid evidence', () => {
  const e = duplicateVoteEvidence(voteOf(prevote(K[1]!, 3, 2, hA)), voteOf(prevote(K[1]!, 3, 2, null)));
  const v = verifyEvidence(e, ctx);
  assert.ok(bytesEqual(v.offender, K[1]!.publicKey));
  assert.deepEqual([v.height, v.round, v.power], [3, 2, 1]);
});

test('two proposals of one proposer for one round: valid evidence', () => {
  const e = duplicateProposalEvidence(proposalOf(proposalBy(K[2]!, 1, 0, testBlock(net, 1, 1))), proposalOf(proposalBy(K[2]!, 1, 0, testBlock(net, 1, 2))));
  assert.ok(bytesEqual(verifyEvidence(e, ctx).offender, K[2]!.publicKey));
});

test('evidence that proves nothing is refused, saying why', () => {
  const a = voteOf(prevote(K[1]!, 3, 2, hA));
  rejects(duplicateVoteEvidence(a, voteOf(prevote(K[1]!, 3, 3, hB))), 'not-conflicting'); // other round
  rejects(duplicateVoteEvidence(a, voteOf(prevote(K[2]!, 3, 2, hB))), 'not-conflicting'); // other validator
  rejects({ kind: 'duplicate-vote', a, b: a }, 'not-conflicting'); // same vote
  const ok = duplicateVoteEvidence(a, voteOf(prevote(K[1]!, 3, 2, hB)));
  rejects({ kind: 'duplicate-vote', a: (ok as { b: SignedVote }).b, b: (ok as { a: SignedVote }).a }, 'not-canonical');
  const forged = { ...ok, b: { ...(ok as { b: SignedVote }).b, signature: new Uint8Array(64) } } as Evidence;
  rejects(forged, 'bad-signature');
  const stranger = testNet(5).keys[4]!;
  rejects(duplicateVoteEvidence(voteOf(prevote(stranger, 3, 2, hA)), voteOf(prevote(stranger, 3, 2, hB))), 'not-a-validator');
  rejects(ok, 'unknown-height', { ...ctx, validatorsAt: () => { throw new RangeError('no set known'); } });
});
