import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEvidenceRecord, voteSigningBytes, VoteStep } from '../../codec.ts';
import { sign, type KeyPair } from '../../crypto.ts';
import { duplicateProposalEvidence, duplicateVoteEvidence, encodeEvidence, evidenceHash, proposalSigningBytes, type Evidence, type SignedVote } from '../../evidence.ts';
import { toHex } from '../../hash.ts';
import { evidenceKey } from '../../keys.ts';
import { TxType, type Genesis } from '../../types.ts';
import { keysTouched } from '../apply.ts';
import { LedgerError } from '../errors.ts';
import { TestChain, testGenesis, testKey } from '../testing.ts';
import { assertRefused } from '../testing-assert.ts';

const reporter = testKey(1);
const other = testKey(2);
const stranger = testKey(3);

function vote(genesis: Genesis, key: KeyPair, height: number, round: number, fill: number | null, step: VoteStep = VoteStep.PREVOTE): SignedVote {
  const blockHash = fill === null ? null : new Uint8Array(32).fill(fill);
  const signature = sign(key.secretKey, voteSigningBytes(genesis.chainId, step, height, round, blockHash ?? new Uint8Array(32)));
  return { step, height, round, blockHash, validator: key.publicKey, signature };
}

/** The validator prevoted for two different blocks at (height, round). */
function doubleVote(genesis: Genesis, key: KeyPair, height: number, round = 0): Evidence {
  return duplicateVoteEvidence(vote(genesis, key, height, round, 1), vote(genesis, key, height, round, 2));
}

function reasonOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof LedgerError && error.code === 'EVIDENCE_INVALID', `expected EVIDENCE_INVALID, got ${String(error)}`);
    return error.details.reason;
  }
  assert.fail('the evidence was accepted');
}

test('valid evidence of a double vote is recorded with offender, heights, round, kind and reporter', () => {
  const { genesis, validator } = testGenesis();
  const chain = new TestChain(genesis, validator);
  chain.apply([]);
  const e = doubleVote(genesis, validator, 1, 3);
  const tx = chain.tx(reporter, { type: TxType.EVIDENCE, evidence: encodeEvidence(e) });
  assert.ok(keysTouched(tx).some((k) => toHex(k) === toHex(evidenceKey(evidenceHash(e)))), 'the node loads the evidence key before the rule runs');
  chain.apply([tx]);
  const stored = chain.entries.get(toHex(evidenceKey(evidenceHash(e))));
  assert.ok(stored, 'an entry under evidenceKey(evidenceHash)');
  assert.deepEqual(decodeEvidenceRecord(stored), { kind: 'duplicate-vote', offender: validator.publicKey, height: 1, round: 3, power: 1, includedHeight: 2, reporter: reporter.publicKey });
});

test('valid evidence of two proposals for one round is recorded', () => {
  const { genesis, validator } = testGenesis();
  const chain = new TestChain(genesis, validator);
  const proposal = (fill: number) => {
    const unsigned = { height: 1, round: 0, polRound: -1, blockHash: new Uint8Array(32).fill(fill) };
    return { ...unsigned, proposer: validator.publicKey, signature: sign(validator.secretKey, proposalSigningBytes(genesis.chainId, unsigned)) };
  };
  const e = duplicateProposalEvidence(proposal(1), proposal(2));
  chain.apply([chain.tx(reporter, { type: TxType.EVIDENCE, evidence: encodeEvidence(e) })]);
  const record = decodeEvidenceRecord(chain.entries.get(toHex(evidenceKey(evidenceHash(e))))!);
  assert.equal(record.kind, 'duplicate-proposal');
  assert.deepEqual(record.offender, validator.publicKey);
  assert.equal(record.includedHeight, 1, 'evidence of the block being decided may go into that very block');
});

test('the same evidence is recorded once: again in a later block, or twice in one block, is refused', () => {
  const { genesis, validator } = testGenesis();
  const chain = new TestChain(genesis, validator);
  const evidence = encodeEvidence(doubleVote(genesis, validator, 1));
  chain.apply([chain.tx(reporter, { type: TxType.EVIDENCE, evidence })]);
  assertRefused(() => chain.apply([chain.tx(other, { type: TxType.EVIDENCE, evidence })]), 'EVIDENCE_ALREADY_RECORDED');
  chain.setNonce(other, 0);
  const fresh = encodeEvidence(doubleVote(genesis, validator, 1, 1));
  assertRefused(() => chain.apply([chain.tx(reporter, { type: TxType.EVIDENCE, evidence: fresh }), chain.tx(other, { type: TxType.EVIDENCE, evidence: fresh })]), 'EVIDENCE_ALREADY_RECORDED');
  chain.setNonce(reporter, 1);
  chain.setNonce(other, 0);
  chain.apply([chain.tx(other, { type: TxType.EVIDENCE, evidence: fresh })]);
  assert.equal(chain.state.tip.height, 2);
});

test('evidence older than evidenceMaxAgeBlocks, or from a height the chain has not reached, is refused', () => {
  const { genesis, validator } = testGenesis({ evidenceMaxAgeBlocks: 2 });
  const chain = new TestChain(genesis, validator);
  assertRefused(() => chain.apply([chain.tx(reporter, { type: TxType.EVIDENCE, evidence: encodeEvidence(doubleVote(genesis, validator, 2)) })]), 'EVIDENCE_FROM_THE_FUTURE');
  chain.setNonce(reporter, 0);
  chain.apply([]);
  chain.apply([]);
  // Block 3 may still take evidence of height 1 (2 blocks below), block 4 no longer.
  chain.apply([chain.tx(reporter, { type: TxType.EVIDENCE, evidence: encodeEvidence(doubleVote(genesis, validator, 1)) })]);
  assertRefused(() => chain.apply([chain.tx(reporter, { type: TxType.EVIDENCE, evidence: encodeEvidence(doubleVote(genesis, validator, 1, 1)) })]), 'EVIDENCE_TOO_OLD');
});

test('evidence that proves nothing is refused, saying why', () => {
  const { genesis, validator } = testGenesis();
  const chain = new TestChain(genesis, validator);
  chain.apply([]);
  const send = (e: Evidence) => () => {
    chain.setNonce(reporter, 0);
    chain.apply([chain.tx(reporter, { type: TxType.EVIDENCE, evidence: encodeEvidence(e) })]);
  };
  assert.equal(reasonOf(send(doubleVote(genesis, stranger, 1))), 'not-a-validator');
  const good = doubleVote(genesis, validator, 1) as Extract<Evidence, { kind: 'duplicate-vote' }>;
  const forged: Evidence = { ...good, b: { ...good.b, signature: sign(stranger.secretKey, voteSigningBytes(genesis.chainId, good.b.step, 1, 0, good.b.blockHash!)) } };
  assert.equal(reasonOf(send(forged)), 'bad-signature');
  const otherChain = { ...genesis, chainId: 'another-chain' };
  assert.equal(reasonOf(send(doubleVote(otherChain, validator, 1))), 'bad-signature', 'votes signed for another chain prove nothing here');
  assert.equal(reasonOf(send(duplicateVoteEvidence(vote(genesis, validator, 1, 0, 1), vote(genesis, validator, 1, 1, 2)))), 'not-conflicting', 'two rounds');
  assert.equal(reasonOf(send(duplicateVoteEvidence(vote(genesis, validator, 1, 0, 1), vote(genesis, validator, 1, 0, 2, VoteStep.PRECOMMIT)))), 'not-conflicting', 'two steps');
  assert.equal(chain.state.tip.height, 1);
});

test('bytes that are not evidence, or evidence in the wrong order, are refused as malformed', () => {
  const { genesis, validator } = testGenesis();
  const chain = new TestChain(genesis, validator);
  const good = encodeEvidence(doubleVote(genesis, validator, 1));
  const e = doubleVote(genesis, validator, 1) as Extract<Evidence, { kind: 'duplicate-vote' }>;
  const swapped = encodeEvidence({ kind: 'duplicate-vote', a: e.b, b: e.a });
  for (const evidence of [new Uint8Array(0), good.slice(0, -1), swapped, encodeEvidence({ kind: 'duplicate-vote', a: e.a, b: e.a })]) {
    chain.setNonce(reporter, 0);
    const tx = chain.tx(reporter, { type: TxType.EVIDENCE, evidence });
    assert.deepEqual(keysTouched(tx).length, 1, 'only the account is read');
    assertRefused(() => chain.apply([tx]), 'EVIDENCE_MALFORMED');
  }
});
