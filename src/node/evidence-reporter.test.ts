import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blockHash, voteSigningBytes, VoteStep } from '../chain/codec.ts';
import { keyPairFromSecret, sign, type KeyPair } from '../chain/crypto.ts';
import { duplicateVoteEvidence, evidenceHash, type Evidence } from '../chain/evidence.ts';
import { devnetGenesis } from '../chain/genesis.ts';
import { toHex } from '../chain/hash.ts';
import { TxType, type Block, type CommitCertificate } from '../chain/types.ts';
import { EvidenceReporter, type ReporterLog } from './evidence-reporter.ts';
import { ChainNode } from './node.ts';

const validators = [1, 2, 3, 4].map((i) => keyPairFromSecret(new Uint8Array(32).fill(80 + i)));
const T0 = 1_700_000_000_000;
const genesis = devnetGenesis({ validators: validators.map((v) => v.publicKey), timeMs: T0, powBits: 4, chainId: 'dcbt-evidence' });

function certify(block: Block, signers: readonly KeyPair[]): CommitCertificate {
  const hash = blockHash(block.header);
  const { height } = block.header;
  const signatures = [...signers].sort((x, y) => Buffer.compare(x.publicKey, y.publicKey)).map((k) => ({ validator: k.publicKey, signature: sign(k.secretKey, voteSigningBytes(genesis.chainId, VoteStep.PRECOMMIT, height, 0, hash)) }));
  return { height, round: 0, blockHash: hash, signatures };
}

function doubleVote(key: KeyPair, height: number, round: number): Evidence {
  const vote = (fill: number) => {
    const blockHash = new Uint8Array(32).fill(fill);
    return { step: VoteStep.PREVOTE, height, round, blockHash, validator: key.publicKey, signature: sign(key.secretKey, voteSigningBytes(genesis.chainId, VoteStep.PREVOTE, height, round, blockHash)) };
  };
  return duplicateVoteEvidence(vote(1), vote(2));
}

function recordingLog(): ReporterLog & { lines: { level: string; message: string; details: object }[] } {
  const lines: { level: string; message: string; details: object }[] = [];
  return { lines, debug: (details, message) => lines.push({ level: 'debug', message, details }), info: (details, message) => lines.push({ level: 'info', message, details }) };
}

test('a validator sends evidence once per hash, signed with its key; a second report of it on chain is logged at debug level', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dcbt-evidence-'));
  const clock = { t: T0 + 1000 };
  const node = await ChainNode.open({ dataDir: dir, genesis, validatorKey: validators[0]!, clock: { now: () => clock.t } });
  try {
    const log0 = recordingLog();
    const log1 = recordingLog();
    const mine = new EvidenceReporter(node, validators[0]!, log0);
    const theirs = new EvidenceReporter(node, validators[1]!, log1);
    const e = doubleVote(validators[3]!, 1, 0);

    const first = await mine.report(e);
    assert.equal(first.status, 'submitted');
    assert.deepEqual(await mine.report(e), { status: 'already-reported' }, 'once per evidence hash');
    assert.equal(node.mempoolSize, 1);
    assert.equal(log0.lines.filter((l) => l.level === 'info').length, 1);
    // Another validator's report of the same evidence while the first waits in the mempool.
    assert.deepEqual(await theirs.report(e), { status: 'already-recorded' });
    assert.equal(log1.lines[0]?.level, 'debug');
    assert.equal(node.mempoolSize, 1);

    clock.t += 1000;
    const block = await node.buildBlock(validators[0]!.publicKey);
    assert.equal(block.txs.length, 1);
    const tx = block.txs[0]!;
    assert.equal(tx.payload.type, TxType.EVIDENCE);
    assert.deepEqual(tx.account, validators[0]!.publicKey, 'signed with the validator key');
    assert.equal(tx.nonce, 0);
    await node.commitFinal(block, certify(block, validators.slice(0, 3)));

    const record = await node.getEvidence(evidenceHash(e));
    assert.deepEqual(record?.offender, validators[3]!.publicKey);
    assert.equal(record?.includedHeight, 1);
    const listed = await node.listEvidence();
    assert.deepEqual(listed.map((x) => x.hash), [toHex(evidenceHash(e))]);

    // A restarted reporter finds it on chain and sends nothing.
    assert.deepEqual(await new EvidenceReporter(node, validators[2]!, recordingLog()).report(e), { status: 'already-recorded' });
    // Next evidence: the validator's account has moved to nonce 1.
    const second = await mine.report(doubleVote(validators[3]!, 1, 1));
    assert.equal(second.status, 'submitted');
    assert.deepEqual(await node.getAccountNonce(validators[0]!.publicKey), { confirmed: 1, next: 2 });
  } finally {
    await node.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('reports of several pieces of evidence at once take consecutive nonces', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dcbt-evidence-'));
  const node = await ChainNode.open({ dataDir: dir, genesis, validatorKey: validators[0]!, clock: { now: () => T0 + 1000 } });
  try {
    const reporter = new EvidenceReporter(node, validators[0]!, recordingLog());
    const results = await Promise.all([0, 1, 2].map((round) => reporter.report(doubleVote(validators[2]!, 1, round))));
    assert.deepEqual(results.map((r) => r.status), ['submitted', 'submitted', 'submitted']);
    assert.deepEqual(await node.getAccountNonce(validators[0]!.publicKey), { confirmed: 0, next: 3 });
  } finally {
    await node.close();
    await rm(dir, { recursive: true, force: true });
  }
});
