/**
 * The sync wire format without sockets: round trips, the decoders' refusals, the server's batch
 * packing, the client's shape checks, and a fuzz campaign over random and mutated frames (the
 * seed is fixed; DCBT_FUZZ_SEED=<n> runs another one).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeBlock, encodeBlock, encodeCommit, encodeHeader } from '../chain/codec.ts';
import { verifyCommit } from '../chain/light.ts';
import { DcbtError } from '../errors.ts';
import { COMMIT_SIZE_BYTES_MAX } from './limits.ts';
import { answerSyncRequest } from './sync.ts';
import {
  checkSyncItems,
  decodeSyncRequest,
  decodeSyncResponse,
  encodeSyncRequest,
  encodeSyncResponse,
  SYNC_REQUEST_SIZE_BYTES,
  syncResponseSizeBytes,
  SyncKind,
  SyncStatus,
  SyncWireError,
  type SyncRequest,
  type SyncResponse,
} from './sync-wire.ts';
import { buildTestChain, MemoryBlockSource, signCommit } from './testing.ts';

const seed = Number(process.env.DCBT_FUZZ_SEED ?? 20261121);
const chain = buildTestChain({ blocks: 40, txEveryBlocks: 3, txsPerBlock: 2 });
const chainId = chain.genesis.chainId;
const source = new MemoryBlockSource(chain);
const BIG = { responseSizeBytesMax: 1 << 24, blocksPerRequestMax: 128 };

async function okAnswer(req: SyncRequest, limits = BIG): Promise<SyncResponse & { status: typeof SyncStatus.OK }> {
  const res = await answerSyncRequest(req, source, limits);
  assert.equal(res.status, SyncStatus.OK);
  return res as SyncResponse & { status: typeof SyncStatus.OK };
}

describe('sync requests', () => {
  test('round-trip for every valid request', () => {
    const req = fc.oneof(
      fc.constant<SyncRequest>({ kind: SyncKind.STATUS, fromHeight: 0, count: 0 }),
      fc.record({
        kind: fc.constantFrom(SyncKind.HEADERS, SyncKind.BLOCKS),
        fromHeight: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        count: fc.integer({ min: 1, max: 0xffff }),
      }),
    );
    fc.assert(
      fc.property(req, (r) => {
        const bytes = encodeSyncRequest(r);
        assert.equal(bytes.length, SYNC_REQUEST_SIZE_BYTES);
        assert.deepEqual(decodeSyncRequest(bytes), structuredClone(r));
      }),
      { seed, numRuns: 500 },
    );
  });

  test('refuses what the protocol does not allow', () => {
    const bad: [string, Uint8Array][] = [
      ['count 0', encodeSyncRequest({ kind: SyncKind.BLOCKS, fromHeight: 1, count: 0 })],
      ['height 0', encodeSyncRequest({ kind: SyncKind.HEADERS, fromHeight: 0, count: 5 })],
      ['STATUS with a height', encodeSyncRequest({ kind: SyncKind.STATUS, fromHeight: 3, count: 0 })],
      ['unknown kind', Uint8Array.of(1, 9, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1)],
      ['unknown version', Uint8Array.of(2, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1)],
      ['trailing byte', Uint8Array.of(...encodeSyncRequest({ kind: SyncKind.BLOCKS, fromHeight: 1, count: 1 }), 0)],
      ['truncated', encodeSyncRequest({ kind: SyncKind.BLOCKS, fromHeight: 1, count: 1 }).subarray(0, 7)],
      ['empty', new Uint8Array()],
    ];
    for (const [what, bytes] of bad) assert.throws(() => decodeSyncRequest(bytes), DcbtError, what);
  });
});

describe('sync responses', () => {
  test('round-trip for arbitrary items and error answers', () => {
    const item = fc.record({ payload: fc.uint8Array({ maxLength: 300 }), commit: fc.uint8Array({ maxLength: 200 }) });
    const ok = fc.record({
      status: fc.constant(SyncStatus.OK),
      tipHeight: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      kind: fc.constantFrom(SyncKind.HEADERS, SyncKind.BLOCKS),
      items: fc.array(item, { maxLength: 20 }),
    });
    const err = fc.record({
      status: fc.constantFrom(SyncStatus.BAD_REQUEST, SyncStatus.UNAVAILABLE, SyncStatus.BUSY, SyncStatus.TOO_LARGE),
      tipHeight: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      reason: fc.string({ maxLength: 60 }),
    });
    fc.assert(
      fc.property(fc.oneof(ok, err), (res) => {
        const bytes = encodeSyncResponse(res as SyncResponse);
        if (res.status === SyncStatus.OK) assert.equal(bytes.length, syncResponseSizeBytes(res.items));
        assert.deepEqual(decodeSyncResponse(bytes, 20), structuredClone(res));
      }),
      { seed, numRuns: 300 },
    );
  });

  test('a long error reason is clipped to whole characters within 255 bytes', () => {
    const res = decodeSyncResponse(encodeSyncResponse({ status: SyncStatus.BUSY, tipHeight: 1, reason: 'é'.repeat(300) }), 1);
    assert.equal(res.status !== SyncStatus.OK && res.reason, 'é'.repeat(127));
  });

  test('refuses more items than asked for, oversized items and items in a STATUS answer', () => {
    const two = encodeSyncResponse({ status: SyncStatus.OK, tipHeight: 9, kind: SyncKind.BLOCKS, items: [{ payload: Uint8Array.of(1), commit: Uint8Array.of(2) }, { payload: Uint8Array.of(3), commit: Uint8Array.of(4) }] });
    assert.throws(() => decodeSyncResponse(two, 1), /more than the 1 asked for/);
    const status = encodeSyncResponse({ status: SyncStatus.OK, tipHeight: 9, kind: SyncKind.STATUS, items: [{ payload: Uint8Array.of(1), commit: Uint8Array.of(2) }] });
    assert.throws(() => decodeSyncResponse(status, 5), /STATUS answer carries no items/);
    const bigHeader = encodeSyncResponse({ status: SyncStatus.OK, tipHeight: 9, kind: SyncKind.HEADERS, items: [{ payload: new Uint8Array(600), commit: Uint8Array.of(2) }] });
    assert.throws(() => decodeSyncResponse(bigHeader, 5), /exceeds/);
    const bigCommit = encodeSyncResponse({ status: SyncStatus.OK, tipHeight: 9, kind: SyncKind.BLOCKS, items: [{ payload: Uint8Array.of(1), commit: new Uint8Array(COMMIT_SIZE_BYTES_MAX + 1) }] });
    assert.throws(() => decodeSyncResponse(bigCommit, 5), /exceeds/);
  });
});

describe('serving a request (answerSyncRequest)', () => {
  test('blocks from the height asked, stopping at the count and at the tip', async () => {
    const res = await okAnswer({ kind: SyncKind.BLOCKS, fromHeight: 5, count: 10 });
    assert.equal(res.tipHeight, 40);
    assert.equal(res.items.length, 10);
    assert.deepEqual(res.items[0]!.payload, chain.blocks[4]!.blockBytes);
    const end = await okAnswer({ kind: SyncKind.BLOCKS, fromHeight: 38, count: 10 });
    assert.equal(end.items.length, 3);
    const past = await okAnswer({ kind: SyncKind.BLOCKS, fromHeight: 41, count: 10 });
    assert.equal(past.items.length, 0);
    assert.equal(past.tipHeight, 40);
  });

  test('a count above the server\'s maximum gets the maximum, not an error', async () => {
    const res = await answerSyncRequest({ kind: SyncKind.BLOCKS, fromHeight: 1, count: 30 }, source, { ...BIG, blocksPerRequestMax: 7 });
    assert.equal(res.status === SyncStatus.OK && res.items.length, 7);
  });

  test('headers are derived from stored blocks', async () => {
    const res = await okAnswer({ kind: SyncKind.HEADERS, fromHeight: 1, count: 4 });
    assert.deepEqual(res.items.map((i) => i.payload), chain.blocks.slice(0, 4).map((b) => encodeHeader(b.block.header)));
  });

  test('packs blocks up to the response size limit, and says TOO_LARGE when one block alone exceeds it', async () => {
    const sizes = chain.blocks.slice(0, 10).map((b) => 8 + b.blockBytes.length + b.commitBytes.length);
    const limit = 13 + sizes[0]! + sizes[1]! + sizes[2]! + 1;
    const res = await okAnswer({ kind: SyncKind.BLOCKS, fromHeight: 1, count: 10 }, { ...BIG, responseSizeBytesMax: limit });
    assert.equal(res.items.length, 3);
    assert.ok(encodeSyncResponse(res).length <= limit);
    const tiny = await answerSyncRequest({ kind: SyncKind.BLOCKS, fromHeight: 1, count: 10 }, source, { ...BIG, responseSizeBytesMax: 100 });
    assert.equal(tiny.status, SyncStatus.TOO_LARGE);
  });

  test('UNAVAILABLE when the source lacks a block below its tip', async () => {
    const holey = { tipHeight: () => 40, getBlock: (h: number) => (h === 7 ? undefined : source.getBlock(h)) };
    const res = await answerSyncRequest({ kind: SyncKind.BLOCKS, fromHeight: 7, count: 3 }, holey, BIG);
    assert.equal(res.status, SyncStatus.UNAVAILABLE);
    const partial = await answerSyncRequest({ kind: SyncKind.BLOCKS, fromHeight: 5, count: 5 }, holey, BIG);
    assert.equal(partial.status === SyncStatus.OK && partial.items.length, 2);
  });
});

describe('checking an answer (checkSyncItems)', () => {
  test('accepts real blocks whose certificates verify', async () => {
    const req = { kind: SyncKind.BLOCKS, fromHeight: 1, count: 40 } as const;
    const items = checkSyncItems(req, await okAnswer(req), chainId);
    assert.equal(items.length, 40);
    for (const item of items) verifyCommit(chain.genesis, item.header, item.commit);
  });

  test('refuses wrong chain, gaps, foreign certificates and broken links', async () => {
    const req = { kind: SyncKind.BLOCKS, fromHeight: 3, count: 3 } as const;
    const good = await okAnswer(req);
    assert.throws(() => checkSyncItems(req, good, 'another-chain'), SyncWireError);
    const gap = { ...good, items: [good.items[0]!, good.items[2]!] };
    assert.throws(() => checkSyncItems(req, gap, chainId), /expected 4/);
    const foreign = { ...good, items: [good.items[0]!, { ...good.items[1]!, commit: good.items[2]!.commit }] };
    assert.throws(() => checkSyncItems(req, foreign, chainId), /certificate at height 4/);
    // A block rewritten at height 4 with its own valid certificate, but not linked to block 3.
    const b4 = decodeBlock(good.items[1]!.payload);
    const forged = { ...b4, header: { ...b4.header, prevHash: new Uint8Array(32) } };
    const forgedItem = { payload: encodeBlock(forged), commit: encodeCommit(signCommit(chain.genesis, chain.validators, forged)) };
    assert.throws(() => checkSyncItems(req, { ...good, items: [good.items[0]!, forgedItem] }, chainId), /does not link/);
    assert.throws(() => checkSyncItems(req, good, chainId, new Uint8Array(32)), /does not link/, 'the first block must link to the given prevHash');
    assert.throws(() => checkSyncItems({ ...req, kind: SyncKind.HEADERS }, good, chainId), /kind/);
  });
});

describe('fuzz: malformed frames are refused with a DCBT error, never a crash', () => {
  const refusedCleanly = (fn: () => unknown): void => {
    try {
      fn();
    } catch (error) {
      if (!(error instanceof DcbtError)) throw new Error(`decoder threw a non-DCBT error: ${(error as Error)?.stack ?? String(error)}`, { cause: error });
    }
  };

  test('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        refusedCleanly(() => decodeSyncRequest(bytes));
        refusedCleanly(() => decodeSyncResponse(bytes, 128));
      }),
      { seed, numRuns: 3000 },
    );
  });

  test('mutations of real answers, through decode and the shape check', async () => {
    const req = { kind: SyncKind.BLOCKS, fromHeight: 1, count: 6 } as const;
    const hreq = { kind: SyncKind.HEADERS, fromHeight: 1, count: 6 } as const;
    const frames = [encodeSyncResponse(await okAnswer(req)), encodeSyncResponse(await okAnswer(hreq))];
    const mutation = fc.record({
      frame: fc.integer({ min: 0, max: frames.length - 1 }),
      edits: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 6 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
    });
    let accepted = 0;
    fc.assert(
      fc.property(mutation, ({ frame, edits, cut }) => {
        let bytes = frames[frame]!.slice();
        for (const e of edits) bytes[e.at % bytes.length] = e.value;
        if (cut !== undefined) bytes = bytes.subarray(0, cut % (bytes.length + 1));
        const r = frame === 0 ? req : hreq;
        refusedCleanly(() => {
          const res = decodeSyncResponse(bytes, r.count);
          if (res.status === SyncStatus.OK) {
            checkSyncItems(r, res, chainId);
            accepted++;
          }
        });
      }),
      { seed, numRuns: 1500 },
    );
    // Edits that land in signatures or state roots still pass the shape check (the verify
    // callback catches them); the campaign must not be all refusals or it tests nothing.
    assert.ok(accepted > 0);
  });
});
