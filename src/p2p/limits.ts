/**
 * Every bound the network layer enforces, with its unit last in the name. The node may override
 * any of them (`createP2PNode({ limits })`); docs/P2P.md explains the defaults.
 */
import { BLOCK_SIZE_BYTES_MAX, SIGNATURES_COUNT_MAX } from '../chain/codec.ts';

/** An encoded commit certificate with the most signatures the codec accepts. */
export const COMMIT_SIZE_BYTES_MAX = 8 + 4 + 32 + 2 + SIGNATURES_COUNT_MAX * (32 + 64);

export interface P2PLimits {
  /** Open connections before libp2p starts pruning the least useful ones. */
  readonly connectionsMax: number;
  /** Inbound connections still in their handshake (Noise, Yamux) at one time. */
  readonly pendingInboundConnectionsMax: number;
  /**
   * New inbound connections per second from one IP address. libp2p's default (5) is too low for
   * a testnet where every node shares 127.0.0.1, and restarts reconnect all at once.
   */
  readonly inboundConnectionsPerSecondPerHostMax: number;
  /** One dial (TCP connect + Noise + Yamux) gives up after this long. */
  readonly dialTimeoutMs: number;
  /** First wait before redialling a bootstrap peer; doubles per failure up to the maximum. */
  readonly bootstrapRetryMinMs: number;
  readonly bootstrapRetryMaxMs: number;
  /**
   * A bootstrap connection that drops sooner than this after it opened counts as a failed dial
   * (so a peer that keeps refusing us after the handshake, e.g. because it banned us, is backed
   * off from rather than redialled at the minimum interval forever).
   */
  readonly bootstrapStableConnectionMs: number;
  /** Invalid messages or responses from one peer within `invalidWindowMs` that get it banned. */
  readonly invalidMessagesMax: number;
  readonly invalidWindowMs: number;
  /** A banned peer is disconnected and refused (both directions) for this long. */
  readonly banDurationMs: number;
  /** Peers whose penalties are remembered; the oldest entries are forgotten beyond this. */
  readonly penaltyPeersTrackedMax: number;
  /** Blocks (or headers) one sync request may ask for. */
  readonly blocksPerRequestMax: number;
  /** Largest sync response frame; a server stops adding blocks before it would exceed this. */
  readonly responseSizeBytesMax: number;
  /** A sync request (open stream, send, receive the whole answer) gives up after this long. */
  readonly requestTimeoutMs: number;
  /** Sync responses being assembled at once by this node; more requests get BUSY. */
  readonly syncServeConcurrencyMax: number;
  /** Sync streams one connection may have open at once, in each direction. */
  readonly syncStreamsPerConnectionMax: number;
  /** Gossipsub heartbeat: mesh maintenance and gossip emission. */
  readonly gossipHeartbeatIntervalMs: number;
  /** Bytes queued towards one peer on the gossip stream before the stream is reset. */
  readonly gossipOutboundBufferBytesMax: number;
}

export const DEFAULT_P2P_LIMITS: P2PLimits = {
  connectionsMax: 64,
  pendingInboundConnectionsMax: 16,
  inboundConnectionsPerSecondPerHostMax: 50,
  dialTimeoutMs: 5_000,
  bootstrapRetryMinMs: 250,
  bootstrapRetryMaxMs: 30_000,
  bootstrapStableConnectionMs: 10_000,
  invalidMessagesMax: 10,
  invalidWindowMs: 60_000,
  banDurationMs: 10 * 60_000,
  penaltyPeersTrackedMax: 10_000,
  blocksPerRequestMax: 128,
  // One block of the largest size the codec allows, with its certificate, always fits alone.
  responseSizeBytesMax: BLOCK_SIZE_BYTES_MAX + COMMIT_SIZE_BYTES_MAX + 1024,
  requestTimeoutMs: 15_000,
  syncServeConcurrencyMax: 4,
  syncStreamsPerConnectionMax: 2,
  gossipHeartbeatIntervalMs: 1_000,
  gossipOutboundBufferBytesMax: 64 * 1024 * 1024,
};
