/**
 * Block sync between real libp2p nodes on 127.0.0.1: a fresh node pulls 500 real blocks in
 * bounded batches and verifies every commit certificate; hostile peers (raw libp2p nodes speaking
 * the protocol badly) get refused or penalised and never crash either side.
 */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Libp2p } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { bytesEqual } from '../chain/hash.ts';
import { verifyCommit } from '../chain/light.ts';
import { encodeBlock, encodeCommit } from '../chain/codec.ts';
import { PeerRequestError } from './errors.ts';
import { type P2PNode, type P2PNodeOptions } from './node.ts';
import type { SyncVerdict } from './sync.ts';
import { encodeSyncRequest, encodeSyncResponse, SyncKind, SyncStatus, type SyncedBlock } from './sync-wire.ts';
import { buildTestChain, MemoryBlockSource, signCommit, TestNodes, testSecret } from './testing.ts';
import { syncProtocol } from './topics.ts';

const chain = buildTestChain({ blocks: 520, txEveryBlocks: 10, txsPerBlock: 3 });
const CHAIN_ID = chain.genesis.chainId;
const nodes = new TestNodes(CHAIN_ID, 'sync-node');
afterEach(() => nodes.stopAll());
const startNode = (options: Partial<P2PNodeOptions> = {}): Promise<P2PNode> => nodes.start(options);

const startRaw = (): Promise<Libp2p> => nodes.startRaw();

/** What the node will do per block: check the certificate against genesis and the link to the last block. */
function verifier(): { verify: (b: SyncedBlock) => SyncVerdict; heights: number[] } {
  const heights: number[] = [];
  let last: Uint8Array | undefined;
  return {
    heights,
    verify(b) {
      try {
        verifyCommit(chain.genesis, b.header, b.commit);
      } catch {
        return 'reject';
      }
      if (last && !bytesEqual(b.header.prevHash, last)) return 'reject';
      assert.deepEqual(b.blockBytes, chain.blocks[b.height - 1]!.blockBytes);
      last = b.hash;
      heights.push(b.height);
      return 'accept';
    },
  };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('block sync between nodes', () => {
  test('a fresh node syncs 500 real blocks in bounded batches, verifying every certificate, then follows the tip', { timeout: 30_000 }, async () => {
    const source = new MemoryBlockSource(chain, 500);
    const server = await startNode({ blockSource: source, limits: { blocksPerRequestMax: 64 } });
    const fresh = await startNode({ bootstrap: server.multiaddrs(), limits: { blocksPerRequestMax: 100 } });
    await waitFor('connected', () => fresh.peers().includes(server.peerId));

    assert.equal(await fresh.status(server.peerId), 500);
    const { verify, heights } = verifier();
    const result = await fresh.syncFrom(server.peerId, 1, verify);
    assert.deepEqual(heights, Array.from({ length: 500 }, (_, i) => i + 1));
    assert.deepEqual(result, { peer: server.peerId, fromHeight: 1, toHeight: 500, blocks: 500, requests: 8, peerTipHeight: 500 });
    // The client asked for 100 per request; the server capped each answer at its own 64.
    assert.equal(source.reads, 500);

    source.tip = 520;
    const more = await fresh.syncFrom(server.peerId, 501, verify, { prevHash: chain.blocks[499]!.commit.blockHash });
    assert.equal(more.toHeight, 520);
    assert.equal(heights.length, 520);
    const none = await fresh.syncFrom(server.peerId, 521, verify);
    assert.deepEqual([none.blocks, none.toHeight, none.requests], [0, 520, 1]);
  });

  test('the response size limit bounds each batch; headers come with their certificates', { timeout: 20_000 }, async () => {
    const itemBytes = (h: number) => 8 + chain.blocks[h - 1]!.blockBytes.length + chain.blocks[h - 1]!.commitBytes.length;
    const limit = 13 + 4 * itemBytes(10);
    // The packing rule, spelled out: add blocks while the frame stays within the limit.
    let expectedRequests = 0;
    for (let next = 1; next <= 60; expectedRequests++) {
      let size = 13;
      while (next <= 60 && size + itemBytes(next) <= limit) size += itemBytes(next++);
    }
    const server = await startNode({ blockSource: new MemoryBlockSource(chain, 100), limits: { responseSizeBytesMax: limit } });
    const fresh = await startNode({ bootstrap: server.multiaddrs() });
    await waitFor('connected', () => fresh.peers().includes(server.peerId));
    const { verify } = verifier();
    const result = await fresh.syncFrom(server.peerId, 1, verify, { toHeight: 60 });
    assert.equal(result.toHeight, 60);
    assert.equal(result.requests, expectedRequests);
    assert.ok(expectedRequests > 60 / 8, 'the size limit, not the count limit, made the batches');
    const { headers, tipHeight } = await fresh.requestHeaders(server.peerId, 10, 5);
    assert.equal(tipHeight, 100);
    assert.deepEqual(headers.map((h) => h.height), [10, 11, 12, 13, 14]);
    for (const h of headers) verifyCommit(chain.genesis, h.header, h.commit);
  });

  test('large blocks: a response of several MiB (over libp2p\'s default 4 MiB stream buffer) arrives whole', { timeout: 30_000 }, async () => {
    const big = buildTestChain({ blocks: 8, chainId: CHAIN_ID, txEveryBlocks: 1, txsPerBlock: 100, txRecordBytes: 7500 });
    const sizes = big.blocks.map((b) => b.blockBytes.length);
    assert.ok(sizes.every((n) => n > 700_000), `blocks of ${sizes[0]} bytes`);
    const server = await startNode({ blockSource: new MemoryBlockSource(big) });
    const fresh = await startNode({ bootstrap: server.multiaddrs() });
    await waitFor('connected', () => fresh.peers().includes(server.peerId));
    const { blocks } = await fresh.requestBlocks(server.peerId, 1, 8);
    assert.equal(blocks.length, 8);
    assert.ok(sizes.reduce((a, b) => a + b, 0) > 5 * 1024 * 1024);
    blocks.forEach((b, i) => {
      assert.deepEqual(b.blockBytes, big.blocks[i]!.blockBytes);
      verifyCommit(big.genesis, b.header, b.commit);
    });
  });

  test('a block that fails verification stops the sync and counts against the peer', { timeout: 20_000 }, async () => {
    // A server whose block 7 carries a certificate signed by outsiders.
    const outsiders = buildTestChain({ blocks: 1, chainId: CHAIN_ID }).validators.map((v, i) => ({ ...v, secretKey: testSecret('outsider', i) }));
    const b7 = chain.blocks[6]!.block;
    const forgedCommit = encodeCommit(signCommit(chain.genesis, outsiders.map((o) => ({ secretKey: o.secretKey, publicKey: o.publicKey })), b7));
    const good = new MemoryBlockSource(chain, 20);
    const source = { tipHeight: () => 20, getBlock: (h: number) => (h === 7 ? { block: encodeBlock(b7), commit: forgedCommit } : good.getBlock(h)) };
    const server = await startNode({ blockSource: source });
    const fresh = await startNode({ bootstrap: server.multiaddrs(), limits: { invalidMessagesMax: 2 } });
    await waitFor('connected', () => fresh.peers().includes(server.peerId));
    const { verify, heights } = verifier();
    await assert.rejects(fresh.syncFrom(server.peerId, 1, verify), (error: unknown) => {
      assert.ok(error instanceof PeerRequestError);
      assert.equal(error.code, 'SYNC_BLOCK_REJECTED');
      assert.equal(error.details.height, 7);
      assert.equal(error.details.peerFault, true);
      return true;
    });
    assert.deepEqual(heights, [1, 2, 3, 4, 5, 6]);
    assert.equal(fresh.isBanned(server.peerId), false);
    await assert.rejects(fresh.syncFrom(server.peerId, 7, verify), PeerRequestError);
    assert.equal(fresh.isBanned(server.peerId), true, 'the second rejected block reaches the threshold');
    await assert.rejects(fresh.status(server.peerId), (error: unknown) => error instanceof PeerRequestError && error.code === 'REQUEST_PEER_BANNED');
  });

  test('a verify callback that throws is the caller\'s failure, not the peer\'s', { timeout: 20_000 }, async () => {
    const server = await startNode({ blockSource: new MemoryBlockSource(chain, 10) });
    const fresh = await startNode({ bootstrap: server.multiaddrs(), limits: { invalidMessagesMax: 1 } });
    await waitFor('connected', () => fresh.peers().includes(server.peerId));
    await assert.rejects(fresh.syncFrom(server.peerId, 1, () => {
      throw new Error('disk full');
    }), /disk full/);
    assert.equal(fresh.isBanned(server.peerId), false);
  });

  test('requests beyond syncServeConcurrencyMax get BUSY, which is not held against the asker', { timeout: 20_000 }, async () => {
    const memory = new MemoryBlockSource(chain, 50);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = {
      tipHeight: () => 50,
      getBlock: async (h: number) => {
        await gate;
        return memory.getBlock(h);
      },
    };
    const server = await startNode({ blockSource: slow, limits: { syncServeConcurrencyMax: 1 } });
    const fresh = await startNode({ bootstrap: server.multiaddrs(), limits: { invalidMessagesMax: 1 } });
    await waitFor('connected', () => fresh.peers().includes(server.peerId));
    const first = fresh.requestBlocks(server.peerId, 1, 5);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await assert.rejects(fresh.requestBlocks(server.peerId, 6, 5), (error: unknown) => error instanceof PeerRequestError && error.code === 'SYNC_PEER_ERROR' && error.details.status === 'BUSY');
    release();
    assert.equal((await first).blocks.length, 5);
    assert.equal(fresh.isBanned(server.peerId), false);
    assert.equal((await fresh.requestBlocks(server.peerId, 6, 5)).blocks.length, 5);
  });

  test('a node without a block source answers UNAVAILABLE', { timeout: 20_000 }, async () => {
    const server = await startNode();
    const fresh = await startNode({ bootstrap: server.multiaddrs() });
    await waitFor('connected', () => fresh.peers().includes(server.peerId));
    await assert.rejects(fresh.requestBlocks(server.peerId, 1, 5), (error: unknown) => error instanceof PeerRequestError && error.code === 'SYNC_PEER_ERROR' && error.details.peerFault === false);
    server.setBlockSource(new MemoryBlockSource(chain, 3));
    assert.equal((await fresh.requestBlocks(server.peerId, 1, 5)).blocks.length, 3);
  });
});

describe('hostile sync peers', () => {
  test('malformed requests get BAD_REQUEST or a closed stream, are penalised, and the server keeps serving', { timeout: 20_000 }, async () => {
    const server = await startNode({ blockSource: new MemoryBlockSource(chain, 50), limits: { invalidMessagesMax: 100 } });
    const penalties: string[] = [];
    server.on((e) => {
      if (e.type === 'peer:penalised') penalties.push(e.reason);
    });
    const raw = await startRaw();
    const address = multiaddr(server.multiaddrs()[0]!);
    const exchange = async (frame: Uint8Array, rawLength = false): Promise<Uint8Array | undefined> => {
      const stream = await raw.dialProtocol(address, syncProtocol(CHAIN_ID), { signal: AbortSignal.timeout(3000) });
      try {
        if (rawLength) {
          stream.send(frame);
        } else {
          await lpStream(stream).write(frame);
        }
        return (await lpStream(stream, { maxDataLength: 1 << 20 }).read({ signal: AbortSignal.timeout(3000) })).subarray();
      } catch {
        return undefined;
      } finally {
        stream.abort(new Error('done'));
      }
    };
    const garbage = [new Uint8Array(), Uint8Array.of(1), Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9), encodeSyncRequest({ kind: SyncKind.BLOCKS, fromHeight: 0, count: 1 })];
    for (const frame of garbage) {
      const answer = await exchange(frame);
      assert.ok(answer, 'the server answers');
      assert.equal(answer[1], SyncStatus.BAD_REQUEST);
    }
    // A length prefix claiming a 1 GiB request: refused without reading it.
    const oversized = await exchange(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x04), true);
    assert.equal(oversized, undefined);
    await waitFor('five penalties', () => penalties.length === 5);
    assert.deepEqual(penalties, [...garbage.map(() => 'malformed sync request'), 'oversized sync request']);
    // Still serving, to the same peer too (the threshold was not reached).
    const ok = await exchange(encodeSyncRequest({ kind: SyncKind.STATUS, fromHeight: 0, count: 0 }));
    assert.equal(ok?.[1], SyncStatus.OK);
  });

  test('malformed, oversized, inconsistent and slow responses are refused; the hostile server ends up banned', { timeout: 30_000 }, async () => {
    const raw = await startRaw();
    let answer: (req: Uint8Array) => Uint8Array | 'silent' | 'huge' = () => new Uint8Array();
    await raw.handle(syncProtocol(CHAIN_ID), async (stream) => {
      const lp = lpStream(stream);
      try {
        const req = (await lp.read()).subarray();
        const reply = answer(req);
        if (reply === 'silent') return;
        if (reply === 'huge') stream.send(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f));
        else await lp.write(reply);
        await stream.close();
      } catch (error) {
        stream.abort(error as Error);
      }
    });
    const client = await startNode({ limits: { invalidMessagesMax: 6, requestTimeoutMs: 500, responseSizeBytesMax: 1 << 20 } });
    const hostile = raw.peerId.toString();
    await client.dial(raw.getMultiaddrs()[0]!.toString());
    const blocks = (from: number, n: number) => chain.blocks.slice(from - 1, from - 1 + n).map((b) => ({ payload: b.blockBytes, commit: b.commitBytes }));
    const ok = (items: { payload: Uint8Array; commit: Uint8Array }[], tipHeight = 500) => encodeSyncResponse({ status: SyncStatus.OK, tipHeight, kind: SyncKind.BLOCKS, items });
    const cases: [string, (req: Uint8Array) => Uint8Array | 'huge', RegExp][] = [
      ['random bytes', () => Uint8Array.of(7, 7, 7), /malformed/],
      ['more items than asked', () => ok(blocks(1, 4)), /more than the 3 asked for/],
      ['blocks out of order', () => ok([...blocks(2, 1), ...blocks(1, 1)]), /height 2, expected 1/],
      ['another chain', () => ok(buildTestChain({ blocks: 1, chainId: 'other-chain' }).blocks.map((b) => ({ payload: b.blockBytes, commit: b.commitBytes }))), /chain "other-chain"/],
      ['a frame over the response limit', () => 'huge', /over 1048576 bytes/],
    ];
    for (const [what, reply, message] of cases) {
      answer = reply;
      await assert.rejects(client.requestBlocks(hostile, 1, 3), (error: unknown) => {
        assert.ok(error instanceof PeerRequestError, what);
        assert.equal(error.code, 'REQUEST_BAD_RESPONSE', `${what}: ${error.message}`);
        assert.equal(error.details.peerFault, true);
        assert.match(error.message, message, what);
        return true;
      }, what);
    }
    // A peer that says nothing times out: not proof of malice, so not counted.
    answer = () => 'silent';
    await assert.rejects(client.requestBlocks(hostile, 1, 3), (error: unknown) => error instanceof PeerRequestError && error.code === 'REQUEST_TIMEOUT' && !error.details.peerFault);
    assert.equal(client.isBanned(hostile), false);
    // An empty answer below its own claimed tip is the sixth offence: banned.
    answer = () => ok([], 500);
    await assert.rejects(client.syncFrom(hostile, 1, () => 'accept'), /claims tip 500 but sent no block/);
    assert.equal(client.isBanned(hostile), true);
    await waitFor('hostile server disconnected', () => !client.peers().includes(hostile));
  });
});
