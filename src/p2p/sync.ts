/**
 * Block sync over `/dcbt/<chainId>/sync/1`: the serving side reads blocks through an injected
 * BlockSource, the asking side pulls bounded batches and hands each block to a verify callback.
 * One request and one response per stream keeps both sides simple and every frame bounded.
 *
 * Blame: a frame that breaks the protocol (bad length, does not decode, wrong heights, broken
 * links) or a block the verify callback refuses counts against the peer; timeouts, dial failures
 * and the caller's own errors do not, since they are not proof of misbehaviour.
 */
import type { Stream, Connection } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { decodeBlock, encodeHeader } from '../chain/codec.ts';
import type { Bytes } from '../chain/types.ts';
import type { P2PLimits } from './limits.ts';
import { exchangeFrames, isLengthError, requestError, type RequestContext } from './request.ts';
import {
  checkSyncItems,
  decodeSyncRequest,
  decodeSyncResponse,
  encodeSyncRequest,
  encodeSyncResponse,
  SYNC_ITEM_OVERHEAD_BYTES,
  SYNC_REQUEST_SIZE_BYTES,
  SYNC_RESPONSE_OVERHEAD_BYTES,
  SyncKind,
  SyncStatus,
  type SyncedBlock,
  type SyncedHeader,
  type SyncItem,
  type SyncRequest,
  type SyncResponse,
} from './sync-wire.ts';

/** A finalised block and its commit certificate, each in the chain codec's encoding. */
export interface StoredBlock {
  readonly block: Bytes;
  readonly commit: Bytes;
}

/** What the serving side needs from the node's block store. */
export interface BlockSource {
  /** Height of the last finalised block (0 = only genesis). */
  tipHeight(): number | Promise<number>;
  /** The block at `height` (1 ≤ height ≤ tip), or undefined if this node does not have it. */
  getBlock(height: number): StoredBlock | undefined | Promise<StoredBlock | undefined>;
  /** Optional fast path for HEADERS requests: the encoded header and certificate, without the block. */
  getHeader?(height: number): { header: Bytes; commit: Bytes } | undefined | Promise<{ header: Bytes; commit: Bytes } | undefined>;
}

export type SyncVerdict = 'accept' | 'reject';
/**
 * Called once per block, in height order. 'reject' means the peer sent a block that does not
 * verify (it is penalised and the sync stops); throwing means a local failure (the error goes to
 * the caller unchanged and the peer is not blamed).
 */
export type BlockVerifier = (block: SyncedBlock) => SyncVerdict | Promise<SyncVerdict>;

export interface SyncFromOptions {
  /** Stop after this height even if the peer has more. */
  readonly toHeight?: number;
  /** Blocks per request (≤ blocksPerRequestMax). */
  readonly batchSize?: number;
  /** Hash of the block at fromHeight - 1, if known: the first block must link to it. */
  readonly prevHash?: Bytes;
  readonly signal?: AbortSignal;
}

export interface SyncResult {
  readonly peer: string;
  readonly fromHeight: number;
  /** Last height verified; fromHeight - 1 if none. */
  readonly toHeight: number;
  readonly blocks: number;
  readonly requests: number;
  /** The peer's tip in its last answer. */
  readonly peerTipHeight: number;
}

/** Wiring the sync protocol needs from the node around it. */
export interface SyncContext extends RequestContext {
  readonly chainId: string;
  readonly protocol: string;
  readonly limits: P2PLimits;
}


// ---- serving ---------------------------------------------------------------------------------

/** Builds the answer to one decoded request; never throws for a missing block. */
export async function answerSyncRequest(req: SyncRequest, source: BlockSource, limits: Pick<P2PLimits, 'responseSizeBytesMax' | 'blocksPerRequestMax'>): Promise<SyncResponse> {
  const tipHeight = await source.tipHeight();
  if (req.kind === SyncKind.STATUS) return { status: SyncStatus.OK, tipHeight, kind: SyncKind.STATUS, items: [] };
  const items: SyncItem[] = [];
  let size = SYNC_RESPONSE_OVERHEAD_BYTES;
  const last = Math.min(req.fromHeight + Math.min(req.count, limits.blocksPerRequestMax) - 1, tipHeight);
  for (let height = req.fromHeight; height <= last; height++) {
    const item = await readItem(source, req.kind, height);
    if (!item) {
      if (items.length > 0) break;
      return { status: SyncStatus.UNAVAILABLE, tipHeight, reason: `block ${height} is not available here; ask another peer` };
    }
    const itemSize = SYNC_ITEM_OVERHEAD_BYTES + item.payload.length + item.commit.length;
    if (size + itemSize > limits.responseSizeBytesMax) {
      if (items.length > 0) break;
      return { status: SyncStatus.TOO_LARGE, tipHeight, reason: `block ${height} (${itemSize} bytes) exceeds this server's response limit of ${limits.responseSizeBytesMax} bytes` };
    }
    items.push(item);
    size += itemSize;
  }
  return { status: SyncStatus.OK, tipHeight, kind: req.kind, items };
}

async function readItem(source: BlockSource, kind: SyncKind, height: number): Promise<SyncItem | undefined> {
  if (kind === SyncKind.HEADERS && source.getHeader) {
    const h = await source.getHeader(height);
    return h && { payload: h.header, commit: h.commit };
  }
  const stored = await source.getBlock(height);
  if (!stored) return undefined;
  // Headers are cheap to re-derive; a store that keeps them apart can offer getHeader instead.
  return { payload: kind === SyncKind.HEADERS ? encodeHeader(decodeBlock(stored.block).header) : stored.block, commit: stored.commit };
}

/** The stream handler for the sync protocol; never throws (every failure ends the stream). */
export function syncStreamHandler(ctx: SyncContext, getSource: () => BlockSource | undefined): (stream: Stream, connection: Connection) => Promise<void> {
  let serving = 0;
  return async (stream, connection) => {
    const peer = connection.remotePeer.toString();
    const signal = AbortSignal.timeout(ctx.limits.requestTimeoutMs);
    const lp = lpStream(stream, { maxDataLength: SYNC_REQUEST_SIZE_BYTES });
    serving++;
    try {
      let frame: Bytes;
      try {
        frame = (await lp.read({ signal })).subarray();
      } catch (error) {
        if (isLengthError(error)) ctx.penalise(peer, 'oversized sync request');
        stream.abort(error as Error);
        return;
      }
      let response: SyncResponse;
      const source = getSource();
      try {
        const req = decodeSyncRequest(frame);
        if (!source) response = { status: SyncStatus.UNAVAILABLE, tipHeight: 0, reason: 'this node serves no blocks' };
        else if (serving > ctx.limits.syncServeConcurrencyMax) response = { status: SyncStatus.BUSY, tipHeight: await source.tipHeight(), reason: 'too many sync requests at once; retry shortly' };
        else response = await answerSyncRequest(req, source, ctx.limits);
      } catch (error) {
        if ((error as { code?: string }).code !== 'DECODE_FAILED' && (error as { code?: string }).code !== 'SYNC_WIRE') throw error;
        ctx.penalise(peer, 'malformed sync request');
        response = { status: SyncStatus.BAD_REQUEST, tipHeight: 0, reason: (error as Error).message };
      }
      await lp.write(encodeSyncResponse(response), { signal });
      await stream.close({ signal });
    } catch (error) {
      stream.abort(error instanceof Error ? error : new Error(String(error)));
    } finally {
      serving--;
    }
  };
}

// ---- asking ----------------------------------------------------------------------------------

const syncError = requestError;

/** Sends one request and returns the decoded answer (any status); throws PeerRequestError on failure. */
export async function sendSyncRequest(ctx: SyncContext, peer: string, req: SyncRequest, callerSignal?: AbortSignal): Promise<SyncResponse> {
  return exchangeFrames(ctx, peer, ctx.protocol, encodeSyncRequest(req), 'sync', (frame) => decodeSyncResponse(frame, req.count), callerSignal);
}

function okOrThrow(peer: string, res: SyncResponse, height: number): SyncResponse & { status: typeof SyncStatus.OK } {
  if (res.status === SyncStatus.OK) return res;
  const name = Object.entries(SyncStatus).find(([, v]) => v === res.status)?.[0] ?? String(res.status);
  throw syncError('SYNC_PEER_ERROR', peer, false, `peer ${peer} answered ${name} at height ${height}: ${res.reason}`, { height, status: name });
}

/** The peer's finalised tip height. */
export async function requestStatus(ctx: SyncContext, peer: string, signal?: AbortSignal): Promise<number> {
  const res = okOrThrow(peer, await sendSyncRequest(ctx, peer, { kind: SyncKind.STATUS, fromHeight: 0, count: 0 }, signal), 0);
  return res.tipHeight;
}

function checkedItems(ctx: SyncContext, peer: string, req: SyncRequest, res: SyncResponse & { status: typeof SyncStatus.OK }, prevHash?: Bytes): SyncedHeader[] {
  try {
    return checkSyncItems(req, res, ctx.chainId, prevHash);
  } catch (error) {
    ctx.penalise(peer, 'inconsistent sync response');
    throw syncError('REQUEST_BAD_RESPONSE', peer, true, `peer ${peer} sent an inconsistent sync response: ${(error as Error).message}`, { height: req.fromHeight }, error);
  }
}

function checkRange(peer: string, fromHeight: number, count: number, countMax: number): void {
  if (!Number.isSafeInteger(fromHeight) || fromHeight < 1) throw new RangeError(`fromHeight must be a height ≥ 1, got ${fromHeight}`);
  if (!Number.isInteger(count) || count < 1 || count > countMax) throw new RangeError(`count must be within 1..${countMax} (blocksPerRequestMax), got ${count} for ${peer}`);
}

/** Up to `count` headers with certificates from `fromHeight` (fewer near the tip or the size limit). */
export async function requestHeaders(ctx: SyncContext, peer: string, fromHeight: number, count: number, signal?: AbortSignal): Promise<{ tipHeight: number; headers: SyncedHeader[] }> {
  checkRange(peer, fromHeight, count, ctx.limits.blocksPerRequestMax);
  const req = { kind: SyncKind.HEADERS, fromHeight, count };
  const res = okOrThrow(peer, await sendSyncRequest(ctx, peer, req, signal), fromHeight);
  return { tipHeight: res.tipHeight, headers: checkedItems(ctx, peer, req, res) };
}

/** Up to `count` blocks with certificates from `fromHeight`; shape-checked, not verified. */
export async function requestBlocks(ctx: SyncContext, peer: string, fromHeight: number, count: number, options: { prevHash?: Bytes; signal?: AbortSignal } = {}): Promise<{ tipHeight: number; blocks: SyncedBlock[] }> {
  checkRange(peer, fromHeight, count, ctx.limits.blocksPerRequestMax);
  const req = { kind: SyncKind.BLOCKS, fromHeight, count };
  const res = okOrThrow(peer, await sendSyncRequest(ctx, peer, req, options.signal), fromHeight);
  // checkSyncItems returned SyncedBlocks: the answer's kind was checked to be BLOCKS.
  return { tipHeight: res.tipHeight, blocks: checkedItems(ctx, peer, req, res, options.prevHash) as SyncedBlock[] };
}

/** Pulls blocks from `fromHeight` up to the peer's tip (or `toHeight`), verifying each in order. */
export async function syncFrom(ctx: SyncContext, peer: string, fromHeight: number, verify: BlockVerifier, options: SyncFromOptions = {}): Promise<SyncResult> {
  const batchSize = Math.min(options.batchSize ?? ctx.limits.blocksPerRequestMax, ctx.limits.blocksPerRequestMax);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${options.batchSize}`);
  const toHeight = options.toHeight ?? Number.MAX_SAFE_INTEGER;
  let next = fromHeight;
  let prevHash = options.prevHash;
  let requests = 0;
  let peerTipHeight = fromHeight - 1;
  while (next <= toHeight) {
    const count = Math.min(batchSize, toHeight - next + 1);
    const { tipHeight, blocks } = await requestBlocks(ctx, peer, next, count, { prevHash, signal: options.signal });
    requests++;
    peerTipHeight = tipHeight;
    if (blocks.length === 0) {
      if (next <= tipHeight) {
        ctx.penalise(peer, 'empty sync response below its own tip');
        throw syncError('REQUEST_BAD_RESPONSE', peer, true, `peer ${peer} claims tip ${tipHeight} but sent no block at ${next}`, { height: next });
      }
      break;
    }
    for (const block of blocks) {
      const verdict = await verify(block);
      if (verdict !== 'accept') {
        ctx.penalise(peer, 'sync block failed verification');
        throw syncError('SYNC_BLOCK_REJECTED', peer, true, `block ${block.height} from peer ${peer} failed verification`, { height: block.height });
      }
      prevHash = block.hash;
      next = block.height + 1;
    }
    if (next > tipHeight) break;
  }
  return { peer, fromHeight, toHeight: next - 1, blocks: next - fromHeight, requests, peerTipHeight };
}
