import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { voteSigningBytes, VoteStep } from '../chain/codec.ts';
import { keyPairFromSecret, sign } from '../chain/crypto.ts';
import { duplicateVoteEvidence, encodeEvidence, evidenceHash } from '../chain/evidence.ts';
import { toHex } from '../chain/hash.ts';
import { devnetGenesis } from '../chain/genesis.ts';
import { buildTx } from '../chain/tx.ts';
import { TxType } from '../chain/types.ts';
import { ChainNode } from '../node/node.ts';
import { RpcClient } from './client.ts';
import { buildRpc } from './server.ts';
import { DcbtError } from '../errors.ts';

const validator = keyPairFromSecret(new Uint8Array(32).fill(60));
const alice = keyPairFromSecret(new Uint8Array(32).fill(61));

async function withRpc(fn: (ctx: { node: ChainNode; url: string; client: RpcClient }) => Promise<void>) {
  const dataDir = await mkdtemp(join(tmpdir(), 'dcbt-rpc-'));
  const node = await ChainNode.open({ dataDir, genesis: devnetGenesis({ validators: [validator.publicKey], timeMs: Date.now() - 1000, powBits: 4 }), validatorKey: validator });
  const app = await buildRpc(node);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    await fn({ node, url, client: new RpcClient(url) });
  } finally {
    await app.close();
    await node.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

test('status, genesis, a submitted transaction, its block, and the block event stream', async () => {
  await withRpc(async ({ node, url, client }) => {
    const status = await client.status();
    assert.equal(status.height, 0);
    assert.equal(status.apex, 'dcbt.test.');
    assert.equal((await client.genesis()).chainId, status.chainId);

    const events = await fetch(`${url}/v1/events`);
    assert.equal(events.headers.get('content-type'), 'text/event-stream');
    const reader = events.body!.getReader();

    const tx = buildTx({ chainId: status.chainId, account: alice.publicKey, nonce: 0, payload: { type: TxType.COMMIT, commitment: new Uint8Array(32).fill(1) } }, alice, node.genesis.params.powBits);
    const { txId } = await client.submitTx(tx);
    assert.equal((await client.txStatus(txId)).status, 'pending');
    assert.deepEqual(await client.account(Buffer.from(alice.publicKey).toString('hex')), { publicKey: Buffer.from(alice.publicKey).toString('hex'), nonce: 0, nextNonce: 1 });
    await node.produceBlock();

    let text = '';
    while (!text.includes('event: block')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const data = JSON.parse(/data: (.*)/.exec(text)![1]!);
    assert.equal(data.height, 1);
    assert.equal(data.txCount, 1);

    assert.deepEqual(await client.waitForTx(txId), { height: 1, index: 0 });
    const block = await client.block(1);
    assert.equal(block.txs[0]!.id, txId);
    assert.deepEqual(await client.block(block.hash), block);
    assert.equal(block.commit.signatures[0]!.validator, Buffer.from(validator.publicKey).toString('hex'));
  });
});

test('errors carry a code, a message and a fitting status', async () => {
  await withRpc(async ({ url, client }) => {
    const expect = async (p: Promise<unknown>, code: string, status: number) =>
      assert.rejects(p, (e: unknown) => e instanceof DcbtError && e.code === code && e.details.status === status && e.message.length > 10);
    await expect(client.name('alice'), 'NAME_NOT_FOUND', 404);
    await expect(client.name('pаypal'), 'NAME_MIXED_SCRIPT', 400);
    await expect(client.block(7), 'BLOCK_NOT_FOUND', 404);
    await expect(client.nameProof('alice'), 'NO_BLOCKS_YET', 409);
    const bad = await fetch(`${url}/v1/txs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tx: 'zz' }) });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, 'BAD_REQUEST');
    const garbage = await fetch(`${url}/v1/txs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tx: '0102' }) });
    assert.equal((await garbage.json()).error.code, 'DECODE_FAILED');
    const missing = await fetch(`${url}/v2/nothing`);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, 'ROUTE_NOT_FOUND');
    const zone = await fetch(`${url}/v1/zone`);
    assert.equal((await zone.json()).error.code, 'ZONE_UNAVAILABLE');
  });
});

test('recorded evidence of equivocation: listed, fetched by hash, and summarised in its block', async () => {
  await withRpc(async ({ node, client }) => {
    assert.deepEqual(await client.evidence(), { evidence: [] });
    const { chainId } = node.genesis;
    const vote = (fill: number) => {
      const blockHash = new Uint8Array(32).fill(fill);
      return { step: VoteStep.PRECOMMIT, height: 1, round: 2, blockHash, validator: validator.publicKey, signature: sign(validator.secretKey, voteSigningBytes(chainId, VoteStep.PRECOMMIT, 1, 2, blockHash)) };
    };
    const e = duplicateVoteEvidence(vote(1), vote(2));
    const hash = toHex(evidenceHash(e));
    await assert.rejects(client.evidenceByHash(hash), (err: unknown) => err instanceof DcbtError && err.code === 'EVIDENCE_NOT_FOUND' && err.details.status === 404);
    const tx = buildTx({ chainId, account: alice.publicKey, nonce: 0, payload: { type: TxType.EVIDENCE, evidence: encodeEvidence(e) } }, alice, node.genesis.params.powBits);
    const { txId } = await client.submitTx(tx);
    await node.produceBlock();

    const expected = { hash, kind: 'duplicate-vote', offender: toHex(validator.publicKey), height: 1, round: 2, power: 1, includedHeight: 1, reporter: toHex(alice.publicKey) };
    assert.deepEqual(await client.evidence(), { evidence: [{ ...expected, index: 0 }] });
    assert.deepEqual(await client.evidenceByHash(hash), expected);
    const block = await client.block(1);
    assert.deepEqual(block.txs[0], { id: txId, type: 'EVIDENCE', account: toHex(alice.publicKey), nonce: 0, evidence: { hash, kind: 'duplicate-vote', offender: toHex(validator.publicKey), height: 1, round: 2 } });
    await assert.rejects(client.evidenceByHash('zz'), (err: unknown) => err instanceof DcbtError && err.code === 'BAD_REQUEST');
    await assert.rejects(client.evidence(0), (err: unknown) => err instanceof DcbtError && err.code === 'BAD_REQUEST');
  });
});
