import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blockHash, commitmentHash, voteSigningBytes, VoteStep } from '../chain/codec.ts';
import { keyPairFromSecret, sign, type KeyPair } from '../chain/crypto.ts';
import { devnetGenesis } from '../chain/genesis.ts';
import { buildTx } from '../chain/tx.ts';
import { TxType, type Block, type CommitCertificate } from '../chain/types.ts';
import type { DcbtError } from '../errors.ts';
import { BLOCK_TIME_AHEAD_MS_MAX, ChainNode } from './node.ts';

const validators = [1, 2, 3, 4].map((i) => keyPairFromSecret(new Uint8Array(32).fill(60 + i)));
const user = keyPairFromSecret(new Uint8Array(32).fill(70));
const T0 = 1_700_000_000_000;
const genesis = devnetGenesis({ validators: validators.map((v) => v.publicKey), timeMs: T0, powBits: 4, chainId: 'dcbt-hooks' });

function certify(block: Block, signers: readonly KeyPair[], round = 0): CommitCertificate {
  const hash = blockHash(block.header);
  const { height } = block.header;
  return { height, round, blockHash: hash, signatures: [...signers].sort((x, y) => Buffer.compare(x.publicKey, y.publicKey)).map((k) => ({ validator: k.publicKey, signature: sign(k.secretKey, voteSigningBytes(genesis.chainId, VoteStep.PRECOMMIT, height, round, hash)) })) };
}

async function withNodes(fn: (a: ChainNode, b: ChainNode, clock: { t: number }) => Promise<void>): Promise<void> {
  const dirs = [await mkdtemp(join(tmpdir(), 'dcbt-hooks-')), await mkdtemp(join(tmpdir(), 'dcbt-hooks-'))];
  const clock = { t: T0 + 1000 };
  const open = (dir: string, key: KeyPair) => ChainNode.open({ dataDir: dir, genesis, validatorKey: key, clock: { now: () => clock.t } });
  const a = await open(dirs[0]!, validators[0]!);
  const b = await open(dirs[1]!, validators[1]!);
  try {
    await fn(a, b, clock);
  } finally {
    await a.close();
    await b.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
}

test('a proposer builds a block, another validator checks it, both store it with a 3-of-4 certificate', async () => {
  await withNodes(async (a, b, clock) => {
    await assert.rejects(a.produceBlock(), (e: DcbtError) => e.code === 'NOT_SOLE_VALIDATOR');
    const empty = await a.buildBlock(validators[0]!.publicKey);
    assert.equal(empty.txs.length, 0, 'an empty block can be proposed (the chain keeps a heartbeat)');
    assert.equal(a.tip.height, 0, 'building stores nothing');

    const commitTx = buildTx({ chainId: genesis.chainId, account: user.publicKey, nonce: 0, payload: { type: TxType.COMMIT, commitment: commitmentHash('alice', user.publicKey, new Uint8Array(32)) } }, user, genesis.params.powBits);
    await a.submitTx(commitTx);
    clock.t += 1000;
    const block = await a.buildBlock(validators[0]!.publicKey);
    assert.equal(block.txs.length, 1);
    await b.checkBlock(block);

    await assert.rejects(b.commitFinal(block, certify(block, validators.slice(0, 2))), /more than two thirds/, '2 of 4 is not final');
    assert.equal(b.tip.height, 0);
    const cert = certify(block, validators.slice(1, 4), 1);
    await a.commitFinal(block, cert);
    await b.commitFinal(block, cert);
    await b.commitFinal(block, cert);
    assert.equal(a.tip.height, 1);
    assert.deepEqual(b.tip.hash, a.tip.hash, 'the same block is final on both; committing it again is a no-op');
    assert.equal(a.mempoolSize, 0, 'its transactions left the mempool');
    assert.deepEqual((await b.getBlock(1))?.commit, cert);
  });
});

test('checkBlock refuses a wrong state root, a block from the future and one off the tip; commitFinal refuses a conflicting final block', async () => {
  await withNodes(async (a, b, clock) => {
    clock.t += 1000;
    const block = await a.buildBlock(validators[0]!.publicKey);
    const badRoot: Block = { ...block, header: { ...block.header, stateRoot: new Uint8Array(32).fill(9) } };
    await assert.rejects(b.checkBlock(badRoot), (e: DcbtError) => e.code === 'STATE_ROOT_MISMATCH');
    const future: Block = { ...block, header: { ...block.header, timeMs: clock.t + BLOCK_TIME_AHEAD_MS_MAX + 1 } };
    await assert.rejects(b.checkBlock(future), (e: DcbtError) => e.code === 'BLOCK_FROM_THE_FUTURE');
    await b.checkBlock(block);

    const one = certify(block, [validators[0]!]).signatures[0]!;
    const repeated: CommitCertificate = { ...certify(block, []), signatures: [one, one, one] };
    await assert.rejects(b.commitFinal(block, repeated), /strictly increasing/, 'one validator signing three times is not three validators');
    const unsorted = certify(block, validators.slice(0, 3));
    await assert.rejects(b.commitFinal(block, { ...unsorted, signatures: [...unsorted.signatures].reverse() }), /strictly increasing/);
    assert.equal(b.tip.height, 0);
    await b.commitFinal(block, certify(block, validators.slice(0, 3)));
    await assert.rejects(b.checkBlock(block), (e: DcbtError) => e.code === 'BLOCK_WRONG_HEIGHT', 'no longer extends the tip');
    const other: Block = { ...block, header: { ...block.header, timeMs: block.header.timeMs + 1 } };
    await assert.rejects(b.commitFinal(other, certify(other, validators.slice(1, 4))), (e: DcbtError) => e.code === 'CONFLICTING_FINAL_BLOCK');
    assert.deepEqual(b.tip.hash, blockHash(block.header));
  });
});
