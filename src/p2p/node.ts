/**
 * The network node: libp2p over TCP with Noise and Yamux, gossipsub for the four topics, the
 * block-sync protocol, peer penalties and bootstrap connections. It knows nothing of consensus:
 * payloads are bytes, and what is valid is decided by handlers the node injects.
 */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { gossipsub, TopicValidatorResult, type GossipSub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { Libp2p, PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { Bytes } from '../chain/types.ts';
import { Bootstrapper, peerIdOfAddress } from './bootstrap.ts';
import { P2PConfigError, P2PMessageTooLargeError, P2PStateError } from './errors.ts';
import { libp2pKeyFromNodeKey } from './identity.ts';
import { DEFAULT_P2P_LIMITS, type P2PLimits } from './limits.ts';
import { PeerPenalties } from './penalties.ts';
import {
  requestBlocks,
  requestHeaders,
  requestStatus,
  syncFrom,
  syncStreamHandler,
  type BlockSource,
  type BlockVerifier,
  type SyncContext,
  type SyncFromOptions,
  type SyncResult,
} from './sync.ts';
import type { SyncedBlock, SyncedHeader } from './sync-wire.ts';
import { CHAIN_ID_PATTERN, GOSSIP_FRAME_BYTES_MAX, syncProtocol, TOPIC_KINDS, TOPIC_MESSAGE_SIZE_BYTES_MAX, topicNames, txFetchProtocol, type TopicKind } from './topics.ts';
import { requestTxs, txFetchStreamHandler, type TxFetchContext, type TxSource } from './tx-fetch.ts';

/** Gossip traffic on one topic since the node started: distinct messages in (duplicates are dropped by gossipsub before they are counted) and own messages out. */
export interface TopicCounters {
  received: number;
  receivedBytes: number;
  published: number;
  publishedBytes: number;
}

/** What a topic handler decides about one message. */
export type MessageVerdict = 'accept' | 'reject' | 'ignore';

/**
 * Called once per distinct message on a subscribed topic (gossipsub drops repeats first), with
 * the peer that forwarded it. 'accept' delivers and forwards it; 'ignore' drops it silently (stale,
 * duplicate, not yet useful); 'reject' drops it and counts against the forwarding peer. A handler
 * that throws is treated as 'ignore': a local fault is not the peer's.
 */
export type MessageHandler = (data: Bytes, from: string) => MessageVerdict | Promise<MessageVerdict>;

export type P2PEvent =
  | { readonly type: 'peer:connect'; readonly peer: string }
  | { readonly type: 'peer:disconnect'; readonly peer: string }
  | { readonly type: 'peer:penalised'; readonly peer: string; readonly reason: string; readonly count: number }
  | { readonly type: 'peer:banned'; readonly peer: string; readonly reason: string; readonly untilMs: number };

export interface P2PNodeOptions {
  /** Namespaces every topic and protocol (genesis chain id). */
  readonly chainId: string;
  /** The node's Ed25519 seed (KeyPair.secretKey): the peer id is derived from it. */
  readonly privateKey: Bytes;
  /** Where to accept connections; port 0 picks a free port. Default 127.0.0.1:0. */
  readonly listen?: { readonly host: string; readonly port: number };
  /** Addresses to advertise instead of the listen address (e.g. behind NAT). */
  readonly announce?: readonly string[];
  /** Multiaddrs of peers to stay connected to, ideally with /p2p/<peer id>; own address is skipped. */
  readonly bootstrap?: readonly string[];
  readonly limits?: Partial<P2PLimits>;
  /** Serves sync requests; without one, this node answers UNAVAILABLE. */
  readonly blockSource?: BlockSource;
  /** Serves transaction requests (by id); without one, this node has none to give. */
  readonly txSource?: TxSource;
  /** Clock for bans and penalty windows (tests pass a fake one). */
  readonly now?: () => number;
}

export interface P2PNode {
  readonly peerId: string;
  readonly chainId: string;
  /** Full topic names, by kind. */
  readonly topics: Readonly<Record<TopicKind, string>>;
  readonly syncProtocol: string;
  readonly limits: P2PLimits;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Addresses others can dial (with /p2p/<peer id>), once started. */
  multiaddrs(): string[];
  /** Peers with an open connection. */
  peers(): string[];
  /** Connects to a peer outside the bootstrap list (no redial if it drops); returns its peer id. */
  dial(address: string): Promise<string>;
  /** Peers known to be subscribed to a topic. */
  topicPeers(kind: TopicKind): string[];
  /**
   * Peers this node forwards the topic's messages to (its gossipsub mesh); a subscriber joins it
   * at the next heartbeat, so a message relayed before then does not reach it.
   */
  meshPeers(kind: TopicKind): string[];
  /** Sends to the topic; returns how many peers it went to (0 is not an error). */
  publish(kind: TopicKind, data: Bytes): Promise<number>;
  /** Gossip messages and payload bytes per topic, in and out, since the node was created. */
  gossipCounters(): Record<TopicKind, TopicCounters>;
  /** Joins the topic with one handler (before or after start); the returned function leaves it. */
  subscribe(kind: TopicKind, handler: MessageHandler): () => void;
  setBlockSource(source: BlockSource | undefined): void;
  setTxSource(source: TxSource | undefined): void;
  /**
   * The encoded transactions with these ids that `peer` has, keyed by hex id (each checked
   * against its id). Throws PeerRequestError when the peer breaks the protocol or the stream fails.
   */
  requestTxs(peer: string, ids: readonly Bytes[], signal?: AbortSignal): Promise<Map<string, Bytes>>;
  /** The peer's finalised tip height. */
  status(peer: string, signal?: AbortSignal): Promise<number>;
  requestHeaders(peer: string, fromHeight: number, count: number, signal?: AbortSignal): Promise<{ tipHeight: number; headers: SyncedHeader[] }>;
  requestBlocks(peer: string, fromHeight: number, count: number, options?: { prevHash?: Bytes; signal?: AbortSignal }): Promise<{ tipHeight: number; blocks: SyncedBlock[] }>;
  syncFrom(peer: string, fromHeight: number, verify: BlockVerifier, options?: SyncFromOptions): Promise<SyncResult>;
  /** Counts misbehaviour found later (e.g. a vote whose signature fails after async checks). */
  reportInvalid(peer: string, reason: string): void;
  /** Bans at once, for proven malice (e.g. the peer's validator equivocated and sent both votes). */
  ban(peer: string, reason: string, durationMs?: number): void;
  isBanned(peer: string): boolean;
  /** Bootstrap peers and whether each is connected. */
  bootstrapStatus(): { address: string; peer: string | undefined; connected: boolean; failures: number }[];
  /** Listens to connection and penalty events; returns the unsubscribe function. */
  on(listener: (event: P2PEvent) => void): () => void;
}

const positiveInt = z.number().int().positive();
const LimitsSchema = z.strictObject(Object.fromEntries(Object.keys(DEFAULT_P2P_LIMITS).map((k) => [k, positiveInt.optional()])) as Record<keyof P2PLimits, z.ZodOptional<typeof positiveInt>>);

const multiaddrString = z.string().max(1024).refine((s) => {
  try {
    multiaddr(s);
    return true;
  } catch {
    return false;
  }
}, 'not a multiaddr (e.g. /ip4/127.0.0.1/tcp/7000/p2p/12D3KooW…)');

const OptionsSchema = z.strictObject({
  chainId: z.string().regex(CHAIN_ID_PATTERN, 'lower-case letters, digits and hyphens, at most 64'),
  privateKey: z.instanceof(Uint8Array).refine((k) => k.length === 32, 'a 32-byte Ed25519 seed'),
  listen: z.strictObject({ host: z.string().refine((h) => isIP(h) !== 0, 'an IP address'), port: z.number().int().min(0).max(65535) }).optional(),
  announce: z.array(multiaddrString).max(16).optional(),
  bootstrap: z.array(multiaddrString).max(256).optional(),
  limits: LimitsSchema.optional(),
  blockSource: z.custom<BlockSource>((v) => typeof v === 'object' && v !== null && typeof (v as BlockSource).getBlock === 'function', 'an object with getBlock and tipHeight').optional(),
  txSource: z.custom<TxSource>((v) => typeof v === 'object' && v !== null && typeof (v as TxSource).getTx === 'function', 'an object with getTx').optional(),
  now: z.custom<() => number>((v) => typeof v === 'function', 'a function returning milliseconds').optional(),
});

function resolveLimits(overrides: Partial<P2PLimits> | undefined): P2PLimits {
  const limits = { ...DEFAULT_P2P_LIMITS, ...overrides };
  const issues: string[] = [];
  if (limits.bootstrapRetryMinMs > limits.bootstrapRetryMaxMs) issues.push('limits.bootstrapRetryMinMs must not exceed limits.bootstrapRetryMaxMs');
  if (limits.blocksPerRequestMax > 0xffff) issues.push('limits.blocksPerRequestMax is at most 65535 (a u16 on the wire)');
  if (limits.responseSizeBytesMax < 1024) issues.push('limits.responseSizeBytesMax must be at least 1024');
  if (issues.length > 0) throw new P2PConfigError(issues);
  return limits;
}

function listenAddress(host: string, port: number): string {
  return `/${isIP(host) === 6 ? 'ip6' : 'ip4'}/${host}/tcp/${port}`;
}

export async function createP2PNode(options: P2PNodeOptions): Promise<P2PNode> {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) throw new P2PConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`));
  const o = parsed.data;
  const limits = resolveLimits(o.limits as Partial<P2PLimits> | undefined);
  const now = o.now ?? Date.now;
  const chainId = o.chainId;
  const topics = topicNames(chainId);
  const protocol = syncProtocol(chainId);
  const penalties = new PeerPenalties(limits);
  const listeners = new Set<(event: P2PEvent) => void>();
  const emit = (event: P2PEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // A listener's bug must not break connection handling.
      }
    }
  };
  const banned = (peer: PeerId): boolean => penalties.isBanned(peer.toString(), now());

  const libp2p: Libp2p<{ identify: ReturnType<ReturnType<typeof identify>>; pubsub: GossipSub }> = await createLibp2p({
    start: false,
    privateKey: await libp2pKeyFromNodeKey(o.privateKey),
    addresses: { listen: [listenAddress(o.listen?.host ?? '127.0.0.1', o.listen?.port ?? 0)], announce: [...(o.announce ?? [])] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      maxConnections: limits.connectionsMax,
      maxIncomingPendingConnections: limits.pendingInboundConnectionsMax,
      inboundConnectionThreshold: limits.inboundConnectionsPerSecondPerHostMax,
      dialTimeout: limits.dialTimeoutMs,
    },
    connectionGater: {
      denyDialPeer: banned,
      denyInboundEncryptedConnection: banned,
      denyOutboundEncryptedConnection: banned,
    },
    services: {
      identify: identify(),
      pubsub: gossipsub({
        // Every payload (transaction, vote, proposal) is signed by its author inside; a second
        // libp2p signature would cost a verify per hop and tie messages to the forwarding node.
        globalSignaturePolicy: 'StrictNoSign',
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true,
        floodPublish: true,
        heartbeatInterval: limits.gossipHeartbeatIntervalMs,
        allowedTopics: Object.values(topics),
        maxInboundDataLength: GOSSIP_FRAME_BYTES_MAX,
        maxOutboundBufferSize: limits.gossipOutboundBufferBytesMax,
      }),
    },
  });
  const pubsub = libp2p.services.pubsub;
  const peerId = libp2p.peerId.toString();
  let running = false;
  let blockSource = o.blockSource;
  let txSource = o.txSource;

  const penalise = (peer: string, reason: string): void => {
    const outcome = penalties.recordInvalid(peer, now());
    if (outcome === 'already-banned') return;
    if (outcome === 'counted') {
      emit({ type: 'peer:penalised', peer, reason, count: penalties.invalidCount(peer, now()) });
      return;
    }
    emit({ type: 'peer:banned', peer, reason, untilMs: penalties.bannedUntilMs(peer, now()) ?? now() });
    void libp2p.hangUp(peerIdFromString(peer)).catch(() => undefined);
  };

  const syncCtx: SyncContext = { libp2p, chainId, protocol, limits, penalise, isBanned: (peer) => penalties.isBanned(peer, now()) };
  const txFetchCtx: TxFetchContext = { libp2p, protocol: txFetchProtocol(chainId), limits, penalise, isBanned: syncCtx.isBanned };

  const bootstrapper = new Bootstrapper({
    addresses: o.bootstrap ?? [],
    selfPeerId: peerId,
    selfAddresses: () => libp2p.getMultiaddrs().flatMap((a) => [a.toString(), a.decapsulateCode(421).toString()]),
    dial: async (address) => (await libp2p.dial(multiaddr(address), { signal: AbortSignal.timeout(limits.dialTimeoutMs) })).remotePeer.toString(),
    isConnected: (peer) => libp2p.getConnections(peerIdFromString(peer)).length > 0,
    bannedUntilMs: (peer) => penalties.bannedUntilMs(peer, now()),
    now,
    random: Math.random,
    retryMinMs: limits.bootstrapRetryMinMs,
    retryMaxMs: limits.bootstrapRetryMaxMs,
    stableConnectionMs: limits.bootstrapStableConnectionMs,
  });
  const bootstrapPeers = new Set((o.bootstrap ?? []).map(peerIdOfAddress).filter((p) => p !== undefined));

  libp2p.addEventListener('peer:connect', (event) => emit({ type: 'peer:connect', peer: event.detail.toString() }));
  // libp2p's own pruner never closes a connection with a gossipsub stream on it, and admits
  // simultaneous inbound connections past its limit; so the limit is enforced here: a peer
  // connecting beyond it is dropped, unless it is one of our bootstrap peers.
  libp2p.addEventListener('connection:open', (event) => {
    const connection = event.detail;
    if (libp2p.getPeers().length <= limits.connectionsMax || bootstrapPeers.has(connection.remotePeer.toString())) return;
    void connection.close().catch((error: Error) => connection.abort(error));
  });
  libp2p.addEventListener('peer:disconnect', (event) => {
    const peer = event.detail.toString();
    emit({ type: 'peer:disconnect', peer });
    bootstrapper.peerDisconnected(peer);
  });

  const requireRunning = (action: string): void => {
    if (!running) throw new P2PStateError(action);
  };

  const handlers = new Map<TopicKind, MessageHandler>();
  const counters = Object.fromEntries(TOPIC_KINDS.map((kind) => [kind, { received: 0, receivedBytes: 0, published: 0, publishedBytes: 0 }])) as Record<TopicKind, TopicCounters>;

  const node: P2PNode = {
    peerId,
    chainId,
    topics,
    syncProtocol: protocol,
    limits,

    async start() {
      if (running) return;
      await libp2p.start();
      await libp2p.handle(protocol, syncStreamHandler(syncCtx, () => blockSource), {
        maxInboundStreams: limits.syncStreamsPerConnectionMax,
        maxOutboundStreams: limits.syncStreamsPerConnectionMax,
      });
      await libp2p.handle(txFetchCtx.protocol, txFetchStreamHandler(txFetchCtx, () => txSource), {
        maxInboundStreams: limits.syncStreamsPerConnectionMax,
        maxOutboundStreams: limits.syncStreamsPerConnectionMax,
      });
      running = true;
      // Subscriptions made before start (so no early message is missed) take effect now.
      for (const kind of handlers.keys()) pubsub.subscribe(topics[kind]);
      bootstrapper.start();
    },

    async stop() {
      if (!running) return;
      running = false;
      bootstrapper.stop();
      await libp2p.stop();
    },

    multiaddrs: () => libp2p.getMultiaddrs().map((a) => a.toString()),
    peers: () => libp2p.getPeers().map((p) => p.toString()),
    async dial(address) {
      requireRunning(`dial ${address}`);
      const connection = await libp2p.dial(multiaddr(address), { signal: AbortSignal.timeout(limits.dialTimeoutMs) });
      return connection.remotePeer.toString();
    },
    gossipCounters: () => structuredClone(counters),
    topicPeers: (kind) => pubsub.getSubscribers(topics[kind]).map((p) => p.toString()),
    // getMeshPeers is on @libp2p/gossipsub's class but not on its exported interface (17.1).
    meshPeers: (kind) => (pubsub as unknown as { getMeshPeers(topic: string): string[] }).getMeshPeers(topics[kind]),

    async publish(kind, data) {
      requireRunning(`publish on ${kind}`);
      const sizeBytesMax = TOPIC_MESSAGE_SIZE_BYTES_MAX[kind];
      if (data.length > sizeBytesMax) throw new P2PMessageTooLargeError(topics[kind], data.length, sizeBytesMax);
      const result = await pubsub.publish(topics[kind], data);
      counters[kind].published++;
      counters[kind].publishedBytes += data.length;
      return result.recipients.length;
    },

    subscribe(kind, handler) {
      if (!TOPIC_KINDS.includes(kind)) throw new P2PConfigError([`unknown topic kind "${kind}"; use one of ${TOPIC_KINDS.join(', ')}`]);
      if (handlers.has(kind)) throw new P2PConfigError([`topic ${kind} already has a handler; unsubscribe it first`]);
      const topic = topics[kind];
      const sizeBytesMax = TOPIC_MESSAGE_SIZE_BYTES_MAX[kind];
      handlers.set(kind, handler);
      pubsub.topicValidators.set(topic, async (from, message) => {
        const peer = from.toString();
        if (penalties.isBanned(peer, now())) return TopicValidatorResult.Ignore;
        counters[kind].received++;
        counters[kind].receivedBytes += message.data.length;
        if (message.data.length > sizeBytesMax) {
          penalise(peer, `oversized ${kind} message`);
          return TopicValidatorResult.Reject;
        }
        let verdict: MessageVerdict;
        try {
          verdict = await handler(message.data, peer);
        } catch {
          return TopicValidatorResult.Ignore;
        }
        if (verdict === 'accept') return TopicValidatorResult.Accept;
        if (verdict === 'reject') {
          penalise(peer, `invalid ${kind} message`);
          return TopicValidatorResult.Reject;
        }
        return TopicValidatorResult.Ignore;
      });
      if (running) pubsub.subscribe(topic);
      return () => {
        if (handlers.get(kind) !== handler) return;
        handlers.delete(kind);
        if (running) pubsub.unsubscribe(topic);
        pubsub.topicValidators.delete(topic);
      };
    },

    setBlockSource(source) {
      blockSource = source;
    },
    setTxSource(source) {
      txSource = source;
    },
    requestTxs(peer, ids, signal) {
      requireRunning('request transactions');
      return requestTxs(txFetchCtx, peer, ids, signal);
    },

    status(peer, signal) {
      requireRunning('ask a peer for its status');
      return requestStatus(syncCtx, peer, signal);
    },
    requestHeaders(peer, fromHeight, count, signal) {
      requireRunning('request headers');
      return requestHeaders(syncCtx, peer, fromHeight, count, signal);
    },
    requestBlocks(peer, fromHeight, count, options) {
      requireRunning('request blocks');
      return requestBlocks(syncCtx, peer, fromHeight, count, options);
    },
    syncFrom(peer, fromHeight, verify, options) {
      requireRunning('sync');
      return syncFrom(syncCtx, peer, fromHeight, verify, options);
    },

    reportInvalid: penalise,
    ban(peer, reason, durationMs) {
      penalties.ban(peer, now(), durationMs);
      emit({ type: 'peer:banned', peer, reason, untilMs: penalties.bannedUntilMs(peer, now()) ?? now() });
      if (running) void libp2p.hangUp(peerIdFromString(peer)).catch(() => undefined);
    },
    isBanned: (peer) => penalties.isBanned(peer, now()),
    bootstrapStatus: () => bootstrapper.status(),
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return node;
}
