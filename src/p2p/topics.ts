/**
 * The one place that names the network's gossip topics and stream protocols. Every name carries
 * the chain id, so nodes of two chains that meet on one host never exchange messages, and a
 * version suffix, so a changed encoding can run beside the old one during an upgrade.
 */
import { TX_BATCH_SIZE_BYTES_MAX } from './tx-batch.ts';

export const TOPIC_KINDS = ['tx', 'proposal', 'vote', 'evidence'] as const;
export type TopicKind = (typeof TOPIC_KINDS)[number];

/** Same rule as the genesis file's chain id, checked again here because names are built from it. */
export const CHAIN_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * Gossipsub frames each RPC with it-length-prefixed's default 4 MiB cap on the sending side (not
 * configurable in @libp2p/gossipsub 17: a larger message is dropped with "Message length too
 * long"), so no gossip payload can be larger than this less the RPC's own framing.
 */
export const GOSSIP_FRAME_BYTES_MAX = 4 * 1024 * 1024;
/** Room for gossipsub's protobuf around the payload (topic, message id, control piggyback). */
export const GOSSIP_RPC_OVERHEAD_BYTES = 64 * 1024;

/**
 * The largest payload accepted on each topic. A proposal carries a block plus the proposer's
 * envelope; a block larger than this (the codec allows 16 MiB) cannot travel as one gossip
 * message and must be split into parts by the consensus layer (docs/P2P.md). The other payloads
 * are small and fixed.
 */
export const TOPIC_MESSAGE_SIZE_BYTES_MAX: Readonly<Record<TopicKind, number>> = {
  // A batch of transactions (src/p2p/tx-batch.ts).
  tx: TX_BATCH_SIZE_BYTES_MAX,
  proposal: GOSSIP_FRAME_BYTES_MAX - GOSSIP_RPC_OVERHEAD_BYTES,
  vote: 1024,
  // Two conflicting votes and their context.
  evidence: 4096,
};

/**
 * The encoding version in each topic's name; `tx` moved from single transactions to batches in 2,
 * `proposal` from whole blocks to transaction ids in 2.
 */
const TOPIC_VERSIONS: Readonly<Record<TopicKind, number>> = { tx: 2, proposal: 2, vote: 1, evidence: 1 };

export function topicName(chainId: string, kind: TopicKind): string {
  return `/dcbt/${chainId}/${kind}/${TOPIC_VERSIONS[kind]}`;
}

export function topicNames(chainId: string): Readonly<Record<TopicKind, string>> {
  return { tx: topicName(chainId, 'tx'), proposal: topicName(chainId, 'proposal'), vote: topicName(chainId, 'vote'), evidence: topicName(chainId, 'evidence') };
}

/** Request-response block sync: one request frame, one response frame per stream. */
export function syncProtocol(chainId: string): string {
  return `/dcbt/${chainId}/sync/1`;
}

/** Request-response transactions by id (src/p2p/tx-fetch.ts), for compact proposals. */
export function txFetchProtocol(chainId: string): string {
  return `/dcbt/${chainId}/txs/1`;
}
