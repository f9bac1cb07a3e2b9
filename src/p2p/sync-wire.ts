/**
 * The block-sync wire format: one request frame and one response frame per stream (each sent
 * with a varint length prefix). Pure functions; the decoders refuse anything the encoders would
 * not produce and check every length against a limit before reading, so a hostile peer costs at
 * most one bounded frame. Blocks, headers and certificates inside use the chain's own codec.
 *
 *   request  = version u8 · kind u8 · fromHeight u64 · count u16
 *   response = version u8 · status u8 · tipHeight u64 · body
 *   body(OK) = kind u8 · count u16 · count × (payload bytes32 · commit bytes32)
 *   body(≠OK)= reason str8
 *
 * `payload` is an encoded header for HEADERS and an encoded block for BLOCKS; a STATUS answer
 * carries no items, only the server's tip.
 */
import { blockHash, BLOCK_SIZE_BYTES_MAX, decodeBlock, decodeCommit, decodeHeader, Reader, Writer } from '../chain/codec.ts';
import { DcbtError } from '../errors.ts';
import { bytesEqual, toHex, utf8 } from '../chain/hash.ts';
import type { Block, BlockHeader, Bytes, CommitCertificate } from '../chain/types.ts';
import { COMMIT_SIZE_BYTES_MAX } from './limits.ts';

export const SYNC_WIRE_VERSION = 1;
export const SYNC_REQUEST_SIZE_BYTES = 1 + 1 + 8 + 2;
/** An encoded header: version, chain id (≤ 255 bytes), height, time and five 32-byte fields. */
export const HEADER_SIZE_BYTES_MAX = 1 + 1 + 255 + 8 + 8 + 5 * 32;
/** Status, tip and the item count before the items. */
export const SYNC_RESPONSE_OVERHEAD_BYTES = 1 + 1 + 8 + 1 + 2;
/** Each item carries two u32 length prefixes. */
export const SYNC_ITEM_OVERHEAD_BYTES = 8;
export const SYNC_REASON_BYTES_MAX = 255;

export const SyncKind = { STATUS: 1, HEADERS: 2, BLOCKS: 3 } as const;
export type SyncKind = (typeof SyncKind)[keyof typeof SyncKind];

export const SyncStatus = {
  OK: 0,
  /** The request did not decode or asked for more than the server allows. */
  BAD_REQUEST: 1,
  /** The server should have the blocks but cannot read them (pruned, store error). */
  UNAVAILABLE: 2,
  /** Too many sync requests at once; try later or elsewhere. */
  BUSY: 3,
  /** The first requested block alone is larger than the server's response limit. */
  TOO_LARGE: 4,
} as const;
export type SyncStatus = (typeof SyncStatus)[keyof typeof SyncStatus];

export interface SyncRequest {
  readonly kind: SyncKind;
  /** First height wanted; 0 for STATUS. */
  readonly fromHeight: number;
  /** Items wanted, at least 1 (0 for STATUS); the server may send fewer. */
  readonly count: number;
}

export interface SyncItem {
  /** Encoded header (HEADERS) or encoded block (BLOCKS). */
  readonly payload: Bytes;
  /** Encoded commit certificate. */
  readonly commit: Bytes;
}

export type SyncResponse =
  | { readonly status: typeof SyncStatus.OK; readonly tipHeight: number; readonly kind: SyncKind; readonly items: readonly SyncItem[] }
  | { readonly status: Exclude<SyncStatus, typeof SyncStatus.OK>; readonly tipHeight: number; readonly reason: string };

/** A frame broke the sync protocol's rules even though it decoded byte by byte. */
export class SyncWireError extends DcbtError<'SYNC_WIRE', { what: string }> {
  constructor(what: string, message: string, options?: { cause?: unknown }) {
    super('SYNC_WIRE', `invalid sync ${what}: ${message}`, { what }, options);
    this.name = 'SyncWireError';
  }
}

const KINDS = new Set<number>(Object.values(SyncKind));
const STATUSES = new Set<number>(Object.values(SyncStatus));

export function encodeSyncRequest(req: SyncRequest): Bytes {
  return new Writer(SYNC_REQUEST_SIZE_BYTES).u8(SYNC_WIRE_VERSION).u8(req.kind).u64(req.fromHeight).u16(req.count).finish();
}

/**
 * Decodes and checks a request. A count above the server's own maximum is not an error (the two
 * sides may be configured differently): the server answers with fewer items.
 */
export function decodeSyncRequest(bytes: Bytes): SyncRequest {
  const r = new Reader(bytes, 'sync request');
  const version = r.u8();
  if (version !== SYNC_WIRE_VERSION) r.fail(`unknown version ${version}`);
  const kind = r.u8();
  if (!KINDS.has(kind)) r.fail(`unknown kind ${kind}`);
  const fromHeight = r.u64();
  const count = r.u16();
  r.end();
  if (kind === SyncKind.STATUS) {
    if (fromHeight !== 0 || count !== 0) throw new SyncWireError('request', 'a STATUS request carries height 0 and count 0');
  } else {
    if (fromHeight < 1) throw new SyncWireError('request', 'heights start at 1 (genesis is not a block)');
    if (count < 1) throw new SyncWireError('request', 'count must be at least 1');
  }
  return { kind: kind as SyncKind, fromHeight, count };
}

export function syncResponseSizeBytes(items: readonly SyncItem[]): number {
  let size = SYNC_RESPONSE_OVERHEAD_BYTES;
  for (const item of items) size += SYNC_ITEM_OVERHEAD_BYTES + item.payload.length + item.commit.length;
  return size;
}

export function encodeSyncResponse(res: SyncResponse): Bytes {
  if (res.status !== SyncStatus.OK) {
    return new Writer(64).u8(SYNC_WIRE_VERSION).u8(res.status).u64(res.tipHeight).str8(clipUtf8(res.reason, SYNC_REASON_BYTES_MAX)).finish();
  }
  const w = new Writer(syncResponseSizeBytes(res.items));
  w.u8(SYNC_WIRE_VERSION).u8(SyncStatus.OK).u64(res.tipHeight).u8(res.kind).u16(res.items.length);
  for (const item of res.items) w.bytes32(item.payload).bytes32(item.commit);
  return w.finish();
}

/** The longest prefix of `text` (whole code points) whose UTF-8 fits in `bytesMax`. */
function clipUtf8(text: string, bytesMax: number): string {
  if (utf8(text).length <= bytesMax) return text;
  const chars = [...text];
  while (chars.length > 0 && utf8(chars.join('')).length > bytesMax) chars.pop();
  return chars.join('');
}

/** Decodes a response frame; `itemsMax` is what was asked for (a server may send fewer, never more). */
export function decodeSyncResponse(bytes: Bytes, itemsMax: number): SyncResponse {
  const r = new Reader(bytes, 'sync response');
  const version = r.u8();
  if (version !== SYNC_WIRE_VERSION) r.fail(`unknown version ${version}`);
  const status = r.u8();
  if (!STATUSES.has(status)) r.fail(`unknown status ${status}`);
  const tipHeight = r.u64();
  if (status !== SyncStatus.OK) {
    const reason = r.str8();
    r.end();
    return { status: status as Exclude<SyncStatus, typeof SyncStatus.OK>, tipHeight, reason };
  }
  const kind = r.u8();
  if (!KINDS.has(kind)) r.fail(`unknown kind ${kind}`);
  const count = r.u16();
  if (count > itemsMax) r.fail(`${count} items, more than the ${itemsMax} asked for`);
  if (kind === SyncKind.STATUS && count !== 0) r.fail('a STATUS answer carries no items');
  const payloadMax = kind === SyncKind.HEADERS ? HEADER_SIZE_BYTES_MAX : BLOCK_SIZE_BYTES_MAX;
  const items: SyncItem[] = [];
  for (let i = 0; i < count; i++) items.push({ payload: r.bytes32(payloadMax), commit: r.bytes32(COMMIT_SIZE_BYTES_MAX) });
  r.end();
  return { status: SyncStatus.OK, tipHeight, kind: kind as SyncKind, items };
}

/** One block (or header) from a sync answer, decoded and checked for shape, not yet for validity. */
export interface SyncedHeader {
  readonly height: number;
  readonly header: BlockHeader;
  readonly hash: Bytes;
  readonly commit: CommitCertificate;
  readonly commitBytes: Bytes;
}

export interface SyncedBlock extends SyncedHeader {
  readonly block: Block;
  readonly blockBytes: Bytes;
}

/**
 * Decodes the items of an OK answer to `req` and checks what can be checked without the chain's
 * state: the chain id, consecutive heights from the one asked for, each certificate naming its
 * block's height and hash, and each block linking to the one before (`prevHash`, when given, is
 * the hash the first block must link to). Signatures and state are the caller's to verify.
 */
export function checkSyncItems(req: SyncRequest, res: SyncResponse & { status: typeof SyncStatus.OK }, chainId: string, prevHash?: Bytes): SyncedHeader[] {
  if (res.kind !== req.kind) throw new SyncWireError('response', `answer of kind ${res.kind} to a request of kind ${req.kind}`);
  if (res.items.length > req.count) throw new SyncWireError('response', `${res.items.length} items for a request of ${req.count}`);
  // For a BLOCKS request every element is a SyncedBlock (the kinds were checked to match).
  const out: SyncedHeader[] = [];
  let previous = prevHash;
  res.items.forEach((item, i) => {
    const height = req.fromHeight + i;
    let block: Block | undefined;
    let header: BlockHeader;
    let commit: CommitCertificate;
    try {
      if (req.kind === SyncKind.BLOCKS) {
        block = decodeBlock(item.payload);
        header = block.header;
      } else {
        header = decodeHeader(item.payload);
      }
      commit = decodeCommit(item.commit);
    } catch (error) {
      throw new SyncWireError('response', `item ${i} (height ${height}) does not decode: ${(error as Error).message}`, { cause: error });
    }
    if (header.chainId !== chainId) throw new SyncWireError('response', `height ${height} is a block of chain "${header.chainId}", not "${chainId}"`);
    if (header.height !== height) throw new SyncWireError('response', `item ${i} has height ${header.height}, expected ${height}`);
    const hash = blockHash(header);
    if (commit.height !== height || !bytesEqual(commit.blockHash, hash)) {
      throw new SyncWireError('response', `the certificate at height ${height} is for block ${commit.height} ${toHex(commit.blockHash)}, not ${toHex(hash)}`);
    }
    if (previous && !bytesEqual(header.prevHash, previous)) throw new SyncWireError('response', `block ${height} does not link to the block before it`);
    previous = hash;
    const synced: SyncedHeader = { height, header, hash, commit, commitBytes: item.commit };
    const withBlock: SyncedBlock | undefined = block ? { ...synced, block, blockBytes: item.payload } : undefined;
    out.push(withBlock ?? synced);
  });
  return out;
}
