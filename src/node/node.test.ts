import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitmentHash, encodeBlock, encodeTx } from '../chain/codec.ts';
import { keyPairFromSecret } from '../chain/crypto.ts';
import { devnetGenesis } from '../chain/genesis.ts';
import { proofBundleToJson, verifyNameProof } from '../chain/light.ts';
import { buildTx } from '../chain/tx.ts';
import { TxType, type TxPayload } from '../chain/types.ts';
import type { DcbtError } from '../errors.ts';
import { ChainNode, type Clock } from './node.ts';

const validator = keyPairFromSecret(new Uint8Array(32).fill(50));
const alice = keyPairFromSecret(new Uint8Array(32).fill(51));
const salt = new Uint8Array(32).fill(5);
const T0 = 1_700_000_000_000;

async function withNode(fn: (node: ChainNode, ctx: { dataDir: string; clock: { t: number } & Clock; reopen: () => Promise<ChainNode> }) => Promise<void>) {
  const dataDir = await mkdtemp(join(tmpdir(), 'dcbt-node-'));
  const clock = { t: T0 + 1000, now() { return this.t; } };
  const genesis = { ...devnetGenesis({ validators: [validator.publicKey], timeMs: T0, powBits: 4 }) };
  const open = () => ChainNode.open({ dataDir, genesis, validatorKey: validator, clock });
  let node = await open();
  try {
    await fn(node, {
      dataDir,
      clock,
      reopen: async () => {
        await node.close();
        node = await open();
        return node;
      },
    });
  } finally {
    await node.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function tx(node: ChainNode, nonce: number, payload: TxPayload) {
  return buildTx({ chainId: node.genesis.chainId, account: alice.publicKey, nonce, payload }, alice, node.genesis.params.powBits);
}

const a = (ip: number[]) => ({ host: '', type: 1, rdata: Uint8Array.from(ip) });

test('a name goes COMMIT → REGISTER → UPDATE through the mempool and blocks, with history, nonce and proofs', async () => {
  await withNode(async (node, { clock }) => {
    assert.equal(await node.produceBlock(), undefined, 'no block without transactions');
    const commit = await node.submitTx(tx(node, 0, { type: TxType.COMMIT, commitment: commitmentHash('alice', alice.publicKey, salt) }));
    assert.deepEqual(await node.getTxStatus(commit.txId), { status: 'pending' });
    assert.deepEqual(await node.getAccountNonce(alice.publicKey), { confirmed: 0, next: 1 });
    // REGISTER in the same block as its COMMIT would be too early: the mempool refuses it.
    await assert.rejects(node.submitTx(tx(node, 1, { type: TxType.REGISTER, name: 'alice', salt, records: [a([192, 0, 2, 1])] })), (e: DcbtError) => e.code === 'COMMIT_TOO_RECENT');
    clock.t += 1000;
    const b1 = await node.produceBlock();
    assert.equal(b1?.header.height, 1);
    assert.deepEqual(await node.getTxStatus(commit.txId), { status: 'included', height: 1, index: 0 });

    await node.submitTx(tx(node, 1, { type: TxType.REGISTER, name: 'alice', salt, records: [a([192, 0, 2, 1])] }));
    clock.t += 1000;
    await node.produceBlock();
    const view = await node.getName('alice');
    assert.equal(view?.status, 'active');
    assert.deepEqual(view?.record.records, [a([192, 0, 2, 1])]);

    await node.submitTx(tx(node, 2, { type: TxType.UPDATE, name: 'alice', records: [a([192, 0, 2, 2])] }));
    clock.t += 1000;
    await node.produceBlock();
    assert.deepEqual((await node.getName('alice'))?.record.records, [a([192, 0, 2, 2])]);
    assert.deepEqual((await node.getNameHistory('alice')).map((e) => e.height), [3, 2]);
    assert.deepEqual(await node.getAccountNonce(alice.publicKey), { confirmed: 3, next: 3 });
    assert.deepEqual([...node.changedNamesSince(0)!], ['alice'], 'COMMIT names nothing; REGISTER and UPDATE change alice');
    assert.deepEqual([...node.changedNamesSince(1)!], ['alice']);
    assert.deepEqual([...node.changedNamesSince(3)!], [], 'nothing after the tip');

    const present = verifyNameProof(proofBundleToJson(await node.getNameProof('alice')), node.genesis);
    assert.equal(present.exists, true);
    assert.deepEqual(present.record?.records, [a([192, 0, 2, 2])]);
    const absent = verifyNameProof(proofBundleToJson(await node.getNameProof('nobody')), node.genesis);
    assert.equal(absent.exists, false);
    assert.equal(absent.height, 3);
  });
});

test('invalid transactions are refused at the door with the ledger\'s reason and never reach a block', async () => {
  await withNode(async (node) => {
    await assert.rejects(node.submitTx(tx(node, 5, { type: TxType.RENEW, name: 'alice' })), (e: DcbtError) => e.code === 'TX_BAD_NONCE');
    await assert.rejects(node.submitTx(tx(node, 0, { type: TxType.RENEW, name: 'alice' })), (e: DcbtError) => e.code === 'NAME_NOT_FOUND');
    const bad = tx(node, 0, { type: TxType.COMMIT, commitment: new Uint8Array(32) });
    await assert.rejects(node.submitTx({ ...bad, signature: new Uint8Array(64) }), (e: DcbtError) => e.code === 'TX_BAD_SIGNATURE');
    await assert.rejects(node.submitTx(new Uint8Array([1, 2, 3])), (e: DcbtError) => e.code === 'DECODE_FAILED');
    await node.submitTx(bad);
    await assert.rejects(node.submitTx(bad), (e: DcbtError) => e.code === 'TX_DUPLICATE');
    assert.equal(node.mempoolSize, 1);
  });
});

test('blocks, names and the tip survive a restart', async () => {
  await withNode(async (node, { clock, reopen }) => {
    await node.submitTx(tx(node, 0, { type: TxType.COMMIT, commitment: commitmentHash('alice', alice.publicKey, salt) }));
    clock.t += 1000;
    await node.produceBlock();
    await node.submitTx(tx(node, 1, { type: TxType.REGISTER, name: 'alice', salt, records: [a([192, 0, 2, 1])] }));
    clock.t += 1000;
    await node.produceBlock();
    const tip = node.tip;
    const again = await reopen();
    assert.equal(again.tip.height, tip.height);
    assert.deepEqual(again.tip.hash, tip.hash);
    assert.equal((await again.getName('alice'))?.status, 'active');
    assert.equal((await again.getBlock(1))?.block.txs.length, 1);
    assert.equal(again.changedNamesSince(1), undefined, 'blocks from before the restart are not remembered: callers drop everything');
    // The chain goes on after the restart.
    await again.submitTx(tx(again, 2, { type: TxType.RENEW, name: 'alice' }));
    clock.t += 1000;
    assert.equal((await again.produceBlock())?.header.height, 3);
    assert.deepEqual([...again.changedNamesSince(2)!], ['alice']);
  });
});

test('after a block from another proposer the pending state keeps what still holds and re-applies what it touched', async () => {
  const bob = keyPairFromSecret(new Uint8Array(32).fill(52));
  const dirs = [await mkdtemp(join(tmpdir(), 'dcbt-node-a-')), await mkdtemp(join(tmpdir(), 'dcbt-node-b-'))];
  const clock = { t: T0 + 1000, now() { return this.t; } };
  const genesis = devnetGenesis({ validators: [validator.publicKey], timeMs: T0, powBits: 4 });
  const proposer = await ChainNode.open({ dataDir: dirs[0]!, genesis, validatorKey: validator, clock });
  const follower = await ChainNode.open({ dataDir: dirs[1]!, genesis, clock });
  const txOf = (key: typeof alice, nonce: number, label: string) => buildTx({ chainId: genesis.chainId, account: key.publicKey, nonce, payload: { type: TxType.COMMIT, commitment: commitmentHash(label, key.publicKey, salt) } }, key, genesis.params.powBits);
  const commitOn = async (height: number) => {
    const final = (await proposer.getBlock(height))!;
    await follower.commitFinal(final.block, final.commit);
  };
  try {
    // Block 1 holds alice's first transaction; the follower also waits on bob's, which shares no key with it.
    const alice0 = txOf(alice, 0, 'a0');
    await proposer.submitTx(alice0);
    await follower.submitTx(alice0);
    const bob0 = await follower.submitTx(txOf(bob, 0, 'b0'));
    clock.t += 1000;
    await proposer.produceBlock();
    await commitOn(1);
    assert.deepEqual(await follower.getAccountNonce(alice.publicKey), { confirmed: 1, next: 1 });
    assert.deepEqual(await follower.getAccountNonce(bob.publicKey), { confirmed: 0, next: 1 }, "bob's waiting transaction still counts");
    assert.deepEqual(await follower.getTxStatus(bob0.txId), { status: 'pending' });
    await assert.rejects(follower.submitTx(txOf(bob, 0, 'b0-again')), (e: DcbtError) => e.code === 'TX_BAD_NONCE', 'nonce 0 of bob is taken by the waiting one');
    await follower.submitTx(txOf(bob, 1, 'b1'));

    // Block 2 holds a different alice transaction with the nonce the follower's waiting one has: that one must go.
    const aliceFollower = await follower.submitTx(txOf(alice, 1, 'a1-follower'));
    await proposer.submitTx(txOf(alice, 1, 'a1-proposer'));
    clock.t += 1000;
    await proposer.produceBlock();
    await commitOn(2);
    assert.deepEqual(await follower.getAccountNonce(alice.publicKey), { confirmed: 2, next: 2 });
    assert.equal((await follower.getTxStatus(aliceFollower.txId)).status, 'rejected');
    assert.deepEqual(await follower.getAccountNonce(bob.publicKey), { confirmed: 0, next: 2 });
    await follower.submitTx(txOf(alice, 2, 'a2'));
  } finally {
    await proposer.close();
    await follower.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
});

test('a block stops short of the size limit; the transactions that did not fit wait for the next one, in order', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'dcbt-node-size-'));
  const clock = { t: T0 + 1000, now() { return this.t; } };
  const genesis = devnetGenesis({ validators: [validator.publicKey], timeMs: T0, powBits: 4 });
  const txs = Array.from({ length: 5 }, (_, nonce) => buildTx({ chainId: genesis.chainId, account: alice.publicKey, nonce, payload: { type: TxType.COMMIT, commitment: commitmentHash(`n${nonce}`, alice.publicKey, salt) } }, alice, genesis.params.powBits));
  const empty = encodeBlock({ header: { chainId: genesis.chainId, height: 0, timeMs: 0, prevHash: salt, txRoot: salt, stateRoot: salt, validatorsHash: salt, proposer: salt }, txs: [] }).length;
  // Room for two transactions and not quite a third.
  const blockSizeBytesMax = empty + 3 * (4 + encodeTx(txs[0]!).length) - 1;
  const node = await ChainNode.open({ dataDir, genesis, validatorKey: validator, clock, blockSizeBytesMax });
  try {
    for (const t of txs) await node.submitTx(t);
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      clock.t += 1000;
      const block = (await node.produceBlock())!;
      assert.ok(encodeBlock(block).length <= blockSizeBytesMax, `block ${block.header.height} is ${encodeBlock(block).length} bytes`);
      counts.push(block.txs.length);
    }
    assert.deepEqual(counts, [2, 2, 1]);
    assert.deepEqual(await node.getAccountNonce(alice.publicKey), { confirmed: 5, next: 5 }, 'none was dropped');
  } finally {
    await node.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
