/**
 * Transactions by id between real libp2p nodes on 127.0.0.1, and the protocol's frames: what a
 * server has comes back checked against its id, an answer cut by the size limit is continued, and
 * a peer that answers with other bytes or sends a malformed request is penalised.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { CodecError } from '../chain/codec.ts';
import { sha256, toHex, utf8 } from '../chain/hash.ts';
import type { Bytes } from '../chain/types.ts';
import { PeerRequestError } from './errors.ts';
import { type P2PEvent, type P2PNode, type P2PNodeOptions } from './node.ts';
import { TestNodes } from './testing.ts';
import { txFetchProtocol } from './topics.ts';
import {
  answerTxFetch,
  decodeTxFetchRequest,
  decodeTxFetchResponse,
  encodeTxFetchRequest,
  encodeTxFetchResponse,
  TX_FETCH_IDS_MAX,
  type TxSource,
} from './tx-fetch.ts';

const CHAIN_ID = 'dcbt-tx-fetch-test';
const nodes = new TestNodes(CHAIN_ID, 'tx-fetch-node');
afterEach(() => nodes.stopAll());
const startNode = (options: Partial<P2PNodeOptions> = {}): Promise<P2PNode> => nodes.start(options);

/** Stand-in transactions: the protocol moves bytes named by their SHA-256 and never decodes them. */
function fakeTxs(count: number, sizeBytes = 150): Bytes[] {
  return Array.from({ length: count }, (_, i) => {
    const tx = new Uint8Array(sizeBytes);
    tx.set(sha256(utf8(`tx ${i}`)));
    return tx;
  });
}

function sourceOf(txs: readonly Bytes[]): TxSource & { asked: number } {
  const byId = new Map(txs.map((tx) => [toHex(sha256(tx)), tx]));
  const source = {
    asked: 0,
    getTx(id: Bytes) {
      source.asked++;
      return byId.get(toHex(id));
    },
  };
  return source;
}

function events(node: P2PNode): P2PEvent[] {
  const seen: P2PEvent[] = [];
  node.on((e) => seen.push(e));
  return seen;
}

const id = fc.uint8Array({ minLength: 32, maxLength: 32 });

test('requests and answers round-trip; an absent transaction is an empty entry', () => {
  fc.assert(
    fc.property(fc.array(id, { minLength: 1, maxLength: 50 }), fc.array(fc.option(fc.uint8Array({ minLength: 1, maxLength: 300 }), { nil: undefined }), { maxLength: 50 }), (ids, txs) => {
      assert.deepEqual(decodeTxFetchRequest(encodeTxFetchRequest(ids)), ids);
      assert.deepEqual(decodeTxFetchResponse(encodeTxFetchResponse(txs), txs.length), txs);
    }),
  );
  assert.throws(() => encodeTxFetchRequest([]), RangeError);
  assert.throws(() => encodeTxFetchRequest(Array.from({ length: TX_FETCH_IDS_MAX + 1 }, () => new Uint8Array(32))), RangeError);
});

test('the decoders throw only CodecError, and an answer may not hold more entries than ids asked', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      for (const decode of [decodeTxFetchRequest, (b: Bytes) => decodeTxFetchResponse(b, 8)]) {
        try {
          decode(bytes);
        } catch (error) {
          if (!(error instanceof CodecError)) throw error;
        }
      }
    }),
    { numRuns: 3000 },
  );
  assert.throws(() => decodeTxFetchResponse(encodeTxFetchResponse([undefined, undefined, undefined]), 2), /3 entries for 2 ids asked/);
});

test('a server stops before its answer would exceed the size limit', () => {
  const txs = fakeTxs(10, 200);
  const answer = answerTxFetch(txs.map((tx) => sha256(tx)), sourceOf(txs), 1000);
  assert.equal(answer.length, 4, '3 + 4 × (4 + 200) bytes fit in 1,000; a fifth would not');
  assert.ok(encodeTxFetchResponse(answer).length <= 1000);
});

test('a node gets the transactions its peer has, in as many requests as the peer\'s size limit needs', async () => {
  const txs = fakeTxs(20);
  const source = sourceOf(txs);
  const server = await startNode({ txSource: source, limits: { responseSizeBytesMax: 1024 } });
  const client = await startNode();
  await client.dial(server.multiaddrs()[0]!);
  const unknown = sha256(utf8('nobody has this'));
  const found = await client.requestTxs(server.peerId, [...txs.map((tx) => sha256(tx)), unknown]);
  assert.equal(found.size, 20);
  for (const tx of txs) assert.deepEqual(found.get(toHex(sha256(tx))), tx);
  assert.equal(found.has(toHex(unknown)), false);
  assert.ok(source.asked > 21, `the cut answers were continued (${source.asked} lookups for 21 ids)`);
});

test('a node without a transaction source answers that it has nothing', async () => {
  const server = await startNode();
  const client = await startNode();
  await client.dial(server.multiaddrs()[0]!);
  assert.equal((await client.requestTxs(server.peerId, [sha256(utf8('x'))])).size, 0);
});

test('a peer that answers an id with other bytes is penalised, and its answer refused', async () => {
  const txs = fakeTxs(2);
  const liar: TxSource = { getTx: () => txs[0] };
  const server = await startNode({ txSource: liar });
  const client = await startNode();
  await client.dial(server.multiaddrs()[0]!);
  const seen = events(client);
  await assert.rejects(
    client.requestTxs(server.peerId, [sha256(txs[1]!)]),
    (e) => e instanceof PeerRequestError && e.code === 'REQUEST_BAD_RESPONSE' && e.details.peerFault === true,
  );
  assert.ok(seen.some((e) => e.type === 'peer:penalised' && e.peer === server.peerId && /does not match its id/.test(e.reason)));
});

test('a peer that sends a malformed request is penalised, and gets no answer', async () => {
  const server = await startNode({ txSource: sourceOf(fakeTxs(1)) });
  const seen = events(server);
  const raw = await nodes.startRaw();
  const stream = await raw.dialProtocol(multiaddr(server.multiaddrs()[0]!), txFetchProtocol(CHAIN_ID), { signal: AbortSignal.timeout(3000) });
  const request = encodeTxFetchRequest([sha256(utf8('x'))]);
  request[0] = 99;
  await lpStream(stream).write(request);
  await assert.rejects(lpStream(stream).read({ signal: AbortSignal.timeout(3000) }));
  assert.ok(seen.some((e) => e.type === 'peer:penalised' && /malformed transaction request/.test(e.reason)), JSON.stringify(seen));
});
