import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commitmentHash, encodeBlock, encodeTx, txId } from '../chain/codec.ts';
import { keyPairFromSecret } from '../chain/crypto.ts';
import { sha256, toHex } from '../chain/hash.ts';
import { buildTx } from '../chain/tx.ts';
import { TxType, type Block, type Bytes, type Tx } from '../chain/types.ts';
import { decodeCompactProposal, encodeCompactProposal } from '../consensus/codec.ts';
import type { SignedProposal } from '../consensus/types.ts';
import { assembleProposal, fetchFromPeers, RecentTxs, type RequestTxs } from './proposal-assembly.ts';

const key = keyPairFromSecret(new Uint8Array(32).fill(7));
const salt = new Uint8Array(32).fill(1);

function txs(count: number): Tx[] {
  return Array.from({ length: count }, (_, nonce) => buildTx({ chainId: 'dcbt-assembly-test', account: key.publicKey, nonce, payload: { type: TxType.COMMIT, commitment: commitmentHash(`name${nonce}`, key.publicKey, salt) } }, key, 0));
}

const TXS = txs(6);
const proposal: SignedProposal = { height: 3, round: 0, polRound: -1, blockHash: new Uint8Array(32).fill(9), proposer: new Uint8Array(32).fill(2), signature: new Uint8Array(64) };
const block: Block = {
  header: { chainId: 'dcbt-assembly-test', height: 3, timeMs: 1000, prevHash: new Uint8Array(32), txRoot: new Uint8Array(32).fill(3), stateRoot: new Uint8Array(32), validatorsHash: new Uint8Array(32), proposer: new Uint8Array(32).fill(2) },
  txs: TXS,
};
/** What a receiver decodes off the wire. */
const compact = decodeCompactProposal(encodeCompactProposal({ proposal, block }));

function recentWith(list: readonly Tx[]): RecentTxs {
  const recent = new RecentTxs();
  for (const tx of list) recent.add(tx);
  return recent;
}

const noFetch = async (): Promise<Map<string, Bytes>> => {
  throw new Error('nothing should be fetched');
};

test('a proposal whose transactions are all here is rebuilt without asking anyone, byte for byte', async () => {
  const result = await assembleProposal(compact, recentWith(TXS), noFetch);
  assert.equal(result.status, 'assembled');
  assert.ok(result.status === 'assembled');
  assert.deepEqual(encodeBlock(result.block), encodeBlock(block));
  assert.deepEqual(result.proposal, proposal);
  assert.equal(result.fetched, 0);
});

test('the missing transactions, and only those, are asked for; what comes back is remembered', async () => {
  const recent = recentWith([TXS[0]!, TXS[2]!, TXS[5]!]);
  const asked: string[][] = [];
  const result = await assembleProposal(compact, recent, async (ids) => {
    asked.push(ids.map(toHex));
    return new Map([TXS[1]!, TXS[3]!, TXS[4]!].map((tx) => [toHex(txId(tx)), encodeTx(tx)]));
  });
  assert.deepEqual(asked, [[1, 3, 4].map((i) => toHex(txId(TXS[i]!)))]);
  assert.ok(result.status === 'assembled');
  assert.deepEqual(encodeBlock(result.block), encodeBlock(block));
  assert.equal(result.fetched, 3);
  assert.equal(recent.size, 6);
  assert.deepEqual(recent.getTx(txId(TXS[3]!)), encodeTx(TXS[3]!));
});

test('a transaction the peer does not have either leaves the proposal incomplete', async () => {
  const result = await assembleProposal(compact, recentWith(TXS.slice(0, 4)), async () => new Map([[toHex(txId(TXS[4]!)), encodeTx(TXS[4]!)]]));
  assert.deepEqual(result, { status: 'incomplete', missing: 1 });
});

test('an id whose bytes do not decode as a transaction makes the proposal invalid', async () => {
  const junk = new Uint8Array([1, 2, 3]);
  const forged = decodeCompactProposal(encodeCompactProposal({ proposal, block: { header: block.header, txs: [] } }));
  const withJunk = { ...forged, txIds: [sha256(junk)] };
  const result = await assembleProposal(withJunk, new RecentTxs(), async () => new Map([[toHex(sha256(junk)), junk]]));
  assert.equal(result.status, 'invalid');
  assert.ok(result.status === 'invalid' && /does not decode/.test(result.reason));
});

test('a block larger than the limit is invalid once put together', async () => {
  const size = encodeBlock(block).length;
  assert.equal((await assembleProposal(compact, recentWith(TXS), noFetch, size)).status, 'assembled');
  const result = await assembleProposal(compact, recentWith(TXS), noFetch, size - 1);
  assert.ok(result.status === 'invalid' && result.reason.includes(`${size} bytes; at most ${size - 1}`), JSON.stringify(result));
});

test('recent transactions keep the newest countMax; adding one twice does not make it newer', () => {
  const recent = new RecentTxs({ checkedCountMax: 3 });
  for (const tx of TXS.slice(0, 3)) recent.add(tx);
  recent.add(TXS[0]!);
  recent.add(TXS[3]!);
  assert.equal(recent.size, 3);
  assert.equal(recent.get(toHex(txId(TXS[0]!))), undefined, 'the oldest went first');
  for (const i of [1, 2, 3]) assert.equal(recent.get(toHex(txId(TXS[i]!))), TXS[i]);
  assert.throws(() => new RecentTxs({ checkedCountMax: 0 }), RangeError);
  assert.throws(() => new RecentTxs({ uncheckedSizeBytesMax: 1.5 }), RangeError);
});

test('recent transactions are bounded by bytes as well: large ones push out the oldest', () => {
  const size = encodeTx(TXS[0]!).length;
  const recent = new RecentTxs({ checkedCountMax: 100, checkedSizeBytesMax: 3 * size });
  for (const tx of TXS.slice(0, 5)) recent.add(tx);
  assert.equal(recent.size, 3);
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => recent.get(toHex(txId(TXS[i]!))) !== undefined), [false, false, true, true, true]);
});

test('transactions not yet checked churn their own tier and never push admitted ones out', () => {
  const recent = new RecentTxs({ checkedCountMax: 2, uncheckedCountMax: 2 });
  const has = (i: number) => recent.get(toHex(txId(TXS[i]!))) !== undefined;
  recent.add(TXS[0]!);
  recent.add(TXS[1]!);
  for (const tx of TXS.slice(2)) recent.addUnchecked(tx);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map(has), [true, true, false, false, true, true], 'a flood of unchecked transactions keeps the admitted two');
  assert.equal(recent.size, 4);
  assert.equal(recent.getTx(txId(TXS[5]!))?.length, encodeTx(TXS[5]!).length, 'an unchecked transaction is still served to a peer that asks');
});

test('admitting a transaction moves it out of the unchecked tier, and an admitted one is never demoted', () => {
  const recent = new RecentTxs({ checkedCountMax: 10, uncheckedCountMax: 10 });
  recent.addUnchecked(TXS[0]!);
  recent.add(TXS[0]!);
  assert.equal(recent.size, 1, 'admitted, it is held once (in the checked tier only)');
  recent.addUnchecked(TXS[0]!);
  assert.equal(recent.size, 1, 'gossip bringing an admitted transaction again does not copy it to the unchecked tier');

  // Which tier holds TXS[0] shows when each tier is full: an unchecked tier of one evicts it only if it is there.
  const small = new RecentTxs({ checkedCountMax: 10, uncheckedCountMax: 1 });
  small.addUnchecked(TXS[0]!);
  small.add(TXS[0]!);
  small.addUnchecked(TXS[0]!);
  small.addUnchecked(TXS[1]!);
  small.addUnchecked(TXS[2]!);
  assert.ok(small.get(toHex(txId(TXS[0]!))), 'a flood of unchecked transactions leaves the admitted one');
  assert.equal(small.get(toHex(txId(TXS[1]!))), undefined, 'the unchecked tier of one holds only the newest');
  assert.equal(small.size, 2);
});

test('transactions fetched for a proposal are kept unchecked', async () => {
  const recent = new RecentTxs({ uncheckedCountMax: 1 });
  const fetchAll = async (ids: readonly Bytes[]) => new Map(ids.map((id) => [toHex(id), encodeTx(TXS.find((t) => toHex(txId(t)) === toHex(id))!)]));
  const result = await assembleProposal(compact, recent, fetchAll);
  assert.ok(result.status === 'assembled' && result.fetched === TXS.length);
  assert.equal(recent.size, 1, 'only the unchecked tier took them, and it holds one');
});

test('missing transactions are asked of the forwarding peer first, then of others for what is still missing, three peers at most', async () => {
  const ids = TXS.map((t) => txId(t));
  const holdings: Record<string, readonly number[] | 'fails'> = { fwd: 'fails', a: [0, 1, 2], b: [3, 4], c: [5], d: [5] };
  const asked: { peer: string; ids: number }[] = [];
  const errors: string[] = [];
  const request: RequestTxs = async (peer, wanted) => {
    asked.push({ peer, ids: wanted.length });
    const held = holdings[peer]!;
    if (held === 'fails') throw new Error('stream reset');
    return new Map(held.filter((i) => wanted.some((id) => toHex(id) === toHex(ids[i]!))).map((i) => [toHex(ids[i]!), encodeTx(TXS[i]!)]));
  };
  const found = await fetchFromPeers(ids, 'fwd', ['a', 'fwd', 'b', 'c', 'd'], request, (_e, peer) => errors.push(peer));
  assert.deepEqual(asked, [
    { peer: 'fwd', ids: 6 },
    { peer: 'a', ids: 6 },
    { peer: 'b', ids: 3 },
  ]);
  assert.deepEqual(errors, ['fwd'], 'the failed request is reported with its peer');
  assert.deepEqual([...found.keys()].sort(), [0, 1, 2, 3, 4].map((i) => toHex(ids[i]!)).sort(), 'the fourth peer is not asked, so one stays missing');

  asked.length = 0;
  const whole = await fetchFromPeers(ids.slice(0, 2), 'a', ['b', 'c'], request, () => assert.fail('nothing fails'));
  assert.equal(whole.size, 2);
  assert.deepEqual(asked.map((a) => a.peer), ['a'], 'no one else is asked once everything is found');
});
