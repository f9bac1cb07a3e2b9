/**
 * One request frame out, one response frame back, on a fresh stream: what block sync and
 * transaction requests share. Failures are PeerRequestErrors that say whether the peer is to blame: it
 * is for a response frame over the size limit or one that does not decode (and is penalised for
 * it here), not for timeouts or broken streams.
 */
import type { Libp2p, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { lpStream } from '@libp2p/utils';
import type { Bytes } from '../chain/types.ts';
import { PeerRequestError, type PeerRequestErrorCode } from './errors.ts';
import type { P2PLimits } from './limits.ts';

export interface RequestContext {
  readonly libp2p: Libp2p;
  readonly limits: Pick<P2PLimits, 'requestTimeoutMs' | 'responseSizeBytesMax'>;
  /** Counts an invalid frame against a peer (may ban it). */
  penalise(peer: string, reason: string): void;
  isBanned(peer: string): boolean;
}

const LENGTH_ERRORS = new Set(['InvalidDataLengthError', 'InvalidMessageLengthError', 'InvalidDataLengthLengthError']);

/** A length prefix over the reader's limit (it-length-prefixed's errors, matched by name). */
export function isLengthError(error: unknown): boolean {
  return error instanceof Error && LENGTH_ERRORS.has(error.name);
}

export function requestError(code: PeerRequestErrorCode, peer: string, peerFault: boolean, message: string, extra: Record<string, unknown> = {}, cause?: unknown): PeerRequestError {
  return new PeerRequestError(code, message, { peer, peerFault, ...extra }, cause === undefined ? undefined : { cause });
}

/**
 * Sends `request` to `peer` on `protocol` and returns the response frame decoded by `decode`;
 * `what` names the exchange in errors ("sync"). A frame `decode` throws on counts against the peer.
 */
export async function exchangeFrames<T>(ctx: RequestContext, peer: string, protocol: string, request: Bytes, what: string, decode: (frame: Bytes) => T, callerSignal?: AbortSignal): Promise<T> {
  if (ctx.isBanned(peer)) throw requestError('REQUEST_PEER_BANNED', peer, false, `peer ${peer} is banned for invalid messages; ask another peer`);
  const timeout = AbortSignal.timeout(ctx.limits.requestTimeoutMs);
  const signal = callerSignal ? AbortSignal.any([timeout, callerSignal]) : timeout;
  const failed = (error: unknown, stage: string): PeerRequestError => {
    if (callerSignal?.aborted) return requestError('REQUEST_STREAM_FAILED', peer, false, `${what} with ${peer} was cancelled`, {}, error);
    if (timeout.aborted) return requestError('REQUEST_TIMEOUT', peer, false, `peer ${peer} did not answer a ${what} request within ${ctx.limits.requestTimeoutMs} ms; try another peer`, {}, error);
    if (isLengthError(error)) {
      ctx.penalise(peer, `oversized ${what} response`);
      return requestError('REQUEST_BAD_RESPONSE', peer, true, `peer ${peer} sent a ${what} response frame over ${ctx.limits.responseSizeBytesMax} bytes`, {}, error);
    }
    return requestError('REQUEST_STREAM_FAILED', peer, false, `${what} stream with ${peer} failed while ${stage}: ${(error as Error).message}`, {}, error);
  };
  let stream: Stream;
  try {
    stream = await ctx.libp2p.dialProtocol(peerIdFromString(peer), protocol, { signal });
  } catch (error) {
    throw failed(error, 'opening the stream');
  }
  let frame: Bytes;
  try {
    const lp = lpStream(stream, { maxDataLength: ctx.limits.responseSizeBytesMax, maxBufferSize: ctx.limits.responseSizeBytesMax + 16 });
    await lp.write(request, { signal });
    frame = (await lp.read({ signal })).subarray();
    await stream.close({ signal }).catch(() => undefined);
  } catch (error) {
    stream.abort(error instanceof Error ? error : new Error(String(error)));
    throw failed(error, 'exchanging the request');
  }
  try {
    return decode(frame);
  } catch (error) {
    ctx.penalise(peer, `malformed ${what} response`);
    throw requestError('REQUEST_BAD_RESPONSE', peer, true, `peer ${peer} sent a malformed ${what} response: ${(error as Error).message}`, {}, error);
  }
}
