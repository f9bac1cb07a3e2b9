/**
 * The I/O shell around the pure consensus engine: it feeds the engine network messages and clock
 * ticks, and carries out what `ready()` asks, in the engine's order — store decided blocks,
 * persist the engine's state (before anything it signed leaves the node, so a restart can never
 * make this validator sign a conflicting vote), send messages, build or check blocks, pass on
 * evidence. One Ready is handled completely before the next is taken.
 */
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { sign, verify, type KeyPair } from '../chain/crypto.ts';
import type { BlockHeader, Bytes, Genesis } from '../chain/types.ts';
import { decodePersistedState, encodePersistedState } from '../consensus/codec.ts';
import { ConsensusEngine } from '../consensus/engine.ts';
import type { ConsensusMessage, Evidence, PersistedState, Ready, SignedProposal, StepResult, Timeouts } from '../consensus/types.ts';
import { writeFileAtomic } from '../files.ts';
import type { ChainNode } from './node.ts';

/** Where a validator keeps its consensus state (position, lock, own signed votes). */
export const CONSENSUS_STATE_FILE = 'consensus.state';
/** The longest the driver sleeps between ticks, so a stalled timer cannot stall consensus. */
const TICK_INTERVAL_MS_MAX = 250;

/** How consensus messages leave the node (the p2p layer in a node, a wire in tests). */
export interface ConsensusTransport {
  broadcast(message: ConsensusMessage): void;
}

export interface ConsensusDriverOptions {
  readonly chain: ChainNode;
  readonly transport: ConsensusTransport;
  /** Absent on a full node: the engine follows and decides but never signs. */
  readonly validatorKey?: KeyPair;
  readonly timeouts?: Partial<Timeouts>;
  readonly now?: () => number;
  /** Told of each problem the driver recovered from (a block that failed to build, a full disk…). */
  readonly onError?: (error: unknown, context: string) => void;
  readonly onEvidence?: (evidence: Evidence) => void;
}

/** Engine timeouts for a chain: blocks paced at the genesis block interval. */
export function timeoutsFor(genesis: Genesis): Partial<Timeouts> {
  const interval = genesis.params.blockIntervalMs;
  // The pause after a decision paces the chain; the vote round trip fills the rest of the interval.
  return { commitMs: Math.max(0, interval - 150), proposeMs: Math.max(1000, 3 * interval) };
}

export class ConsensusDriver {
  private readonly chain: ChainNode;
  private readonly transport: ConsensusTransport;
  private readonly now: () => number;
  private readonly onError: (error: unknown, context: string) => void;
  private readonly onEvidence: (evidence: Evidence) => void;
  private readonly statePath: string;
  private readonly engine: ConsensusEngine;
  private readonly validatorKey: KeyPair | undefined;
  private pumping: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(options: ConsensusDriverOptions, engine: ConsensusEngine) {
    this.chain = options.chain;
    this.transport = options.transport;
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => undefined);
    this.onEvidence = options.onEvidence ?? (() => undefined);
    this.statePath = join(options.chain.dataDir, CONSENSUS_STATE_FILE);
    this.engine = engine;
    this.validatorKey = options.validatorKey;
  }

  static async create(options: ConsensusDriverOptions): Promise<ConsensusDriver> {
    const { chain, validatorKey } = options;
    const genesis = chain.genesis;
    const persisted = validatorKey ? await readPersisted(join(chain.dataDir, CONSENSUS_STATE_FILE)) : undefined;
    const engine = ConsensusEngine.create(
      {
        chainId: genesis.chainId,
        // The set is versioned by height; governance changes it in a later release, genesis for now.
        validatorsAt: () => ({ fromHeight: 1, validators: genesis.validators }),
        ...(validatorKey ? { signer: { publicKey: validatorKey.publicKey, sign: (m: Bytes) => sign(validatorKey.secretKey, m) } } : {}),
        verify,
        timeouts: { ...timeoutsFor(genesis), ...options.timeouts },
      },
      { height: chain.tip.height + 1, nowMs: (options.now ?? Date.now)(), ...(persisted ? { persisted } : {}) },
    );
    return new ConsensusDriver(options, engine);
  }

  get status() {
    return this.engine.status();
  }

  start(): void {
    this.schedule();
    this.kick();
  }

  /** Whether a proposal is worth putting its block together for (ConsensusEngine.screenProposal). */
  screenProposal(proposal: SignedProposal, header: BlockHeader): StepResult {
    if (this.stopped) return { status: 'stale' };
    const result = this.engine.screenProposal(proposal, header);
    // A stale proposal may have had the last decision queued for its sender.
    this.kick();
    return result;
  }

  /** A message from the network; the verdict tells the p2p layer whether to forward it. */
  receive(message: ConsensusMessage): StepResult {
    if (this.stopped) return { status: 'stale' };
    const result = this.engine.step(message);
    this.kick();
    return result;
  }

  /** The node committed blocks outside consensus (block sync): move on. */
  synced(): void {
    this.engine.syncedTo(this.chain.tip.height);
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.pumping;
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const waitMs = Math.min(TICK_INTERVAL_MS_MAX, Math.max(0, this.engine.nextTimerMs() - this.now()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.engine.tick(this.now());
      this.kick();
      this.schedule();
    }, waitMs);
  }

  /** Handles Ready after Ready until the engine has nothing more; one pump at a time. */
  private kick(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = (async () => {
      do {
        this.again = false;
        while (!this.stopped && this.engine.hasReady()) await this.handle(this.engine.ready());
      } while (this.again && !this.stopped);
    })()
      .catch((error: unknown) => this.onError(error, 'consensus'))
      .finally(() => {
        this.pumping = undefined;
        this.schedule();
      });
  }

  private async handle(ready: Ready): Promise<void> {
    for (const decision of ready.commit) {
      // A block sync may have stored it already; commitFinal is a no-op then.
      await this.chain.commitFinal(decision.block, decision.certificate);
    }
    // A full node signs nothing, so it has nothing it could contradict after a restart.
    if (ready.persist && this.validatorKey) await this.persist(ready.persist);
    for (const message of ready.send) this.transport.broadcast(message);
    if (ready.build) {
      const { height, round } = ready.build;
      try {
        const key = this.validatorKey?.publicKey;
        if (key && height === this.chain.tip.height + 1) {
          const block = await this.chain.buildBlock(key);
          // Time passed while building: the engine schedules its timeouts from the time it was last given.
          this.engine.tick(this.now());
          this.engine.propose(height, round, block);
        }
      } catch (error) {
        // No proposal this round: the others time out and move to the next proposer.
        this.onError(error, `building block ${height}`);
      }
    }
    for (const request of ready.validate) {
      let valid = false;
      if (request.height === this.chain.tip.height + 1) {
        try {
          await this.chain.checkBlock(request.block);
          valid = true;
        } catch (error) {
          this.onError(error, `checking proposed block ${request.height}`);
        }
        this.engine.tick(this.now());
        this.engine.setValidity(request.height, request.blockHash, valid);
      }
    }
    for (const evidence of ready.evidence) {
      this.transport.broadcast({ type: 'evidence', evidence });
      this.onEvidence(evidence);
    }
  }

  private async persist(state: PersistedState): Promise<void> {
    await writeFileAtomic(this.statePath, encodePersistedState(state));
  }
}

async function readPersisted(path: string): Promise<PersistedState | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return decodePersistedState(new Uint8Array(bytes));
}
