/**
 * A node of a multi-validator chain: the chain node, its consensus driver and the libp2p network.
 *
 *   peers ──tx──▶ mempool ◀── RPC          (local transactions are gossiped on)
 *     └──────────▶ recent transactions ──▶ compact proposals reassembled (missing ones asked for)
 *   peers ──proposal/vote/evidence──▶ consensus engine ──▶ commitFinal ──▶ block store, DNS
 *   peers ◀──sync (blocks + certificates)── block store          (and the other way when behind)
 *
 * A full node runs the same engine without a key: it decides from the validators' gossip as soon
 * as they do, and block sync is the fallback when it was away (a new node from genesis, a restart).
 */
import { randomBytes } from 'node:crypto';
import { decodeTx, encodeTx } from '../chain/codec.ts';
import type { KeyPair } from '../chain/crypto.ts';
import { bytesEqual } from '../chain/hash.ts';
import { LedgerError } from '../chain/ledger/errors.ts';
import { ProofRejected } from '../chain/light.ts';
import type { Genesis } from '../chain/types.ts';
import { decodeCompactProposal, decodeConsensusMessage, encodeCompactProposal, encodeConsensusMessage } from '../consensus/codec.ts';
import type { ConsensusMessage, StepResult, Timeouts } from '../consensus/types.ts';
import { DcbtError } from '../errors.ts';
import { decodeTxBatch, TxBatcher } from '../p2p/tx-batch.ts';
import { createP2PNode, type MessageVerdict, type P2PLimits, type P2PNode, type TopicCounters, type TopicKind } from '../p2p/index.ts';
import { ConsensusDriver } from './consensus-driver.ts';
import { EvidenceReporter, type ReporterLog } from './evidence-reporter.ts';
import { MempoolError } from './mempool.ts';
import { ChainNode } from './node.ts';
import { assembleProposal, fetchFromPeers, RecentTxs } from './proposal-assembly.ts';

/** How often a node asks its peers how far their chains are (and syncs when it is behind). */
export const SYNC_POLL_INTERVAL_MS = 1000;
/** Peers asked for their tip in one poll. */
const SYNC_STATUS_PEERS_MAX = 4;
const SYNC_STATUS_TIMEOUT_MS = 2000;

export interface NetworkNodeOptions {
  readonly dataDir: string;
  readonly genesis: Genesis;
  /** Validators only. */
  readonly validatorKey?: KeyPair;
  /** The node's network identity (its libp2p peer id). */
  readonly p2pKey: KeyPair;
  readonly listen: { readonly host: string; readonly port: number };
  readonly bootstrap: readonly string[];
  readonly p2pLimits?: Partial<P2PLimits>;
  readonly timeouts?: Partial<Timeouts>;
  readonly syncPollIntervalMs?: number;
  readonly onError?: (error: unknown, context: string) => void;
  /** Where routine events go (evidence reported…); nowhere by default. */
  readonly log?: ReporterLog;
}

export interface NetworkStatus {
  readonly peers: number;
  readonly gossip: Readonly<Record<TopicKind, TopicCounters>>;
  readonly proposals: { readonly assembled: number; readonly txsFetched: number; readonly incomplete: number };
  readonly recentTxs: number;
}

const SILENT_LOG: ReporterLog = { debug: () => undefined, info: () => undefined };

export class NetworkNode {
  readonly chain: ChainNode;
  readonly p2p: P2PNode;
  readonly consensus: ConsensusDriver;
  /** Validators only: sends the evidence of equivocation their engine surfaces to the chain. */
  readonly evidence: EvidenceReporter | undefined;
  /** Transactions seen lately, by id: compact proposals are rebuilt from them, and peers ask for them. */
  readonly recentTxs: RecentTxs;
  /** Proposals received: put back together, with transactions asked of a peer, or given up on. */
  readonly proposalCounts = { assembled: 0, txsFetched: 0, incomplete: 0 };
  private readonly batcher: TxBatcher;
  private readonly onError: (error: unknown, context: string) => void;
  private readonly syncPollIntervalMs: number;
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<unknown> | undefined;
  private closed = false;
  private readonly offs: (() => void)[] = [];

  private constructor(chain: ChainNode, p2p: P2PNode, consensus: ConsensusDriver, evidence: EvidenceReporter | undefined, recentTxs: RecentTxs, options: NetworkNodeOptions) {
    this.chain = chain;
    this.p2p = p2p;
    this.consensus = consensus;
    this.evidence = evidence;
    this.recentTxs = recentTxs;
    this.onError = options.onError ?? (() => undefined);
    this.batcher = new TxBatcher((batch) => void this.p2p.publish('tx', batch).catch((error: unknown) => this.onError(error, 'gossip tx')));
    this.syncPollIntervalMs = options.syncPollIntervalMs ?? SYNC_POLL_INTERVAL_MS;
  }

  static async start(options: NetworkNodeOptions): Promise<NetworkNode> {
    const chain = await ChainNode.open({ dataDir: options.dataDir, genesis: options.genesis, ...(options.validatorKey ? { validatorKey: options.validatorKey } : {}) });
    let p2p: P2PNode | undefined;
    const recentTxs = new RecentTxs();
    try {
      p2p = await createP2PNode({
        chainId: options.genesis.chainId,
        privateKey: options.p2pKey.secretKey,
        listen: options.listen,
        bootstrap: options.bootstrap,
        ...(options.p2pLimits ? { limits: options.p2pLimits } : {}),
        blockSource: {
          tipHeight: () => chain.tip.height,
          getBlock: (height) => chain.getEncodedBlock(height),
        },
        txSource: recentTxs,
      });
      const onError = options.onError ?? (() => undefined);
      // The driver starts sending only after the node exists (consensus.start() below).
      const started: { node?: NetworkNode } = {};
      const evidence = options.validatorKey ? new EvidenceReporter(chain, options.validatorKey, options.log ?? SILENT_LOG) : undefined;
      const consensus = await ConsensusDriver.create({
        chain,
        ...(options.validatorKey ? { validatorKey: options.validatorKey } : {}),
        ...(options.timeouts ? { timeouts: options.timeouts } : {}),
        transport: { broadcast: (message) => started.node?.broadcast(message) },
        onError,
        onEvidence: (e) =>
          void evidence?.report(e).then((r) => {
            if (r.status === 'failed') onError(r.error, 'sending evidence to the chain');
          }),
      });
      const node = new NetworkNode(chain, p2p, consensus, evidence, recentTxs, options);
      started.node = node;
      node.wire();
      await p2p.start();
      consensus.start();
      node.pollSync();
      return node;
    } catch (error) {
      await p2p?.stop().catch(() => undefined);
      await chain.close();
      throw error;
    }
  }

  /**
   * Sends one of the engine's messages. A proposal goes out as transaction ids, after the local
   * transactions still waiting for their batch: a peer's stream delivers them first, so it has
   * every transaction of the block unless gossip lost one.
   */
  private broadcast(message: ConsensusMessage): void {
    let bytes: Uint8Array;
    if (message.type === 'proposal') {
      // Peers ask the sender for what they lack: a restarted proposer re-proposing its valid block
      // has not seen these transactions since it started.
      for (const tx of message.block.txs) this.recentTxs.add(tx);
      this.batcher.flush();
      bytes = encodeCompactProposal(message);
    } else {
      bytes = encodeConsensusMessage(message);
    }
    void this.p2p.publish(topicOf(message), frame(bytes)).catch((error: unknown) => this.onError(error, 'gossip'));
  }

  /** The transactions with these ids, from the peer that forwarded their proposal and then others. */
  private fetchTxs(ids: readonly Uint8Array[], from: string): Promise<Map<string, Uint8Array>> {
    return fetchFromPeers(ids, from, this.p2p.peers(), (peer, missing, signal) => this.p2p.requestTxs(peer, missing, signal), (error, peer) =>
      this.onError(error, `transactions of a proposal from ${peer}`),
    );
  }

  private consensusVerdict(result: StepResult): MessageVerdict {
    switch (result.status) {
      case 'accepted':
      case 'buffered':
        return 'accept';
      case 'invalid':
        return 'reject';
      case 'future':
        // The network is ahead of this node: catch up by block sync.
        this.syncSoon();
        return 'ignore';
      default:
        return 'ignore';
    }
  }

  private wire(): void {
    const consensusHandler = (bytes: Uint8Array): MessageVerdict => {
      let message: ConsensusMessage;
      try {
        message = decodeConsensusMessage(unframe(bytes));
      } catch {
        return 'reject';
      }
      if (message.type === 'proposal') return 'reject';
      return this.consensusVerdict(this.consensus.receive(message));
    };
    const proposalHandler = async (bytes: Uint8Array, from: string): Promise<MessageVerdict> => {
      let compact;
      try {
        compact = decodeCompactProposal(unframe(bytes));
      } catch {
        return 'reject';
      }
      // A duplicate, a stranger's or a forged proposal is settled before any transaction is looked up.
      const screened = this.consensus.screenProposal(compact.proposal, compact.header);
      if (screened.status !== 'accepted') return this.consensusVerdict(screened);
      const assembly = await assembleProposal(compact, this.recentTxs, (ids) => this.fetchTxs(ids, from));
      if (assembly.status === 'incomplete') {
        this.proposalCounts.incomplete++;
        return 'ignore';
      }
      if (assembly.status === 'invalid') return 'reject';
      this.proposalCounts.assembled++;
      this.proposalCounts.txsFetched += assembly.fetched;
      return this.consensusVerdict(this.consensus.receive({ type: 'proposal', proposal: assembly.proposal, block: assembly.block }));
    };
    this.offs.push(this.p2p.subscribe('proposal', proposalHandler), this.p2p.subscribe('vote', consensusHandler), this.p2p.subscribe('evidence', consensusHandler));
    this.offs.push(
      this.p2p.subscribe('tx', async (bytes) => {
        let txs;
        try {
          txs = decodeTxBatch(bytes).map((b) => decodeTx(b));
        } catch {
          return 'reject';
        }
        // Remembered before admission: a proposal naming them may arrive while they are checked.
        for (const tx of txs) this.recentTxs.addUnchecked(tx);
        const results = await Promise.allSettled(txs.map((tx) => this.chain.submitTx(tx, 'peer')));
        return batchVerdict(results);
      }),
    );
    // Only transactions that came in here (RPC) are published: a peer's batch is forwarded by
    // gossipsub itself once accepted, and publishing its transactions again would echo them.
    this.offs.push(() => this.batcher.close());
    this.offs.push(
      this.chain.onTx((tx, source) => {
        // Whatever is admitted may go into this node's proposals, so peers must be able to ask for it.
        this.recentTxs.add(tx);
        if (source === 'local') this.batcher.add(encodeTx(tx));
      }),
    );
  }

  private pollSync(): void {
    if (this.closed) return;
    this.syncTimer = setTimeout(() => {
      this.syncSoon();
      this.pollSync();
    }, this.syncPollIntervalMs);
  }

  /** Starts a catch-up unless one is running. */
  syncSoon(): void {
    if (this.syncing || this.closed) return;
    this.syncing = this.catchUp()
      .catch((error: unknown) => this.onError(error, 'block sync'))
      .finally(() => {
        this.syncing = undefined;
      });
  }

  /** Asks peers for their tips and syncs from the highest one that is ahead of this node. */
  async catchUp(): Promise<number> {
    const peers = this.p2p.peers().slice(0, SYNC_STATUS_PEERS_MAX);
    const tips = await Promise.all(
      peers.map(async (peer) => {
        try {
          return { peer, tip: await this.p2p.status(peer, AbortSignal.timeout(SYNC_STATUS_TIMEOUT_MS)) };
        } catch {
          return { peer, tip: -1 };
        }
      }),
    );
    tips.sort((a, b) => b.tip - a.tip);
    let synced = 0;
    for (const { peer, tip } of tips) {
      if (this.closed || tip <= this.chain.tip.height) break;
      try {
        const result = await this.p2p.syncFrom(
          peer,
          this.chain.tip.height + 1,
          async (b) => {
            if (b.height <= this.chain.tip.height) {
              // Consensus stored it meanwhile: fine if it is the same block.
              const mine = await this.chain.getBlock(b.height);
              return mine && bytesEqual(mine.commit.blockHash, b.hash) ? 'accept' : 'reject';
            }
            try {
              await this.chain.commitFinal(b.block, b.commit);
              return 'accept';
            } catch (error) {
              if (error instanceof ProofRejected || error instanceof LedgerError || (error instanceof DcbtError && error.code === 'STATE_ROOT_MISMATCH')) return 'reject';
              throw error;
            }
          },
          { prevHash: this.chain.tip.hash, toHeight: tip },
        );
        synced += result.blocks;
      } catch (error) {
        this.onError(error, `block sync from ${peer}`);
      }
    }
    if (synced > 0) this.consensus.synced();
    return synced;
  }

  /** What `GET /v1/status` shows of the network: peers, gossip per topic, proposals put back together. */
  status(): NetworkStatus {
    return { peers: this.p2p.peers().length, gossip: this.p2p.gossipCounters(), proposals: { ...this.proposalCounts }, recentTxs: this.recentTxs.size };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    for (const off of this.offs) off();
    await this.consensus.stop();
    await this.syncing;
    await this.p2p.stop();
    await this.chain.close();
  }
}

/**
 * Gossipsub names a message by the hash of its bytes and drops a second publish of the same bytes,
 * but the engine sends its messages again on purpose (a restarted or cut-off validator needs the
 * votes it missed). A fresh nonce in front makes every send a new gossip message; the engine
 * recognises the repeats, and a repeat it already had is not forwarded (verdict 'ignore').
 */
const FRAME_NONCE_BYTES = 8;

function frame(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_NONCE_BYTES + message.length);
  out.set(randomBytes(FRAME_NONCE_BYTES), 0);
  out.set(message, FRAME_NONCE_BYTES);
  return out;
}

function unframe(bytes: Uint8Array): Uint8Array {
  if (bytes.length <= FRAME_NONCE_BYTES) throw new DcbtError('DECODE_FAILED', 'consensus frame too short', { what: 'frame', offset: 0 });
  return bytes.subarray(FRAME_NONCE_BYTES);
}

function topicOf(message: ConsensusMessage): TopicKind {
  return message.type;
}

/**
 * A batch is forwarded when it brought something new, and its sender blamed when any of it is
 * forged or malformed: the node that made the batch admitted every transaction in it, so a
 * transaction that fails only here (nonce, name taken, already known) is a matter of timing.
 */
function batchVerdict(results: readonly PromiseSettledResult<unknown>[]): MessageVerdict {
  let verdict: MessageVerdict = 'ignore';
  for (const r of results) {
    if (r.status === 'fulfilled') verdict = 'accept';
    else if (txVerdict(r.reason) === 'reject') return 'reject';
  }
  return verdict;
}

/** Whether a peer's transaction is forwarded and whether the peer is blamed for it. */
function txVerdict(error: unknown): MessageVerdict {
  if (error instanceof MempoolError) return 'ignore';
  if (error instanceof LedgerError) {
    // Forged or malformed: the sender is at fault. Anything else (nonce, name taken…) depends on
    // timing between nodes, not on honesty.
    return error.code === 'TX_BAD_SIGNATURE' || error.code === 'TX_BAD_STAMP' || error.code === 'TX_WRONG_CHAIN' ? 'reject' : 'ignore';
  }
  if (error instanceof DcbtError && error.code === 'DECODE_FAILED') return 'reject';
  return 'ignore';
}
