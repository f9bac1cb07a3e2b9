import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyCommit } from '../chain/light.ts';
import { bytesEqual, toHex } from '../chain/hash.ts';
import { verify } from '../chain/crypto.ts';
import { ConsensusEngine } from './engine.ts';
import { verifyEvidence } from './evidence.ts';
import {
  CHAIN_ID,
  Harness,
  T0,
  TEST_TIMEOUTS,
  engineConfig,
  hashOf,
  precommit,
  prevote,
  proposalBy,
  proposerIndex,
  testBlock,
  testNet,
} from './testing.ts';
import { VoteStep, type ConsensusMessage, type SignedVote } from './types.ts';

const net = testNet(4);
const K = net.keys;
const A = testBlock(net, 1, 1);
const B = testBlock(net, 1, 2);
const hA = hashOf(A);
const hB = hashOf(B);
const hex = (b: Uint8Array) => toHex(b);

// The schedule for this set: (1,0) → 2, (1,1) → 1, (1,2) → 3, (1,3) → 0. Validator 0 is under test.
const P0 = proposerIndex(net, 1, 0);
const P1 = proposerIndex(net, 1, 1);
const P2 = proposerIndex(net, 1, 2);
const ME = 0;
const others = [1, 2, 3];

function harness(): Harness {
  return new Harness(engineConfig(net, ME));
}

function sameHash(v: SignedVote, h: Uint8Array | null): boolean {
  return h === null ? v.blockHash === null : v.blockHash !== null && bytesEqual(v.blockHash, h);
}

/** Proposal of A at round 0 and prevotes for A from two others: validator 0 locks on A. */
function lockOnA(h: Harness): void {
  h.step(proposalBy(K[P0]!, 1, 0, A));
  h.step(prevote(K[1]!, 1, 0, hA));
  h.step(prevote(K[2]!, 1, 0, hA));
}

/** Precommits for nil from two others in `round`: with our own, the precommit timeout starts; it is run out. */
function toNextRound(h: Harness, round: number): void {
  h.step(precommit(K[1]!, 1, round, null));
  h.step(precommit(K[3]!, 1, round, null));
  h.step(precommit(K[2]!, 1, round, null));
  h.advance(TEST_TIMEOUTS.precommitMs + round * TEST_TIMEOUTS.precommitDeltaMs);
  assert.equal(h.engine.status().round, round + 1);
}

test('the test schedule is the one the comments assume', () => {
  assert.deepEqual([P0, P1, P2, proposerIndex(net, 1, 3)], [2, 1, 3, 0]);
});

test('L22: a valid proposal is prevoted, after the driver says it is valid', () => {
  const h = harness();
  h.hold.add(hex(hA));
  assert.deepEqual(h.step(proposalBy(K[P0]!, 1, 0, A)), { status: 'accepted' });
  const asked = h.readies.flatMap((r) => r.validate);
  assert.equal(asked.length, 1);
  assert.ok(bytesEqual(asked[0]!.blockHash, hA));
  assert.equal(h.votesSent(VoteStep.PREVOTE).length, 0, 'no prevote before the block is known valid');
  h.engine.setValidity(1, hA, true);
  h.drain();
  const votes = h.votesSent(VoteStep.PREVOTE);
  assert.equal(votes.length, 1);
  assert.ok(sameHash(votes[0]!, hA));
  assert.equal(h.engine.status().step, 'prevote');
});

test('L22: an invalid proposal gets a nil prevote', () => {
  const h = harness();
  h.invalid.add(hex(hA));
  h.step(proposalBy(K[P0]!, 1, 0, A));
  const votes = h.votesSent(VoteStep.PREVOTE);
  assert.equal(votes.length, 1);
  assert.ok(sameHash(votes[0]!, null));
});

test('L57: no proposal within the propose timeout → nil prevote; the timeout grows with the round', () => {
  const h = harness();
  h.advance(TEST_TIMEOUTS.proposeMs - 1);
  assert.equal(h.votesSent(VoteStep.PREVOTE).length, 0);
  h.advance(1);
  assert.equal(h.votesSent(VoteStep.PREVOTE).length, 1);
  assert.ok(sameHash(h.votesSent(VoteStep.PREVOTE)[0]!, null));
  toNextRound(h, 0);
  const mark = h.readies.length;
  h.advance(TEST_TIMEOUTS.proposeMs + TEST_TIMEOUTS.proposeDeltaMs - 1);
  assert.equal(h.votesSent(VoteStep.PREVOTE, mark).length, 0, 'round 1 waits longer than round 0');
  h.advance(1);
  const late = h.votesSent(VoteStep.PREVOTE, mark);
  assert.equal(late.length, 1);
  assert.equal(late[0]!.round, 1);
});

test('L44: prevotes for nil from more than 2/3 → nil precommit, not before', () => {
  const h = harness();
  h.advance(TEST_TIMEOUTS.proposeMs); // own nil prevote
  h.step(prevote(K[1]!, 1, 0, null));
  assert.equal(h.votesSent(VoteStep.PRECOMMIT).length, 0, '2 of 4 is not more than 2/3');
  h.step(prevote(K[2]!, 1, 0, null));
  const pc = h.votesSent(VoteStep.PRECOMMIT);
  assert.equal(pc.length, 1);
  assert.ok(sameHash(pc[0]!, null));
});

test('L34 + L61: split prevotes start the prevote timeout, which ends in a nil precommit', () => {
  const h = harness();
  h.step(proposalBy(K[P0]!, 1, 0, A));
  h.step(prevote(K[1]!, 1, 0, null));
  h.step(prevote(K[2]!, 1, 0, hB));
  assert.equal(h.votesSent(VoteStep.PRECOMMIT).length, 0);
  h.advance(TEST_TIMEOUTS.prevoteMs - 1);
  assert.equal(h.votesSent(VoteStep.PRECOMMIT).length, 0);
  h.advance(1);
  const pc = h.votesSent(VoteStep.PRECOMMIT);
  assert.equal(pc.length, 1);
  assert.ok(sameHash(pc[0]!, null));
  assert.equal(h.engine.status().lockedRound, -1);
});

test('L36: a polka for a valid proposal locks it and precommits it; the lock is persisted', () => {
  const h = harness();
  lockOnA(h);
  const pc = h.votesSent(VoteStep.PRECOMMIT);
  assert.equal(pc.length, 1);
  assert.ok(sameHash(pc[0]!, hA));
  const s = h.engine.status();
  assert.equal(s.lockedRound, 0);
  assert.equal(s.validRound, 0);
  assert.ok(h.lastPersisted?.locked && bytesEqual(hashOf(h.lastPersisted.locked.block), hA));
  assert.ok(h.lastPersisted.votes.some((v) => v.step === VoteStep.PRECOMMIT && sameHash(v, hA)));
});

test('L36 waits for the block: a polka for a block never seen does not lock', () => {
  const h = harness();
  h.advance(TEST_TIMEOUTS.proposeMs);
  for (const i of others) h.step(prevote(K[i]!, 1, 0, hA));
  assert.equal(h.engine.status().lockedRound, -1);
  assert.equal(h.votesSent(VoteStep.PRECOMMIT).length, 0);
  // The proposal arrives late: the node (already at prevote) now locks and precommits A.
  h.step(proposalBy(K[P0]!, 1, 0, A));
  assert.equal(h.engine.status().lockedRound, 0);
  assert.ok(sameHash(h.votesSent(VoteStep.PRECOMMIT)[0]!, hA));
});

test('locked: a fresh proposal of another block in a later round gets a nil prevote', () => {
  const h = harness();
  lockOnA(h);
  toNextRound(h, 0);
  const mark = h.readies.length;
  h.step(proposalBy(K[P1]!, 1, 1, B));
  const pv = h.votesSent(VoteStep.PREVOTE, mark);
  assert.equal(pv.length, 1);
  assert.ok(sameHash(pv[0]!, null));
});

test('locked: the locked block proposed again (polRound = lock round) gets a prevote', () => {
  const h = harness();
  lockOnA(h);
  toNextRound(h, 0);
  const mark = h.readies.length;
  h.step(proposalBy(K[P1]!, 1, 1, A, 0));
  const pv = h.votesSent(VoteStep.PREVOTE, mark);
  assert.equal(pv.length, 1);
  assert.ok(sameHash(pv[0]!, hA));
});

test('unlocking: a polka for another block in a later round moves the lock (L36)', () => {
  const h = harness();
  lockOnA(h);
  toNextRound(h, 0);
  const mark = h.readies.length;
  h.step(proposalBy(K[P1]!, 1, 1, B));
  assert.ok(sameHash(h.votesSent(VoteStep.PREVOTE, mark)[0]!, null), 'locked on A, prevotes nil');
  for (const i of others) h.step(prevote(K[i]!, 1, 1, hB));
  const s = h.engine.status();
  assert.equal(s.lockedRound, 1);
  const pc = h.votesSent(VoteStep.PRECOMMIT, mark);
  assert.equal(pc.length, 1);
  assert.ok(sameHash(pc[0]!, hB));
  assert.ok(h.lastPersisted?.locked && bytesEqual(hashOf(h.lastPersisted.locked.block), hB));
});

test('unlocking: L28 prevotes a re-proposal whose polka round is at or after the lock round', () => {
  const h = harness();
  lockOnA(h); // locked on A in round 0
  toNextRound(h, 0);
  h.advance(TEST_TIMEOUTS.proposeMs + TEST_TIMEOUTS.proposeDeltaMs); // nil prevote in round 1
  toNextRound(h, 1);
  const mark = h.readies.length;
  h.step(proposalBy(K[P2]!, 1, 2, B, 1));
  assert.equal(h.votesSent(VoteStep.PREVOTE, mark).length, 0, 'no polka for B in round 1 known yet');
  for (const i of others) h.step(prevote(K[i]!, 1, 1, hB));
  const pv = h.votesSent(VoteStep.PREVOTE, mark);
  assert.equal(pv.length, 1);
  assert.ok(sameHash(pv[0]!, hB));
  assert.equal(pv[0]!.round, 2);
  assert.equal(h.engine.status().lockedRound, 0, 'a polka of an earlier round does not move the lock by itself');
});

test('locked: a re-proposal whose polka round is before the lock round gets a nil prevote (L28)', () => {
  const h = harness();
  // Round 0: B has a polka but this node never saw B's proposal, so it does not lock on B.
  h.advance(TEST_TIMEOUTS.proposeMs);
  h.step(prevote(K[1]!, 1, 0, hB));
  h.step(prevote(K[2]!, 1, 0, hB));
  h.step(prevote(K[3]!, 1, 0, hB));
  h.advance(TEST_TIMEOUTS.prevoteMs);
  toNextRound(h, 0);
  // Round 1: lock on A.
  h.step(proposalBy(K[P1]!, 1, 1, A));
  for (const i of others) h.step(prevote(K[i]!, 1, 1, hA));
  assert.equal(h.engine.status().lockedRound, 1);
  h.step(precommit(K[1]!, 1, 1, null));
  h.step(precommit(K[2]!, 1, 1, null));
  h.advance(TEST_TIMEOUTS.precommitMs + TEST_TIMEOUTS.precommitDeltaMs);
  assert.equal(h.engine.status().round, 2);
  const mark = h.readies.length;
  h.step(proposalBy(K[P2]!, 1, 2, B, 0));
  const pv = h.votesSent(VoteStep.PREVOTE, mark);
  assert.equal(pv.length, 1);
  assert.ok(sameHash(pv[0]!, null));
});

test('L49: precommits of more than 2/3 decide; the certificate passes the light client check', () => {
  const h = harness();
  lockOnA(h);
  h.step(precommit(K[1]!, 1, 0, hA));
  assert.equal(h.readies.flatMap((r) => r.commit).length, 0);
  h.step(precommit(K[3]!, 1, 0, hA));
  const commits = h.readies.flatMap((r) => r.commit);
  assert.equal(commits.length, 1);
  const { block, certificate } = commits[0]!;
  assert.ok(bytesEqual(hashOf(block), hA));
  assert.equal(certificate.round, 0);
  assert.equal(certificate.signatures.length, 3);
  verifyCommit(net.genesis, block.header, certificate);
  const s = h.engine.status();
  assert.equal(s.height, 2);
  assert.equal(s.started, false, 'waits commitMs before round 0 of the next height');
  h.advance(TEST_TIMEOUTS.commitMs);
  assert.equal(h.engine.status().started, true);
});

test('last commit: late votes of the decided round get the precommits back but not the block; a validator still at that height gets the block too', () => {
  const h = harness();
  lockOnA(h);
  h.step(precommit(K[1]!, 1, 0, hA));
  h.step(precommit(K[3]!, 1, 0, hA));
  assert.equal(h.engine.status().height, 2);
  const resent = (from: number) => h.sent(from).filter((m) => m.type === 'proposal' && m.proposal.height === 1);
  const precommitsResent = (from: number) => h.sent(from).filter((m) => m.type === 'vote' && m.vote.height === 1 && m.vote.step === VoteStep.PRECOMMIT);

  // The quorum's last precommit and forwarded copies arrive just after the decision: the
  // precommits go out again (once), the block does not.
  let mark = h.readies.length;
  assert.deepEqual(h.step(precommit(K[2]!, 1, 0, hA)), { status: 'stale' });
  h.step(prevote(K[3]!, 1, 0, hA));
  h.advance(TEST_TIMEOUTS.rebroadcastMs / 2 - 1);
  h.step(precommit(K[1]!, 1, 0, hA));
  assert.equal(resent(mark).length, 0, 'no block sent again for late votes');
  assert.equal(precommitsResent(mark).length, 3, 'the certificate: the three precommits for A, once');

  // A validator that left round 0 of height 1 without deciding is behind: it gets the block.
  mark = h.readies.length;
  h.step(prevote(K[2]!, 1, 1, null));
  assert.equal(resent(mark).length, 1);
  assert.ok(bytesEqual(hashOf((resent(mark)[0] as { block: typeof A }).block), hA));

  // At most once per rebroadcastMs; after that, a round-0 message this late is a stalled validator's resend.
  mark = h.readies.length;
  h.step(prevote(K[2]!, 1, 1, null));
  assert.equal(resent(mark).length, 0, 'not again within rebroadcastMs');
  h.advance(TEST_TIMEOUTS.rebroadcastMs);
  h.step(precommit(K[2]!, 1, 0, hA));
  assert.equal(resent(mark).length, 1, 'a round-0 message long after the decision comes from a validator still at height 1');
  assert.equal(precommitsResent(mark).length, 3);

  // A proposal of the decided height, screened before its transactions are looked up, is stale
  // and tells the same as a late vote: its sender may be behind.
  h.advance(TEST_TIMEOUTS.rebroadcastMs);
  mark = h.readies.length;
  const late = proposalBy(K[P1]!, 1, 1, A) as Extract<ConsensusMessage, { type: 'proposal' }>;
  assert.deepEqual(h.engine.screenProposal(late.proposal, late.block.header), { status: 'stale' });
  h.drain();
  assert.equal(resent(mark).length, 1, 'a proposal of round 1 comes from a validator still at height 1');
});

test('L49: precommits of an earlier round decide while the node is in a later round', () => {
  const h = harness();
  h.step(prevote(K[1]!, 1, 2, null));
  h.step(prevote(K[2]!, 1, 2, null));
  assert.equal(h.engine.status().round, 2);
  // Round 0's proposal and precommits for B arrive late (say after a partition healed).
  h.step(proposalBy(K[P0]!, 1, 0, B));
  for (const i of others) h.step(precommit(K[i]!, 1, 0, hB));
  const commits = h.readies.flatMap((r) => r.commit);
  assert.equal(commits.length, 1);
  assert.equal(commits[0]!.certificate.round, 0);
  verifyCommit(net.genesis, commits[0]!.block.header, commits[0]!.certificate);
});

test('L49 needs a valid block: precommits for an invalid one never decide', () => {
  const h = harness();
  h.invalid.add(hex(hA));
  h.step(proposalBy(K[P0]!, 1, 0, A));
  for (const i of others) h.step(precommit(K[i]!, 1, 0, hA));
  assert.equal(h.readies.flatMap((r) => r.commit).length, 0);
});

test('L55: messages of a higher round from more than 1/3 of the power skip to that round', () => {
  const h = harness();
  h.step(prevote(K[1]!, 1, 5, null));
  assert.equal(h.engine.status().round, 0, 'one of four is not more than 1/3');
  h.step(precommit(K[1]!, 1, 5, null));
  assert.equal(h.engine.status().round, 0, 'the same validator twice is still one');
  h.step(prevote(K[3]!, 1, 5, null));
  assert.equal(h.engine.status().round, 5);
  assert.equal(h.engine.status().step, 'propose');
});

test('L55 counts validators heard in round R or later: it goes to the highest round they all reached', () => {
  const h = harness();
  h.step(prevote(K[1]!, 1, 7, null));
  h.step(prevote(K[2]!, 1, 5, null));
  assert.equal(h.engine.status().round, 5);
});

test('L55 counts power, not validators', () => {
  const heavy = testNet(4, [1, 1, 1, 4]); // total 7: validator 3 alone holds more than 1/3
  const h = new Harness(engineConfig(heavy, 0));
  h.step(prevote(heavy.keys[3]!, 1, 3, null));
  assert.equal(h.engine.status().round, 3);
});

test('votes far ahead are not stored, but they still let a validator that fell behind catch up', () => {
  const h = harness();
  assert.deepEqual(h.step(prevote(K[1]!, 1, 40, hA)), { status: 'accepted' });
  assert.deepEqual(h.step(prevote(K[1]!, 1, 30, hA)), { status: 'duplicate' }, 'an earlier round of a validator already heard later');
  const forged = prevote(K[2]!, 1, 60, hA) as Extract<ConsensusMessage, { type: 'vote' }>;
  assert.equal(h.step({ type: 'vote', vote: { ...forged.vote, signature: new Uint8Array(64) } }).status, 'invalid');
  assert.equal(h.engine.status().round, 0);
  h.step(prevote(K[2]!, 1, 60, hA));
  assert.equal(h.engine.status().round, 40);
});

test('equivocating votes: evidence is surfaced, once per pair', () => {
  const h = harness();
  h.step(proposalBy(K[P0]!, 1, 0, A)); // own prevote for A
  h.step(prevote(K[1]!, 1, 0, hA));
  assert.deepEqual(h.step(prevote(K[1]!, 1, 0, hB)), { status: 'accepted' });
  const evidence = h.readies.flatMap((r) => r.evidence);
  assert.equal(evidence.length, 1);
  assert.equal(evidence[0]!.kind, 'duplicate-vote');
  const checked = verifyEvidence(evidence[0]!, { chainId: CHAIN_ID, validatorsAt: () => net.set, verify });
  assert.ok(bytesEqual(checked.offender, K[1]!.publicKey));
  assert.deepEqual(h.step(prevote(K[1]!, 1, 0, hB)), { status: 'duplicate' });
  assert.equal(h.readies.flatMap((r) => r.evidence).length, 1);
});

test('an equivocator counts once toward "more than 2/3 of anything"', () => {
  const h = harness();
  h.advance(TEST_TIMEOUTS.proposeMs); // own nil prevote
  h.step(prevote(K[1]!, 1, 0, hA));
  h.step(prevote(K[1]!, 1, 0, hB));
  h.advance(TEST_TIMEOUTS.prevoteMs * 2);
  assert.equal(h.votesSent(VoteStep.PRECOMMIT).length, 0, 'two validators, not three: no prevote timeout');
  h.step(prevote(K[2]!, 1, 0, hB));
  h.advance(TEST_TIMEOUTS.prevoteMs);
  assert.equal(h.votesSent(VoteStep.PRECOMMIT).length, 1);
});

test("an equivocator's vote for a block this node has counts toward that block's polka, as in the paper", () => {
  const h = harness();
  h.step(prevote(K[1]!, 1, 0, hB)); // first vote: B (no block known for it)
  h.step(proposalBy(K[P0]!, 1, 0, A)); // own prevote for A
  h.step(prevote(K[1]!, 1, 0, hA)); // conflicting, for the known block A: evidence, and it counts
  assert.equal(h.readies.flatMap((r) => r.evidence).length, 1);
  h.step(prevote(K[2]!, 1, 0, hA));
  assert.equal(h.engine.status().lockedRound, 0, 'own + validator 1 + validator 2 = a polka for A');
});

test('a nil vote and a block vote of one step are equivocation too', () => {
  const h = harness();
  h.step(precommit(K[3]!, 1, 0, null));
  h.step(precommit(K[3]!, 1, 0, hA));
  assert.equal(h.readies.flatMap((r) => r.evidence).length, 1);
});

test('conflicting proposals: evidence, and the first proposal is the one prevoted', () => {
  const h = harness();
  h.step(proposalBy(K[P0]!, 1, 0, A));
  h.step(proposalBy(K[P0]!, 1, 0, B));
  const evidence = h.readies.flatMap((r) => r.evidence);
  assert.equal(evidence.length, 1);
  assert.equal(evidence[0]!.kind, 'duplicate-proposal');
  verifyEvidence(evidence[0]!, { chainId: CHAIN_ID, validatorsAt: () => net.set, verify });
  assert.ok(sameHash(h.votesSent(VoteStep.PREVOTE)[0]!, hA));
});

test('evidence gossiped by others is checked and surfaced once', () => {
  const h1 = harness();
  h1.step(prevote(K[1]!, 1, 0, hA));
  h1.step(prevote(K[1]!, 1, 0, hB));
  const ev = h1.readies.flatMap((r) => r.evidence)[0]!;
  const h2 = harness();
  assert.deepEqual(h2.step({ type: 'evidence', evidence: ev }), { status: 'accepted' });
  assert.deepEqual(h2.step({ type: 'evidence', evidence: ev }), { status: 'duplicate' });
  assert.equal(h2.readies.flatMap((r) => r.evidence).length, 1);
  const forged = { ...ev, a: { ...ev.a, signature: new Uint8Array(64) } } as typeof ev;
  assert.equal(h2.step({ type: 'evidence', evidence: forged }).status, 'invalid');
});

test('invalid messages are refused with a reason', () => {
  const h = harness();
  const stranger = testNet(5).keys[4]!;
  const bad = (m: ConsensusMessage) => {
    const r = h.step(m);
    assert.equal(r.status, 'invalid', JSON.stringify(r));
  };
  const v = prevote(K[1]!, 1, 0, hA) as Extract<ConsensusMessage, { type: 'vote' }>;
  bad({ type: 'vote', vote: { ...v.vote, signature: new Uint8Array(64) } });
  bad({ type: 'vote', vote: { ...v.vote, blockHash: hB } });
  bad(prevote(stranger, 1, 0, hA));
  bad(proposalBy(K[P1]!, 1, 0, A)); // not round 0's proposer
  bad(proposalBy(K[P1]!, 1, 1, A, 1)); // polRound must be below round
  const p = proposalBy(K[P0]!, 1, 0, A) as Extract<ConsensusMessage, { type: 'proposal' }>;
  bad({ type: 'proposal', proposal: p.proposal, block: B });
  assert.equal(h.votesSent(VoteStep.PREVOTE).length, 0);
});

test('screening a proposal by its envelope and header: the verdict step would give, nothing changed, the signature checked once', () => {
  let verifies = 0;
  const h = new Harness(engineConfig(net, ME, { verify: (key, message, signature) => (verifies++, verify(key, message, signature)) }));
  const good = proposalBy(K[P0]!, 1, 0, A) as Extract<ConsensusMessage, { type: 'proposal' }>;
  const screen = (m: ConsensusMessage) => {
    const p = m as Extract<ConsensusMessage, { type: 'proposal' }>;
    return h.engine.screenProposal(p.proposal, p.block.header).status;
  };
  assert.equal(screen(proposalBy(K[P1]!, 1, 0, A)), 'invalid', 'not the proposer of round 0');
  assert.equal(screen({ ...good, proposal: { ...good.proposal, signature: new Uint8Array(64) } }), 'invalid', 'forged signature');
  assert.equal(h.engine.screenProposal(good.proposal, B.header).status, 'invalid', 'another block than the one signed');
  assert.equal(screen(proposalBy(K[P0]!, 1, 9, A)), 'future');
  assert.equal(screen(proposalBy(K[proposerIndex(net, 2, 0)]!, 2, 0, testBlock(net, 2, 1))), 'accepted', 'the next height is for step to keep');
  assert.equal(screen(proposalBy(K[proposerIndex(net, 3, 0)]!, 3, 0, testBlock(net, 3, 1))), 'future', 'further ahead: this node may be behind');

  verifies = 0;
  assert.equal(h.engine.screenProposal(good.proposal, good.block.header).status, 'accepted');
  assert.equal(h.votesSent(VoteStep.PREVOTE).length, 0, 'screening changes nothing');
  h.step(good);
  assert.equal(verifies, 1, 'step did not verify the screened proposal again');
  assert.ok(h.votesSent(VoteStep.PREVOTE).some((v) => sameHash(v, hA)), 'the proposal itself was taken');
  assert.equal(screen(good), 'duplicate', 'a proposal already held costs nothing more');

  // Only the very object screened skips the check: a copy carrying its signature over another block is verified, and fails.
  const fresh = harness();
  assert.equal(fresh.engine.screenProposal(good.proposal, good.block.header).status, 'accepted');
  assert.equal(fresh.step({ type: 'proposal', proposal: { ...good.proposal, blockHash: hB }, block: B }).status, 'invalid');
});

test('messages for the next height are kept and used there; older heights are stale', () => {
  const h = harness();
  const C = testBlock(net, 2, 3);
  const p2 = proposerIndex(net, 2, 0);
  assert.deepEqual(h.step(proposalBy(K[p2]!, 2, 0, C)), { status: 'buffered' });
  assert.deepEqual(h.step(prevote(K[1]!, 3, 0, null)), { status: 'future' });
  lockOnA(h);
  h.step(precommit(K[1]!, 1, 0, hA));
  h.step(precommit(K[2]!, 1, 0, hA));
  assert.equal(h.engine.status().height, 2);
  assert.deepEqual(h.step(prevote(K[1]!, 1, 0, hA)), { status: 'stale' });
  const mark = h.readies.length;
  h.advance(TEST_TIMEOUTS.commitMs);
  const pv = h.votesSent(VoteStep.PREVOTE, mark);
  assert.equal(pv.length, 1);
  assert.equal(pv[0]!.height, 2);
  assert.ok(sameHash(pv[0]!, hashOf(C)));
});

test('the proposer asks for a block, proposes it once and prevotes it', () => {
  const h = new Harness(engineConfig(net, P0));
  const build = h.readies.map((r) => r.build).find((b) => b);
  assert.deepEqual(build, { height: 1, round: 0 });
  assert.equal(h.engine.propose(1, 0, A), true);
  h.drain();
  assert.equal(h.engine.propose(1, 0, B), false, 'one proposal per round');
  const proposals = h.sent().filter((m) => m.type === 'proposal');
  assert.equal(proposals.length, 1);
  assert.ok(sameHash(h.votesSent(VoteStep.PREVOTE)[0]!, hA));
  assert.equal(h.engine.propose(2, 0, B), false, 'not the current height');
});

test('a proposer with a valid block proposes it again with its polka round', () => {
  const me = P1; // proposes round 1
  const h = new Harness(engineConfig(net, me));
  const rest = [0, 1, 2, 3].filter((i) => i !== me);
  h.step(proposalBy(K[P0]!, 1, 0, A));
  h.step(prevote(K[rest[0]!]!, 1, 0, hA));
  h.step(prevote(K[rest[1]!]!, 1, 0, hA));
  assert.equal(h.engine.status().validRound, 0);
  const mark = h.readies.length;
  h.step(precommit(K[rest[0]!]!, 1, 0, null));
  h.step(precommit(K[rest[1]!]!, 1, 0, null));
  h.advance(TEST_TIMEOUTS.precommitMs);
  assert.equal(h.engine.status().round, 1);
  const props = h.sent(mark).filter((m) => m.type === 'proposal');
  assert.equal(props.length, 1);
  const p = props[0] as Extract<ConsensusMessage, { type: 'proposal' }>;
  assert.equal(p.proposal.polRound, 0);
  assert.ok(bytesEqual(p.proposal.blockHash, hA));
  assert.equal(h.readies.slice(mark).some((r) => r.build), false, 'no new block is built');
});

test('restart from persisted state: the old vote is sent again, no conflicting vote is ever signed', () => {
  const h = harness();
  h.step(proposalBy(K[P0]!, 1, 0, A));
  const persisted = h.lastPersisted!;
  assert.equal(persisted.votes.length, 1);
  // Crash: the vote may not even have been sent. A new engine from the persisted state:
  const r = new Harness(engineConfig(net, ME), { persisted, nowMs: h.now + 5 });
  const resent = r.votesSent(VoteStep.PREVOTE);
  assert.equal(resent.length, 1, 'the persisted prevote goes out again on restart');
  assert.ok(sameHash(resent[0]!, hA));
  // A conflicting proposal, timeouts: still no other prevote for round 0.
  r.step(proposalBy(K[P0]!, 1, 0, B));
  r.advance(TEST_TIMEOUTS.proposeMs * 3);
  for (const v of r.votesSent(VoteStep.PREVOTE)) if (v.round === 0) assert.ok(sameHash(v, hA));
  assert.equal(r.engine.status().step, 'prevote');
});

test('restart keeps the lock', () => {
  const h = harness();
  lockOnA(h);
  toNextRound(h, 0);
  const r = new Harness(engineConfig(net, ME), { persisted: h.lastPersisted!, nowMs: h.now });
  assert.equal(r.engine.status().lockedRound, 0);
  assert.equal(r.engine.status().round, 1);
  r.step(proposalBy(K[P1]!, 1, 1, B));
  assert.ok(sameHash(r.votesSent(VoteStep.PREVOTE).find((v) => v.round === 1)!, null), 'still locked on A after the restart');
});

test('restart keeps the polka of the valid block, and a re-proposal carries it', () => {
  const me = P1; // proposes round 1
  const h = new Harness(engineConfig(net, me));
  const rest = [0, 1, 2, 3].filter((i) => i !== me);
  h.step(proposalBy(K[P0]!, 1, 0, A));
  h.step(prevote(K[rest[0]!]!, 1, 0, hA));
  h.step(prevote(K[rest[1]!]!, 1, 0, hA));
  assert.equal(h.lastPersisted?.valid?.polka.length, 3);
  // Crash; the restarted engine moves to round 1, where it proposes A again with its polka.
  const r = new Harness(engineConfig(net, me), { persisted: h.lastPersisted!, nowMs: h.now });
  r.step(precommit(K[rest[0]!]!, 1, 0, null));
  r.step(precommit(K[rest[1]!]!, 1, 0, null));
  r.advance(TEST_TIMEOUTS.precommitMs);
  const sent = r.sent();
  const p = sent.find((m) => m.type === 'proposal' && m.proposal.round === 1) as Extract<ConsensusMessage, { type: 'proposal' }>;
  assert.equal(p.proposal.polRound, 0);
  const pol = sent.filter((m) => m.type === 'vote' && m.vote.round === 0 && m.vote.step === VoteStep.PREVOTE && sameHash(m.vote, hA));
  assert.equal(new Set(pol.map((m) => (m.type === 'vote' ? hex(m.vote.validator) : ''))).size, 3, 'the three prevotes of the polka go with it');
  // And a validator that saw none of round 0 accepts the re-proposal on that evidence (L28).
  const other = new Harness(engineConfig(net, rest[2]!));
  other.step(prevote(K[rest[0]!]!, 1, 1, null));
  other.step(prevote(K[rest[1]!]!, 1, 1, null)); // skip to round 1
  for (const m of sent.filter((x) => x.type === 'vote' || x.type === 'proposal')) other.step(m);
  assert.ok(other.votesSent(VoteStep.PREVOTE).some((v) => v.round === 1 && sameHash(v, hA)));
});

test("a stalled node relays others' votes of its round and the previous one", () => {
  const h = harness();
  h.advance(TEST_TIMEOUTS.proposeMs); // own nil prevote
  h.step(prevote(K[1]!, 1, 0, null));
  h.step(precommit(K[3]!, 1, 0, hB));
  h.advance(TEST_TIMEOUTS.rebroadcastMs);
  const mark = h.readies.length;
  h.advance(TEST_TIMEOUTS.rebroadcastMs);
  const relayed = h.sent(mark).flatMap((m) => (m.type === 'vote' ? [hex(m.vote.validator)] : []));
  assert.ok(relayed.includes(hex(K[1]!.publicKey)) && relayed.includes(hex(K[3]!.publicKey)) && relayed.includes(hex(K[0]!.publicKey)));
});

test('a persisted state of an earlier height is ignored; one of a later height is refused', () => {
  const h = harness();
  h.step(proposalBy(K[P0]!, 1, 0, A));
  const persisted = h.lastPersisted!;
  const later = new Harness(engineConfig(net, ME), { height: 2, persisted });
  assert.equal(later.engine.status().height, 2);
  assert.equal(later.votesSent(VoteStep.PREVOTE).length, 0);
  assert.throws(
    () => ConsensusEngine.create(engineConfig(net, ME), { height: 1, nowMs: T0, persisted: { ...persisted, height: 3 } }),
    (e: Error & { code?: string }) => e.code === 'CONSENSUS_STATE_AHEAD',
  );
});

test('syncedTo moves to the height after the synced blocks', () => {
  const h = harness();
  h.engine.syncedTo(5);
  h.drain();
  const s = h.engine.status();
  assert.equal(s.height, 6);
  assert.equal(s.round, 0);
  assert.equal(s.started, true);
  h.engine.syncedTo(3);
  assert.equal(h.engine.status().height, 6);
});

test('the validator set is looked up per height', () => {
  const extra = testNet(5).keys[4]!;
  const setB = { fromHeight: 3, validators: [...net.set.validators.slice(0, 3), { publicKey: extra.publicKey, power: 1 }] };
  const config = engineConfig(net, ME, { validatorsAt: (height) => (height < 3 ? net.set : setB) });
  const h = new Harness(config, { height: 3 });
  assert.equal(h.step(prevote(K[3]!, 3, 0, null)).status, 'invalid', 'validator 3 left the set at height 3');
  assert.equal(h.step(prevote(extra, 3, 0, null)).status, 'accepted');
});

test('a node without a validator key follows and decides but never signs', () => {
  const h = new Harness(engineConfig(net, undefined));
  h.step(proposalBy(K[P0]!, 1, 0, A));
  for (const i of [0, 1, 2]) h.step(prevote(K[i]!, 1, 0, hA));
  for (const i of [0, 1, 2]) h.step(precommit(K[i]!, 1, 0, hA));
  assert.equal(h.readies.flatMap((r) => r.commit).length, 1);
  assert.equal(h.sent().filter((m) => m.type !== 'proposal').length, 0);
});

test('rebroadcast: a node that made no progress for rebroadcastMs sends its messages again', () => {
  const h = harness();
  h.step(proposalBy(K[P0]!, 1, 0, A));
  const mark = h.readies.length;
  h.advance(TEST_TIMEOUTS.rebroadcastMs);
  assert.equal(h.sent(mark).length, 0, 'it prevoted within this interval: progress, nothing is sent again');
  h.advance(TEST_TIMEOUTS.rebroadcastMs);
  const again = h.sent(mark);
  assert.ok(again.some((m) => m.type === 'vote' && m.vote.step === VoteStep.PREVOTE));
  assert.ok(again.some((m) => m.type === 'proposal'), 'the valid proposal of the round is relayed');
});

test('four engines on a shuffling network agree, and every own vote sent was persisted before', () => {
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const engines = K.map((_, i) => ConsensusEngine.create(engineConfig(net, i), { height: 1, nowMs: T0 }));
  const everPersisted = engines.map(() => new Set<string>());
  const decided: string[][] = engines.map(() => []);
  const queue: { to: number; m: ConsensusMessage }[] = [];
  let now = T0;
  const drain = (i: number) => {
    const e = engines[i]!;
    while (e.hasReady()) {
      const r = e.ready();
      for (const c of r.commit) {
        verifyCommit(net.genesis, c.block.header, c.certificate);
        decided[i]!.push(hex(hashOf(c.block)));
      }
      // A vote of a height committed (durably, before the send) needs no persisting: the engine never returns there.
      const committed = decided[i]!.length;
      if (r.persist) for (const v of r.persist.votes) everPersisted[i]!.add(hex(v.signature));
      for (const m of r.send) {
        if (m.type === 'vote' && bytesEqual(m.vote.validator, K[i]!.publicKey)) {
          assert.ok(m.vote.height <= committed || everPersisted[i]!.has(hex(m.vote.signature)), `validator ${i} sent a vote it had not persisted`);
        }
        for (let j = 0; j < engines.length; j++) if (j !== i) queue.push({ to: j, m });
      }
      if (r.build) e.propose(r.build.height, r.build.round, testBlock(net, r.build.height, r.build.round * 10 + i, K[i]!.publicKey));
      for (const v of r.validate) e.setValidity(v.height, v.blockHash, true);
    }
  };
  engines.forEach((_, i) => drain(i));
  for (let steps = 0; steps < 20_000 && Math.min(...decided.map((d) => d.length)) < 5; steps++) {
    if (queue.length === 0) {
      now += 10;
      engines.forEach((e, i) => {
        e.tick(now);
        drain(i);
      });
      continue;
    }
    // Block sync, as the node does it: a validator two heights behind copies the decided blocks.
    const top = Math.max(...decided.map((d) => d.length));
    for (let i = 0; i < engines.length; i++) {
      if (top - decided[i]!.length < 2) continue;
      const ahead = decided.find((d) => d.length === top)!;
      decided[i] = ahead.slice();
      engines[i]!.syncedTo(top);
      drain(i);
    }
    const k = Math.floor(rand() * queue.length);
    const { to, m } = queue.splice(k, 1)[0]!;
    if (rand() < 0.1) continue; // lost
    engines[to]!.step(m);
    drain(to);
  }
  for (const d of decided) assert.ok(d.length >= 5, `every engine decided 5 heights (got ${decided.map((x) => x.length)})`);
  for (let h = 0; h < 5; h++) assert.equal(new Set(decided.map((d) => d[h])).size, 1, `agreement at height ${h + 1}`);
});
