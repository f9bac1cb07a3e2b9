/**
 * Transactions by id over `/dcbt/<chainId>/txs/1`. Proposals travel as transaction ids (the
 * peers already have the transactions from gossip); a node missing some asks the peer that
 * forwarded the proposal, which had them all or it would not have forwarded it. One request
 * frame and one response frame per stream, like block sync:
 *
 *   request  = version u8 · count u16 · count × id (32 bytes, the SHA-256 of the encoded tx)
 *   response = version u8 · count u16 · count × tx bytes32
 *
 * The answer has one entry per id asked, in order; an empty entry means the server does not
 * have that transaction, and an answer shorter than the request means the rest did not fit in
 * the server's response limit. Each transaction is checked against its id here, so a peer that
 * answers with other bytes is caught (and penalised) before anything decodes them.
 */
import type { Connection, Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { Reader, TX_SIZE_BYTES_MAX, Writer } from '../chain/codec.ts';
import { bytesEqual, sha256, toHex } from '../chain/hash.ts';
import type { Bytes } from '../chain/types.ts';
import { exchangeFrames, isLengthError, requestError, type RequestContext } from './request.ts';

export const TX_FETCH_WIRE_VERSION = 1;
/** Ids in one request; a node missing more asks again for the rest. */
export const TX_FETCH_IDS_MAX = 4096;
const ID_BYTES = 32;
export const TX_FETCH_REQUEST_SIZE_BYTES_MAX = 1 + 2 + TX_FETCH_IDS_MAX * ID_BYTES;
const RESPONSE_OVERHEAD_BYTES = 1 + 2;
const ENTRY_OVERHEAD_BYTES = 4;

/** What the serving side reads transactions from: the encoded transaction with this id, if known. */
export interface TxSource {
  getTx(id: Bytes): Bytes | undefined;
}

export function encodeTxFetchRequest(ids: readonly Bytes[]): Bytes {
  if (ids.length < 1 || ids.length > TX_FETCH_IDS_MAX) throw new RangeError(`a transaction request carries 1 to ${TX_FETCH_IDS_MAX} ids, not ${ids.length}`);
  const w = new Writer(1 + 2 + ids.length * ID_BYTES).u8(TX_FETCH_WIRE_VERSION).u16(ids.length);
  for (const id of ids) w.fixed(id, ID_BYTES);
  return w.finish();
}

/** Throws CodecError for anything the encoder would not produce. */
export function decodeTxFetchRequest(bytes: Bytes): Bytes[] {
  const r = new Reader(bytes, 'transaction request');
  const version = r.u8();
  if (version !== TX_FETCH_WIRE_VERSION) r.fail(`unknown version ${version}`);
  const count = r.u16();
  if (count < 1 || count > TX_FETCH_IDS_MAX) r.fail(`count ${count} is not between 1 and ${TX_FETCH_IDS_MAX}`);
  const ids: Bytes[] = [];
  for (let i = 0; i < count; i++) ids.push(r.fixed(ID_BYTES));
  r.end();
  return ids;
}

/** One entry per id, in order, stopping before the answer would exceed `sizeBytesMax`. */
export function answerTxFetch(ids: readonly Bytes[], source: TxSource, sizeBytesMax: number): (Bytes | undefined)[] {
  const out: (Bytes | undefined)[] = [];
  let size = RESPONSE_OVERHEAD_BYTES;
  for (const id of ids) {
    const tx = source.getTx(id);
    const entrySize = ENTRY_OVERHEAD_BYTES + (tx?.length ?? 0);
    if (size + entrySize > sizeBytesMax) break;
    out.push(tx);
    size += entrySize;
  }
  return out;
}

export function encodeTxFetchResponse(txs: readonly (Bytes | undefined)[]): Bytes {
  let size = RESPONSE_OVERHEAD_BYTES;
  for (const tx of txs) size += ENTRY_OVERHEAD_BYTES + (tx?.length ?? 0);
  const w = new Writer(size).u8(TX_FETCH_WIRE_VERSION).u16(txs.length);
  for (const tx of txs) w.bytes32(tx ?? new Uint8Array(0));
  return w.finish();
}

/** Entries of an answer to `asked` ids (undefined: the server does not have it). Throws CodecError. */
export function decodeTxFetchResponse(bytes: Bytes, asked: number): (Bytes | undefined)[] {
  const r = new Reader(bytes, 'transaction response');
  const version = r.u8();
  if (version !== TX_FETCH_WIRE_VERSION) r.fail(`unknown version ${version}`);
  const count = r.u16();
  if (count > asked) r.fail(`${count} entries for ${asked} ids asked`);
  const out: (Bytes | undefined)[] = [];
  for (let i = 0; i < count; i++) {
    const tx = r.bytes32(TX_SIZE_BYTES_MAX);
    out.push(tx.length === 0 ? undefined : tx);
  }
  r.end();
  return out;
}

/** Wiring the protocol needs from the node around it. */
export interface TxFetchContext extends RequestContext {
  readonly protocol: string;
}


/** The stream handler; never throws (every failure ends the stream). */
export function txFetchStreamHandler(ctx: TxFetchContext, getSource: () => TxSource | undefined): (stream: Stream, connection: Connection) => Promise<void> {
  // No cap on requests being served: an answer is built synchronously from memory, and the streams
  // one connection may hold are capped by libp2p (syncStreamsPerConnectionMax).
  return async (stream, connection) => {
    const peer = connection.remotePeer.toString();
    const signal = AbortSignal.timeout(ctx.limits.requestTimeoutMs);
    const lp = lpStream(stream, { maxDataLength: TX_FETCH_REQUEST_SIZE_BYTES_MAX });
    try {
      let ids: Bytes[];
      try {
        ids = decodeTxFetchRequest((await lp.read({ signal })).subarray());
      } catch (error) {
        if (isLengthError(error) || (error as { code?: string }).code === 'DECODE_FAILED') ctx.penalise(peer, 'malformed transaction request');
        stream.abort(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      const source = getSource();
      // Without a source: an empty answer, which the asker reads as "not here".
      const txs = source ? answerTxFetch(ids, source, ctx.limits.responseSizeBytesMax) : [];
      await lp.write(encodeTxFetchResponse(txs), { signal });
      await stream.close({ signal });
    } catch (error) {
      stream.abort(error instanceof Error ? error : new Error(String(error)));
    }
  };
}

/**
 * Asks `peer` for the transactions with these ids (any number; sent in requests of at most
 * TX_FETCH_IDS_MAX). Returns the encoded transactions it had, keyed by hex id; each one's
 * SHA-256 is its id. Throws PeerRequestError when the peer breaks the protocol (it is penalised) or
 * the stream fails.
 */
export async function requestTxs(ctx: TxFetchContext, peer: string, ids: readonly Bytes[], callerSignal?: AbortSignal): Promise<Map<string, Bytes>> {
  const found = new Map<string, Bytes>();
  let next = 0;
  while (next < ids.length) {
    const chunk = ids.slice(next, next + TX_FETCH_IDS_MAX);
    const entries = await exchangeFrames(ctx, peer, ctx.protocol, encodeTxFetchRequest(chunk), 'transaction', (frame) => decodeTxFetchResponse(frame, chunk.length), callerSignal);
    entries.forEach((tx, i) => {
      if (!tx) return;
      if (!bytesEqual(sha256(tx), chunk[i]!)) {
        ctx.penalise(peer, 'transaction does not match its id');
        throw requestError('REQUEST_BAD_RESPONSE', peer, true, `peer ${peer} answered id ${toHex(chunk[i]!)} with a different transaction`);
      }
      found.set(toHex(chunk[i]!), tx);
    });
    // An answer cut short by the server's size limit: ask again from where it stopped.
    if (entries.length === 0) break;
    next += entries.length;
  }
  return found;
}
