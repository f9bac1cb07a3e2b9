/**
 * The network layer's public surface: what src/node (and tests) may import. Everything else in
 * src/p2p is internal.
 */
export { createP2PNode, type MessageHandler, type MessageVerdict, type P2PEvent, type P2PNode, type P2PNodeOptions, type TopicCounters } from './node.ts';
export { P2PConfigError, P2PMessageTooLargeError, P2PStateError, PeerRequestError, type PeerRequestErrorCode, type PeerRequestErrorDetails } from './errors.ts';
export { DEFAULT_P2P_LIMITS, COMMIT_SIZE_BYTES_MAX, type P2PLimits } from './limits.ts';
export { TOPIC_KINDS, TOPIC_MESSAGE_SIZE_BYTES_MAX, syncProtocol, topicName, topicNames, type TopicKind } from './topics.ts';
export { libp2pKeyFromNodeKey, peerIdOfNodeKey } from './identity.ts';
export type { BlockSource, BlockVerifier, StoredBlock, SyncFromOptions, SyncResult, SyncVerdict } from './sync.ts';
export type { SyncedBlock, SyncedHeader } from './sync-wire.ts';
