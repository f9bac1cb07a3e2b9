import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blockHash, commitmentHash, voteSigningBytes, VoteStep } from '../chain/codec.ts';
import { keyPairFromSecret, sign, type KeyPair } from '../chain/crypto.ts';
import { devnetGenesis } from '../chain/genesis.ts';
import { fromHex, toHex } from '../chain/hash.ts';
import { buildTx } from '../chain/tx.ts';
import { TxType, type Genesis } from '../chain/types.ts';
import { buildRpc } from '../rpc/server.ts';
import type { EvidenceJson } from '../rpc/views.ts';
import { NetworkNode } from './network.ts';

const user = keyPairFromSecret(new Uint8Array(32).fill(90));
const salt = new Uint8Array(32).fill(3);
const FINALITY_WAIT_MS_MAX = 30_000;

async function until(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = FINALITY_WAIT_MS_MAX): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Net {
  readonly genesis: Genesis;
  readonly validatorKeys: readonly KeyPair[];
  readonly nodes: (NetworkNode | undefined)[];
  readonly start: (i: number) => Promise<NetworkNode>;
  readonly dataDir: (i: number) => string;
}

async function withNetwork(validators: number, fullNodes: number, fn: (net: Net) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'dcbt-net-'));
  const vkeys = Array.from({ length: validators }, (_, i) => keyPairFromSecret(new Uint8Array(32).fill(10 + i)));
  const pkeys = Array.from({ length: validators + fullNodes }, (_, i) => keyPairFromSecret(new Uint8Array(32).fill(40 + i)));
  const genesis: Genesis = { ...devnetGenesis({ validators: vkeys.map((k) => k.publicKey), timeMs: Date.now() - 1000, powBits: 4, chainId: 'dcbt-net-test' }) };
  const nodes: (NetworkNode | undefined)[] = [];
  const addresses: string[] = [];
  const start = async (i: number): Promise<NetworkNode> => {
    const node = await NetworkNode.start({
      dataDir: join(dir, `node${i}`),
      genesis,
      ...(i < validators ? { validatorKey: vkeys[i] as KeyPair } : {}),
      p2pKey: pkeys[i]!,
      listen: { host: '127.0.0.1', port: 0 },
      bootstrap: addresses.filter((_, j) => j !== i && nodes[j] !== undefined),
      syncPollIntervalMs: 300,
    });
    nodes[i] = node;
    addresses[i] = node.p2p.multiaddrs()[0]!;
    return node;
  };
  try {
    for (let i = 0; i < validators + fullNodes; i++) await start(i);
    await fn({ genesis, validatorKeys: vkeys, nodes, start, dataDir: (i) => join(dir, `node${i}`) });
  } finally {
    for (const n of nodes) await n?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test('four validators and a full node: a name registered through one node is final, and the same, on all of them', { timeout: 120_000 }, async () => {
  await withNetwork(4, 1, async ({ genesis, nodes }) => {
    const all = () => nodes.filter((n): n is NetworkNode => n !== undefined);
    await until('every node to finalise block 2', () => all().every((n) => n.chain.tip.height >= 2));
    const tx = (nonce: number, payload: Parameters<typeof buildTx>[0]['payload']) => buildTx({ chainId: genesis.chainId, account: user.publicKey, nonce, payload }, user, genesis.params.powBits);
    await nodes[2]!.chain.submitTx(tx(0, { type: TxType.COMMIT, commitment: commitmentHash('alice', user.publicKey, salt) }));
    await until('the commit to be final everywhere', async () => (await Promise.all(all().map((n) => n.chain.getAccountNonce(user.publicKey)))).every((x) => x.confirmed === 1));
    await nodes[4]!.chain.submitTx(tx(1, { type: TxType.REGISTER, name: 'alice', salt, records: [{ host: '', type: 1, rdata: Uint8Array.from([192, 0, 2, 1]) }] }));
    await until('alice on every node', async () => (await Promise.all(all().map((n) => n.chain.lookupFinal('alice')))).every((r) => r !== undefined));

    // Agreement: every node holds the same block at every height they share.
    const height = Math.min(...all().map((n) => n.chain.tip.height));
    for (let h = 1; h <= height; h++) {
      const hashes = await Promise.all(all().map(async (n) => Buffer.from(blockHash((await n.chain.getBlock(h))!.block.header)).toString('hex')));
      assert.equal(new Set(hashes).size, 1, `one block at height ${h}`);
    }
  });
});

test('a transaction only the proposer has is asked for by the others, which then finalise its block', { timeout: 120_000 }, async () => {
  await withNetwork(4, 1, async ({ genesis, nodes }) => {
    const all = () => nodes.filter((n): n is NetworkNode => n !== undefined);
    await until('every node to finalise block 1', () => all().every((n) => n.chain.tip.height >= 1));
    const tx = buildTx({ chainId: genesis.chainId, account: user.publicKey, nonce: 0, payload: { type: TxType.COMMIT, commitment: commitmentHash('bob', user.publicKey, salt) } }, user, genesis.params.powBits);
    // Admitted as if from a peer: a node gossips only what came in through its own RPC, so no
    // other node gets this transaction before the block that carries it.
    const { txId } = await nodes[1]!.chain.submitTx(tx, 'peer');
    const others = all().filter((n) => n !== nodes[1]);
    assert.ok(others.every((n) => n.recentTxs.get(txId) === undefined), 'only node 1 has the transaction');
    const fetchedBefore = others.reduce((sum, n) => sum + n.proposalCounts.txsFetched, 0);
    await until('the commit to be final everywhere', async () => (await Promise.all(all().map((n) => n.chain.getAccountNonce(user.publicKey)))).every((x) => x.confirmed === 1));
    const fetched = others.reduce((sum, n) => sum + n.proposalCounts.txsFetched, 0) - fetchedBefore;
    assert.ok(fetched >= 1, `the others asked node 1 for the transaction (${fetched} fetched)`);
    assert.ok(others.some((n) => n.recentTxs.get(txId) !== undefined), 'a node that fetched it keeps it for its own peers');
    assert.ok(others.every((n) => n.status().proposals.incomplete === 0), 'no proposal was given up on');
  });
});

test('a validator that was down catches up by block sync, and a wiped full node resyncs from genesis', { timeout: 120_000 }, async () => {
  await withNetwork(4, 1, async ({ nodes, start, dataDir }) => {
    await until('block 2', () => nodes[0]!.chain.tip.height >= 2);
    await nodes[3]!.close();
    nodes[3] = undefined;
    const before = nodes[0]!.chain.tip.height;
    await until('three of four keep finalising', () => nodes[0]!.chain.tip.height >= before + 3);
    const back = await start(3);
    await until('the restarted validator to catch up', () => back.chain.tip.height >= nodes[0]!.chain.tip.height - 1);

    await nodes[4]!.close();
    nodes[4] = undefined;
    await rm(dataDir(4), { recursive: true, force: true });
    const fresh = await start(4);
    assert.ok(fresh.chain.tip.height < nodes[0]!.chain.tip.height, 'it starts from genesis');
    await until('the wiped full node to resync', () => fresh.chain.tip.height >= nodes[0]!.chain.tip.height - 1);
    const h = fresh.chain.tip.height;
    assert.deepEqual((await fresh.chain.getBlock(h))!.block.header, (await nodes[0]!.chain.getBlock(h))!.block.header);
  });
});

test('a validator that prevotes twice in one round is caught: the evidence is final on every node and listed by the RPC', { timeout: 120_000 }, async () => {
  await withNetwork(4, 1, async ({ genesis, validatorKeys, nodes }) => {
    const all = () => nodes.filter((n): n is NetworkNode => n !== undefined);
    await until('every node to finalise block 1', () => all().every((n) => n.chain.tip.height >= 1));
    // The Byzantine validator's key signs two prevotes for different blocks in node 0's current
    // round; node 0's engine must notice, gossip the evidence and its node send it to the chain.
    const offender = validatorKeys[3]!;
    const reporter = nodes[0]!.evidence!;
    for (let attempt = 0; reporter.reportedHashes.size === 0; attempt++) {
      assert.ok(attempt < 10, 'node 0 never reported the double vote');
      const { height, round } = nodes[0]!.consensus.status;
      for (const fill of [0xa1, 0xb2]) {
        const hash = new Uint8Array(32).fill(fill);
        const signature = sign(offender.secretKey, voteSigningBytes(genesis.chainId, VoteStep.PREVOTE, height, round, hash));
        nodes[0]!.consensus.receive({ type: 'vote', vote: { step: VoteStep.PREVOTE, height, round, blockHash: hash, validator: offender.publicKey, signature } });
      }
      await until('node 0 to report', () => reporter.reportedHashes.size > 0, 2000).catch(() => undefined);
    }
    const hashes = [...reporter.reportedHashes];
    await until('the evidence to be final on every node', async () => (await Promise.all(all().flatMap((n) => hashes.map((h) => n.chain.getEvidence(fromHex(h)))))).every((r) => r !== undefined));

    const full = nodes[4]!.chain;
    const record = (await full.getEvidence(fromHex(hashes[0]!)))!;
    assert.deepEqual(record.offender, offender.publicKey);
    assert.equal(record.kind, 'duplicate-vote');
    const included = (await full.getBlock(record.includedHeight))!;
    assert.ok(included.block.txs.some((tx) => tx.payload.type === TxType.EVIDENCE), 'the EVIDENCE transaction is in the block the record names');

    const rpc = await buildRpc(full);
    try {
      const listed = (await rpc.inject({ method: 'GET', url: '/v1/evidence' })).json() as { evidence: EvidenceJson[] };
      // Node 3 (the offender's own node) also prevotes honestly in that round, so node 0 may hold a
      // third vote by the same key and report more than one pair: every one reported is listed.
      const listedHashes = new Set(listed.evidence.map((e) => e.hash));
      for (const h of hashes) assert.ok(listedHashes.has(h), `evidence ${h} is listed`);
      for (const e of listed.evidence) {
        assert.equal(e.offender, toHex(offender.publicKey));
        assert.equal(e.kind, 'duplicate-vote');
      }
      const one = await rpc.inject({ method: 'GET', url: `/v1/evidence/${hashes[0]}` });
      assert.equal(one.statusCode, 200);
      assert.equal((one.json() as EvidenceJson).includedHeight, record.includedHeight);
    } finally {
      await rpc.close();
    }
    const tip = nodes[0]!.chain.tip.height;
    await until('the chain to keep finalising', () => nodes[0]!.chain.tip.height >= tip + 2);
  });
});
