/**
 * Errors the network layer raises on purpose. A failed request to a peer (block sync, transactions
 * by id) says whether the peer is to blame (`peerFault`), so the caller can try another peer
 * without treating its own failure as theirs.
 */
import { DcbtError } from '../errors.ts';

/** createP2PNode was given options it cannot work with. */
export class P2PConfigError extends DcbtError<'P2P_CONFIG', { issues: string[] }> {
  constructor(issues: string[]) {
    super('P2P_CONFIG', `invalid network options: ${issues.join('; ')}. Fix the listed options and start again.`, { issues });
    this.name = 'P2PConfigError';
  }
}

/** A method that needs a running node was called before start() or after stop(). */
export class P2PStateError extends DcbtError<'P2P_NOT_RUNNING', { action: string }> {
  constructor(action: string) {
    super('P2P_NOT_RUNNING', `cannot ${action}: the network node is not running. Call start() first.`, { action });
    this.name = 'P2PStateError';
  }
}

/** `REQUEST_` codes can come from any request-response protocol, `SYNC_` ones only from block sync. */
export type PeerRequestErrorCode =
  /** The peer did not answer within requestTimeoutMs. */
  | 'REQUEST_TIMEOUT'
  /** The peer's answer does not decode or does not fit the request. */
  | 'REQUEST_BAD_RESPONSE'
  /** The peer answered with an error status (busy, unavailable, …). */
  | 'SYNC_PEER_ERROR'
  /** The verify callback refused a block the peer sent. */
  | 'SYNC_BLOCK_REJECTED'
  /** The stream could not be opened or broke (dial failure, reset, peer gone). */
  | 'REQUEST_STREAM_FAILED'
  /** The peer is banned for earlier invalid messages; it is not asked. */
  | 'REQUEST_PEER_BANNED';

export interface PeerRequestErrorDetails {
  readonly peer: string;
  /** True when the peer sent something invalid (it has been penalised for it). */
  readonly peerFault: boolean;
  readonly height?: number;
  readonly [key: string]: unknown;
}

export class PeerRequestError extends DcbtError<PeerRequestErrorCode, PeerRequestErrorDetails> {
  constructor(code: PeerRequestErrorCode, message: string, details: PeerRequestErrorDetails, options?: { cause?: unknown }) {
    super(code, message, details, options);
    this.name = 'PeerRequestError';
  }
}

/** A payload larger than its topic allows was given to publish(). */
export class P2PMessageTooLargeError extends DcbtError<'P2P_MESSAGE_TOO_LARGE', { topic: string; sizeBytes: number; sizeBytesMax: number }> {
  constructor(topic: string, sizeBytes: number, sizeBytesMax: number) {
    super('P2P_MESSAGE_TOO_LARGE', `a ${sizeBytes}-byte message exceeds the ${sizeBytesMax}-byte limit of topic ${topic}; split it or send it another way`, { topic, sizeBytes, sizeBytesMax });
    this.name = 'P2PMessageTooLargeError';
  }
}
