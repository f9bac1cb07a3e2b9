/**
 * One simulation run: N validators, each the real consensus engine driven the way a node drives
 * it (commit → persist → send → answer requests), over a simulated network and clock, all from
 * one seed. Faults during the chaos phase: message loss, duplication, delay and reordering,
 * partitions that heal, crashes (also half-way through handling a Ready) and restarts from the
 * persisted state, Byzantine validators (see adversary.ts). Then the network heals, every
 * crashed validator restarts, and the run goes on to check liveness.
 *
 * Everything is deterministic: the same seed and options give the same run, event for event.
 */
import { blockHash, CodecError } from '../chain/codec.ts';
import { keyPairFromSecret, type KeyPair } from '../chain/crypto.ts';
import { toHex } from '../chain/hash.ts';
import { verifyCommit } from '../chain/light.ts';
import type { Block, CommitCertificate, Genesis } from '../chain/types.ts';
import { decodeConsensusMessage, decodePersistedState, encodeConsensusMessage, encodePersistedState } from '../consensus/codec.ts';
import { ConsensusEngine } from '../consensus/engine.ts';
import { VoteStep, type ConsensusMessage, type EngineConfig, type PersistedState, type SignatureVerifier, type Signer, type Timeouts, type ValidatorSet } from '../consensus/types.ts';
import { Adversary, type AdversaryMode } from './adversary.ts';
import { SimChain, simGenesis, txPool, type ApplyCache, type TxPool } from './chain.ts';
import { Checker, type LivenessBounds, type Violation } from './checker.ts';
import { simSigner, simVerifier, type SimCrypto } from './crypto.ts';
import { Rng } from './prng.ts';

export interface SimOptions {
  readonly validators: number;
  /** Byzantine validators, or 'random': none or one, by the seed. */
  readonly byzantine: number | 'random';
  readonly byzantineMode: AdversaryMode;
  /** Faults (loss, partitions, crashes…) during [0, chaosMs); then the network heals. */
  readonly chaosMs: number;
  /** Run on this long after the heal; liveness is judged over it. */
  readonly liveMs: number;
  readonly faults: boolean;
  readonly crypto: SimCrypto;
  readonly timeouts: Timeouts;
  readonly liveness: LivenessBounds | false;
  /** Safety valve on the event loop. */
  readonly eventsMax: number;
  /** Stop at the first violation (campaigns) or run to the end (replays, to see everything). */
  readonly stopOnViolation: boolean;
  readonly trace?: (line: string) => void;
  /** With `trace`: every consensus message sent and received too. */
  readonly traceMessages?: boolean;
  /**
   * A deliberately broken driver that restarts validators without their persisted state, so
   * they may sign again what they signed before the crash: the checker's own test uses it to
   * show the no-equivocation check can fail. Never set in a campaign.
   */
  readonly brokenDriverForgetsPersistedState?: boolean;
}

export const SIM_TIMEOUTS: Timeouts = {
  proposeMs: 300,
  proposeDeltaMs: 100,
  prevoteMs: 150,
  prevoteDeltaMs: 75,
  precommitMs: 150,
  precommitDeltaMs: 75,
  // Paces blocks (about three a second): the checks see as much, each run costs less.
  commitMs: 250,
  rebroadcastMs: 400,
};

export const DEFAULT_SIM_OPTIONS: SimOptions = {
  validators: 4,
  byzantine: 'random',
  byzantineMode: 'equivocate',
  chaosMs: 4000,
  liveMs: 16000,
  faults: true,
  crypto: 'fast',
  timeouts: SIM_TIMEOUTS,
  liveness: { firstBoundMs: 10_000, gapBoundMs: 10_000 },
  eventsMax: 500_000,
  stopOnViolation: true,
};

export interface SimStats {
  events: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  garbage: number;
  invalid: number;
  crashes: number;
  tornCrashes: number;
  restarts: number;
  partitions: number;
  syncedBlocks: number;
  evidence: number;
  byzantine: number;
  /** Lowest and highest chain height among correct validators at the end. */
  heightMin: number;
  heightMax: number;
  roundMax: number;
  /** Longest wait (over correct validators) for the first final block after the heal, and between final blocks after it. */
  firstBlockAfterHealMs: number;
  blockGapMaxMs: number;
}

export interface SimResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly violations: readonly Violation[];
  readonly stats: SimStats;
}

type Payload =
  | { readonly kind: 'consensus'; readonly bytes: Uint8Array }
  | { readonly kind: 'sync-request'; readonly fromHeight: number }
  | { readonly kind: 'sync-response'; readonly blocks: readonly { readonly block: Block; readonly certificate: CommitCertificate }[] };

type SimEvent =
  | { readonly kind: 'deliver'; readonly from: number; readonly to: number; readonly payload: Payload }
  | { readonly kind: 'tick'; readonly node: number; readonly gen: number }
  | { readonly kind: 'action'; readonly run: () => void };

interface Queued {
  readonly atMs: number;
  readonly seq: number;
  readonly event: SimEvent;
}

/** A binary min-heap on (atMs, seq): equal times keep their scheduling order. */
class EventQueue {
  private readonly heap: Queued[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(atMs: number, event: SimEvent): void {
    const h = this.heap;
    h.push({ atMs, seq: this.seq++, event });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  pop(): Queued | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less(a: Queued, b: Queued): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

type Torn = 'after-commit' | 'after-persist';

interface SimNode {
  readonly id: number;
  readonly key: KeyPair;
  readonly signer: Signer;
  readonly correct: boolean;
  /** Survives crashes: the block store and the persisted consensus state are "on disk". */
  readonly chain: SimChain;
  persisted: PersistedState | undefined;
  engine: ConsensusEngine | undefined;
  torn: Torn | undefined;
  tickGen: number;
  tickAtMs: number;
  heightSinceMs: number;
  syncAskedMs: number;
  tracedHeight: number;
  tracedRound: number;
}

interface Cut {
  readonly fromMs: number;
  readonly toMs: number;
  readonly left: ReadonlySet<number>;
  readonly right: ReadonlySet<number>;
}

/** Blocks sent per sync response. */
const SYNC_BATCH_BLOCKS_MAX = 16;
/** A node asks a peer for blocks at most this often. */
const SYNC_REQUEST_INTERVAL_MS = 200;
/** A node that hears the next height but has not decided its own for this long asks for blocks. */
const SYNC_STALL_MS = 1000;

const keyCache: KeyPair[] = [];
function validatorKey(i: number): KeyPair {
  return (keyCache[i] ??= keyPairFromSecret(new Uint8Array(32).fill(1 + i)));
}

const T0 = 1_700_000_000_000;

export class World {
  readonly seed: number;
  readonly options: SimOptions;
  readonly genesis: Genesis;
  readonly checker: Checker;
  readonly stats: SimStats;
  private readonly rng: Rng;
  private readonly netRng: Rng;
  private readonly blockRng: Rng;
  private readonly queue = new EventQueue();
  private readonly nodes: SimNode[];
  private readonly set: ValidatorSet;
  private readonly verify: SignatureVerifier;
  private readonly pool: TxPool;
  private readonly adversary: Adversary | undefined;
  private readonly cuts: Cut[] = [];
  private nowMs = T0;
  private readonly startMs = T0;
  private loss = 0;
  private duplication = 0;
  private delayBaseMs = 1;
  private delayJitterMs = 0;

  constructor(seed: number, options: Partial<SimOptions> = {}) {
    this.seed = seed >>> 0;
    this.options = { ...DEFAULT_SIM_OPTIONS, ...options };
    const o = this.options;
    this.rng = new Rng(this.seed);
    this.netRng = this.rng.child('network');
    this.blockRng = this.rng.child('blocks');
    const scenario = this.rng.child('scenario');
    const n = o.validators;
    const byzantineCount = o.byzantine === 'random' ? (scenario.chance(0.5) ? 1 : 0) : o.byzantine;
    const keys = Array.from({ length: n }, (_, i) => validatorKey(i));
    this.genesis = simGenesis(keys.map((k) => k.publicKey), T0 - 1000);
    this.set = { fromHeight: 1, validators: this.genesis.validators };
    this.verify = simVerifier(o.crypto);
    this.pool = txPool(this.genesis);
    // Byzantine validators are the last ones, so 'fork' groups split the correct ones evenly.
    const applied: ApplyCache = new Map();
    const byzantine = Array.from({ length: byzantineCount }, (_, i) => n - 1 - i).sort((a, b) => a - b);
    this.nodes = keys.map((key, id) => ({
      id,
      key,
      signer: simSigner(key, o.crypto),
      correct: !byzantine.includes(id),
      chain: new SimChain(this.genesis, this.pool, applied),
      persisted: undefined,
      engine: undefined,
      torn: undefined,
      tickGen: 0,
      tickAtMs: Infinity,
      heightSinceMs: T0,
      syncAskedMs: -Infinity,
      tracedHeight: 0,
      tracedRound: 0,
    }));
    this.checker = new Checker(this.genesis, this.pool, this.verify, () => this.set, new Set(byzantine.map((i) => toHex(keys[i]!.publicKey))));
    this.stats = {
      events: 0,
      delivered: 0,
      dropped: 0,
      duplicated: 0,
      garbage: 0,
      invalid: 0,
      crashes: 0,
      tornCrashes: 0,
      restarts: 0,
      partitions: 0,
      syncedBlocks: 0,
      evidence: 0,
      byzantine: byzantineCount,
      heightMin: 0,
      heightMax: 0,
      roundMax: 0,
      firstBlockAfterHealMs: 0,
      blockGapMaxMs: 0,
    };
    const correct = this.nodes.filter((x) => x.correct).map((x) => x.id);
    if (byzantine.length > 0) {
      this.adversary = new Adversary(byzantine, correct, o.byzantineMode, this.rng.child('adversary'), {
        chainId: this.genesis.chainId,
        set: this.set,
        keys,
        signers: this.nodes.map((x) => x.signer),
        chains: this.nodes.map((x) => x.chain),
        send: (from, to, bytes) => this.send(from, to, { kind: 'consensus', bytes }),
      });
    }
    this.planScenario(scenario, byzantine, correct);
  }

  private trace(line: string): void {
    this.options.trace?.(`${String(this.nowMs - this.startMs).padStart(6)} ms  ${line}`);
  }

  // ---- the scenario ----------------------------------------------------------------------------

  private planScenario(rng: Rng, byzantine: readonly number[], correct: readonly number[]): void {
    const o = this.options;
    const chaosEnd = this.startMs + o.chaosMs;
    if (o.faults) {
      this.loss = rng.next() * 0.3;
      this.duplication = rng.next() * 0.1;
      this.delayBaseMs = rng.int(1, 20);
      this.delayJitterMs = rng.int(0, 300);
      const partitions = rng.int(0, 3);
      for (let i = 0; i < partitions; i++) {
        const fromMs = this.startMs + rng.int(0, o.chaosMs - 1);
        const toMs = Math.min(chaosEnd, fromMs + rng.int(200, 3000));
        const order = rng.shuffle(this.nodes.map((x) => x.id));
        const cut = rng.int(1, order.length - 1);
        this.addCut({ fromMs, toMs, left: new Set(order.slice(0, cut)), right: new Set(order.slice(cut)) });
      }
      const crashes = rng.int(0, 3);
      for (let i = 0; i < crashes && correct.length > 0; i++) {
        const node = rng.pick(correct);
        const atMs = this.startMs + rng.int(0, o.chaosMs - 1);
        const downMs = rng.int(100, 3000);
        const torn = rng.pick([undefined, undefined, 'after-commit', 'after-persist'] as const);
        this.at(atMs, () => this.crash(node, torn));
        this.at(Math.min(chaosEnd, atMs + downMs), () => this.restart(node));
      }
    } else {
      this.delayBaseMs = rng.int(1, 20);
      this.delayJitterMs = rng.int(0, 40);
    }
    if (o.byzantineMode === 'fork' && byzantine.length > 0) {
      // The correct groups never meet; the Byzantine validators reach both.
      const [a, b] = Adversary.forkGroups(correct);
      this.addCut({ fromMs: this.startMs, toMs: Infinity, left: new Set(a), right: new Set(b) });
    }
    this.at(chaosEnd, () => this.heal(rng));
  }

  private addCut(c: Cut): void {
    this.cuts.push(c);
    this.stats.partitions++;
    this.at(c.fromMs, () => this.trace(`partition ${[...c.left].join(',')} | ${[...c.right].join(',')} until ${c.toMs === Infinity ? 'the end' : `${c.toMs - this.startMs} ms`}`));
  }

  private heal(rng: Rng): void {
    this.trace('heal: partitions end, crashed validators restart, loss drops');
    if (this.options.faults) {
      this.loss = rng.next() * 0.05;
      this.delayJitterMs = Math.min(this.delayJitterMs, 40);
    }
    for (const node of this.nodes) {
      node.torn = undefined;
      if (node.correct && !node.engine) this.restart(node.id);
    }
  }

  private at(atMs: number, run: () => void): void {
    this.queue.push(atMs, { kind: 'action', run });
  }

  // ---- the network -----------------------------------------------------------------------------

  private connected(a: number, b: number): boolean {
    for (const c of this.cuts) {
      if (this.nowMs < c.fromMs || this.nowMs >= c.toMs) continue;
      if ((c.left.has(a) && c.right.has(b)) || (c.right.has(a) && c.left.has(b))) return false;
    }
    return true;
  }

  private send(from: number, to: number, payload: Payload): void {
    if (!this.connected(from, to) || this.netRng.chance(this.loss)) {
      this.stats.dropped++;
      return;
    }
    const copies = this.netRng.chance(this.duplication) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      const delay = this.delayBaseMs + Math.floor(this.netRng.next() * this.delayJitterMs);
      this.queue.push(this.nowMs + delay, { kind: 'deliver', from, to, payload });
    }
  }

  private broadcast(from: number, payload: Payload): void {
    for (const node of this.nodes) if (node.id !== from) this.send(from, node.id, payload);
  }

  // ---- nodes -----------------------------------------------------------------------------------

  private engineConfig(node: SimNode): EngineConfig {
    return { chainId: this.genesis.chainId, validatorsAt: () => this.set, signer: node.signer, verify: this.verify, timeouts: this.options.timeouts };
  }

  private start(node: SimNode): void {
    // What was "written" is the Ready's snapshot; it goes through the codec on the way back in.
    const persisted = node.persisted && !this.options.brokenDriverForgetsPersistedState ? decodePersistedState(encodePersistedState(node.persisted)) : undefined;
    try {
      node.engine = ConsensusEngine.create(this.engineConfig(node), { height: node.chain.height + 1, nowMs: this.nowMs, ...(persisted ? { persisted } : {}) });
    } catch (error) {
      this.checker.fail('crash', this.nowMs, `node ${node.id} cannot restart: ${(error as Error).message}`);
      return;
    }
    node.heightSinceMs = this.nowMs;
    this.drain(node);
  }

  private crash(id: number, torn: Torn | undefined): void {
    const node = this.nodes[id]!;
    if (!node.engine) return;
    if (torn) {
      // The crash comes in the middle of handling the next Ready.
      node.torn = torn;
      this.trace(`node ${id} will crash ${torn.replace('-', ' ')} of its next Ready`);
      return;
    }
    this.down(node, 'crash');
  }

  private down(node: SimNode, why: string): void {
    node.engine = undefined;
    node.torn = undefined;
    node.tickGen++;
    node.tickAtMs = Infinity;
    this.stats.crashes++;
    this.trace(`node ${node.id} ${why} at height ${node.chain.height + 1}`);
  }

  private restart(id: number): void {
    const node = this.nodes[id]!;
    if (node.engine) {
      node.torn = undefined; // a torn crash that never came
      return;
    }
    this.stats.restarts++;
    this.trace(`node ${id} restarts from its persisted state at height ${node.chain.height + 1}`);
    this.start(node);
  }

  /** Handles every Ready the way a node must: commit, persist, send, answer requests. */
  private drain(node: SimNode): void {
    for (;;) {
      const engine = node.engine;
      if (!engine || !engine.hasReady()) break;
      const r = engine.ready();
      for (const d of r.commit) this.finalise(node, d.block, d.certificate, 'decided');
      if (node.torn === 'after-commit') {
        this.stats.tornCrashes++;
        this.down(node, 'crashed after committing, before persisting and sending');
        return;
      }
      if (r.persist) node.persisted = r.persist;
      if (node.torn === 'after-persist') {
        this.stats.tornCrashes++;
        this.down(node, 'crashed after persisting, before sending');
        return;
      }
      for (const m of r.send) {
        this.checker.onSend(node.id, m, this.nowMs);
        if (this.options.traceMessages) this.trace(`node ${node.id} sends ${describe(m)}`);
        this.adversary?.observe(node.id, m, this.nowMs);
        this.broadcast(node.id, { kind: 'consensus', bytes: encodeConsensusMessage(m) });
      }
      if (r.build) {
        const block = node.chain.build(node.key.publicKey, this.nowMs, this.blockRng.int(0, 3), r.build.round);
        engine.propose(r.build.height, r.build.round, block);
      }
      for (const v of r.validate) {
        const reason = v.height === node.chain.height + 1 ? node.chain.check(v.block, v.blockHash) : 'not the next height';
        engine.setValidity(v.height, v.blockHash, reason === undefined);
      }
      for (const e of r.evidence) {
        this.stats.evidence++;
        this.checker.onEvidence(node.id, e, this.nowMs);
      }
    }
    if (node.engine) {
      const { height, round } = node.engine.status();
      this.stats.roundMax = Math.max(this.stats.roundMax, round);
      if (this.options.trace && (height !== node.tracedHeight || round !== node.tracedRound)) {
        if (round > 0) this.trace(`node ${node.id} height ${height} round ${round}`);
        node.tracedHeight = height;
        node.tracedRound = round;
      }
    }
    this.scheduleTick(node);
  }

  private finalise(node: SimNode, block: Block, certificate: CommitCertificate, how: 'decided' | 'synced'): void {
    const height = block.header.height;
    if (height <= node.chain.height) {
      if (node.chain.hashAt(height) !== toHex(blockHash(block.header))) this.checker.onFinal(node.id, block, certificate, this.nowMs);
      return;
    }
    try {
      node.chain.commit(block, certificate);
    } catch (error) {
      this.checker.fail('validity', this.nowMs, `node ${node.id} cannot apply final block ${height}: ${(error as Error).message}`);
      return;
    }
    node.heightSinceMs = this.nowMs;
    this.checker.onFinal(node.id, block, certificate, this.nowMs);
    this.trace(`node ${node.id} ${how} block ${height} ${toHex(blockHash(block.header)).slice(0, 12)} (round ${certificate.round}, ${block.txs.length} txs)`);
  }

  private scheduleTick(node: SimNode): void {
    const engine = node.engine;
    if (!engine) return;
    const at = Math.max(this.nowMs, engine.nextTimerMs());
    if (at >= node.tickAtMs || !Number.isFinite(at)) return;
    node.tickAtMs = at;
    this.queue.push(at, { kind: 'tick', node: node.id, gen: ++node.tickGen });
  }

  private deliver(from: number, to: number, payload: Payload): void {
    const node = this.nodes[to]!;
    const engine = node.engine;
    if (!node.correct || !engine) return;
    this.stats.delivered++;
    engine.tick(this.nowMs);
    switch (payload.kind) {
      case 'consensus': {
        let m;
        try {
          m = decodeConsensusMessage(payload.bytes);
        } catch (error) {
          if (!(error instanceof CodecError)) this.checker.fail('crash', this.nowMs, `decoding a message threw ${String(error)}, not a CodecError`);
          this.stats.garbage++;
          break;
        }
        const result = engine.step(m);
        if (this.options.traceMessages) this.trace(`  node ${to} ← ${from}: ${describe(m)}: ${result.status}`);
        if (result.status === 'invalid') this.stats.invalid++;
        const behind = result.status === 'future' || (result.status === 'buffered' && this.nowMs - node.heightSinceMs >= SYNC_STALL_MS);
        if (behind && m.type !== 'evidence' && this.nowMs - node.syncAskedMs >= SYNC_REQUEST_INTERVAL_MS) {
          node.syncAskedMs = this.nowMs;
          this.send(to, from, { kind: 'sync-request', fromHeight: node.chain.height + 1 });
        }
        break;
      }
      case 'sync-request': {
        const blocks = node.chain.blocks.slice(payload.fromHeight - 1, payload.fromHeight - 1 + SYNC_BATCH_BLOCKS_MAX);
        if (blocks.length > 0) this.send(to, from, { kind: 'sync-response', blocks });
        break;
      }
      case 'sync-response': {
        let synced = 0;
        for (const { block, certificate } of payload.blocks) {
          if (block.header.height !== node.chain.height + 1) continue;
          try {
            verifyCommit(this.genesis, block.header, certificate, this.verify);
          } catch {
            break; // a bad certificate: the peer is lying, the block is not taken
          }
          this.finalise(node, block, certificate, 'synced');
          if (node.chain.height !== block.header.height) break;
          synced++;
        }
        if (synced > 0) {
          this.stats.syncedBlocks += synced;
          engine.syncedTo(node.chain.height);
        }
        break;
      }
    }
    this.drain(node);
  }

  private tick(id: number, gen: number): void {
    const node = this.nodes[id]!;
    if (gen !== node.tickGen || !node.engine) return;
    node.tickAtMs = Infinity;
    node.engine.tick(this.nowMs);
    this.drain(node);
  }

  // ---- the run ---------------------------------------------------------------------------------

  run(): SimResult {
    const o = this.options;
    for (const node of this.nodes) if (node.correct) this.start(node);
    const endMs = this.startMs + o.chaosMs + o.liveMs;
    let checked = 0;
    while (this.queue.size > 0 && this.stats.events < o.eventsMax) {
      const q = this.queue.pop()!;
      if (q.atMs > endMs) break;
      this.nowMs = q.atMs;
      this.stats.events++;
      const e = q.event;
      if (e.kind === 'deliver') this.deliver(e.from, e.to, e.payload);
      else if (e.kind === 'tick') this.tick(e.node, e.gen);
      else e.run();
      if (this.checker.violations.length > checked) {
        checked = this.checker.violations.length;
        for (const v of this.checker.violations.slice(-1)) this.trace(`VIOLATION ${v.kind}: ${v.message}`);
        if (o.stopOnViolation) break;
      }
    }
    if (this.stats.events >= o.eventsMax) this.checker.fail('liveness', this.nowMs, `the run hit its limit of ${o.eventsMax} events`);
    const correct = this.nodes.filter((x) => x.correct);
    if (this.checker.ok && o.liveness && (this.adversary === undefined || o.byzantineMode !== 'fork')) {
      const waits = this.checker.checkLiveness(correct.map((x) => x.id), this.startMs + o.chaosMs, endMs, o.liveness);
      this.stats.firstBlockAfterHealMs = waits.firstMs;
      this.stats.blockGapMaxMs = waits.gapMs;
    }
    this.stats.heightMin = Math.min(...correct.map((x) => x.chain.height));
    this.stats.heightMax = Math.max(...correct.map((x) => x.chain.height));
    return { seed: this.seed, ok: this.checker.ok, violations: this.checker.violations, stats: this.stats };
  }
}

function describe(m: ConsensusMessage): string {
  const hash = (h: Uint8Array | null) => (h ? toHex(h).slice(0, 8) : 'nil');
  if (m.type === 'vote') return `${m.vote.step === VoteStep.PREVOTE ? 'prevote' : 'precommit'} ${m.vote.height}/${m.vote.round} ${hash(m.vote.blockHash)} by ${toHex(m.vote.validator).slice(0, 6)}`;
  if (m.type === 'proposal') return `proposal ${m.proposal.height}/${m.proposal.round} pol ${m.proposal.polRound} ${hash(m.proposal.blockHash)}`;
  return `evidence (${m.evidence.kind}) against ${toHex(m.evidence.kind === 'duplicate-vote' ? m.evidence.a.validator : m.evidence.a.proposer).slice(0, 6)}`;
}

export function runSimulation(seed: number, options: Partial<SimOptions> = {}): SimResult {
  return new World(seed, options).run();
}

/** The command that replays one run, options included. */
export function replayCommand(seed: number, options: Partial<SimOptions> = {}): string {
  const flags = [`--seed ${seed}`];
  if (options.byzantine !== undefined && options.byzantine !== 'random') flags.push(`--byzantine ${options.byzantine}`);
  if (options.byzantineMode && options.byzantineMode !== 'equivocate') flags.push(`--mode ${options.byzantineMode}`);
  if (options.validators !== undefined && options.validators !== DEFAULT_SIM_OPTIONS.validators) flags.push(`--validators ${options.validators}`);
  if (options.crypto && options.crypto !== 'fast') flags.push(`--crypto ${options.crypto}`);
  if (options.chaosMs !== undefined && options.chaosMs !== DEFAULT_SIM_OPTIONS.chaosMs) flags.push(`--chaos-ms ${options.chaosMs}`);
  if (options.liveMs !== undefined && options.liveMs !== DEFAULT_SIM_OPTIONS.liveMs) flags.push(`--live-ms ${options.liveMs}`);
  if (options.faults === false) flags.push('--no-faults');
  return `npm run sim -- ${flags.join(' ')} --trace`;
}
