/**
 * A Tendermint consensus engine (Buchman, Kwon, Milosevic, "The latest gossip on BFT
 * consensus", 2018, Algorithm 1) as a synchronous, deterministic state machine.
 *
 * Inputs: network messages (`step`), time (`tick`), answers to the engine's own requests
 * (`propose`, `setValidity`) and blocks the node committed through block sync (`syncedTo`).
 * Outputs, collected by `ready()`: blocks to commit, state to persist, messages to send, blocks
 * to build or validate, evidence. No clock, randomness, disk or socket inside: the same inputs
 * give the same outputs, which is what the simulator relies on.
 *
 * The paper's "2f + 1" and "f + 1" become "more than 2/3" and "more than 1/3" of the voting
 * power of the height's validator set. Rules are named by the paper's line numbers (L22 …).
 * After every input all rules are re-evaluated until none fires, which is the paper's "upon"
 * semantics; rules that need `valid(v)` wait until the driver has answered a validation request.
 */
import { blockHash as hashHeader } from '../chain/codec.ts';
import { compareBytes, fromHex, toHex } from '../chain/hash.ts';
import type { Block, BlockHeader, Bytes, CommitCertificate } from '../chain/types.ts';
import { DcbtError } from '../errors.ts';
import { duplicateProposalEvidence, duplicateVoteEvidence, evidenceHash, proposalSigningBytes, signedVoteBytes } from './codec.ts';
import { verifyEvidence } from './evidence.ts';
import { proposerAt } from './proposer.ts';
import {
  VoteStep,
  type BuildRequest,
  type ConsensusMessage,
  type Decision,
  type EngineConfig,
  type EngineLimits,
  type EngineStatus,
  type Evidence,
  type PersistedState,
  type Ready,
  type SignatureVerifier,
  type SignedProposal,
  type SignedVote,
  type Signer,
  type Step,
  type StepResult,
  type Timeouts,
  type ValidateRequest,
  type ValidatorSet,
  type ValidatorsAt,
} from './types.ts';

export const DEFAULT_TIMEOUTS: Timeouts = {
  proposeMs: 3000,
  proposeDeltaMs: 500,
  prevoteMs: 1000,
  prevoteDeltaMs: 500,
  precommitMs: 1000,
  precommitDeltaMs: 500,
  commitMs: 1000,
  rebroadcastMs: 2000,
};

export const DEFAULT_LIMITS: EngineLimits = {
  roundsAheadMax: 10,
  nextHeightMessagesMax: 1000,
  proposalsPerRoundMax: 2,
  persistedRoundsMax: 8,
  evidenceSeenMax: 10_000,
};

/** Headers are immutable, and a block's hash is asked for many times: computed once per header object. */
const headerHashes = new WeakMap<BlockHeader, Bytes>();
function blockHash(header: BlockHeader): Bytes {
  let h = headerHashes.get(header);
  if (!h) headerHashes.set(header, (h = hashHeader(header)));
  return h;
}

export class ConsensusError extends DcbtError<'CONSENSUS_STATE_AHEAD', { persistedHeight: number; height: number }> {}

const NIL = 'nil';
/** Conflicting votes of one validator kept per round and step for values without a known block. */
const CONFLICTING_VOTES_KEPT_MAX = 2;

type Added = { readonly status: 'added' } | { readonly status: 'duplicate' } | { readonly status: 'conflict'; readonly existing: SignedVote };

/**
 * One round's votes of one step. As in the paper, a value's tally counts votes for it from
 * distinct validators — an equivocating validator's two votes each count for their own value
 * (quorums of more than 2/3 still intersect in a correct validator, so safety holds, and a polka
 * that needed the equivocator's vote stays visible to everyone, which liveness needs). `total`
 * counts each validator once. Votes that conflict with a validator's first one are kept for
 * values the caller has a block for, and otherwise at most CONFLICTING_VOTES_KEPT_MAX of them (a
 * vote may arrive before its block), so a Byzantine validator cannot grow this without bound.
 */
class VoteTally {
  readonly first = new Map<string, SignedVote>();
  private readonly extra = new Map<string, number>();
  readonly byValue = new Map<string, Map<string, SignedVote>>();
  readonly powerByValue = new Map<string, number>();
  total = 0;

  has(key: string, value: string): boolean {
    return this.byValue.get(value)?.has(key) ?? false;
  }

  add(key: string, vote: SignedVote, power: number, keepConflicting: (value: string) => boolean): Added {
    const value = vote.blockHash ? toHex(vote.blockHash) : NIL;
    if (this.has(key, value)) return { status: 'duplicate' };
    const existing = this.first.get(key);
    if (existing) {
      const extra = this.extra.get(key) ?? 0;
      if (!keepConflicting(value) && extra >= CONFLICTING_VOTES_KEPT_MAX) return { status: 'conflict', existing };
      this.extra.set(key, extra + 1);
    } else {
      this.first.set(key, vote);
      this.total += power;
    }
    let voters = this.byValue.get(value);
    if (!voters) this.byValue.set(value, (voters = new Map()));
    voters.set(key, vote);
    this.powerByValue.set(value, (this.powerByValue.get(value) ?? 0) + power);
    return existing ? { status: 'conflict', existing } : { status: 'added' };
  }

  power(value: string): number {
    return this.powerByValue.get(value) ?? 0;
  }

  votesFor(value: string): Iterable<SignedVote> {
    return this.byValue.get(value)?.values() ?? [];
  }

  *all(): Iterable<SignedVote> {
    for (const voters of this.byValue.values()) yield* voters.values();
  }
}

interface ProposalEntry {
  readonly proposal: SignedProposal;
  readonly block: Block;
  readonly hash: string;
}

interface RoundState {
  readonly prevotes: VoteTally;
  readonly precommits: VoteTally;
  readonly proposals: ProposalEntry[];
  conflictingProposalSeen: boolean;
}

type TimerKind = 'propose' | 'prevote' | 'precommit' | 'start' | 'rebroadcast';
interface Timer {
  readonly kind: TimerKind;
  readonly height: number;
  readonly round: number;
  readonly atMs: number;
}

const STEP_ORDER: Record<Step, number> = { propose: 0, prevote: 1, precommit: 2 };

export interface EngineInit {
  /** The height to decide next: the node's committed height + 1. */
  readonly height: number;
  readonly nowMs: number;
  /** The last state the driver persisted, if any. */
  readonly persisted?: PersistedState;
}

export class ConsensusEngine {
  private readonly chainId: string;
  private readonly validatorsAt: ValidatorsAt;
  private readonly signer: Signer | undefined;
  private readonly signerKey: string | undefined;
  private readonly verify: SignatureVerifier;
  private readonly timeouts: Timeouts;
  private readonly limits: EngineLimits;
  private nowMs: number;

  // ---- the current height (reset by enterHeight) ----
  private height = 0;
  private set!: ValidatorSet;
  private powers = new Map<string, number>();
  private totalPower = 0;
  private round = 0;
  private stepNow: Step = 'propose';
  private started = false;
  private lockedRound = -1;
  private lockedBlock: Block | null = null;
  private lockedHash: string | null = null;
  private validRound = -1;
  private validBlock: Block | null = null;
  private validHash: string | null = null;
  private rounds = new Map<number, RoundState>();
  /** The proposal `screenProposal` passed last, so `step` does not verify its signature again. */
  private screened: SignedProposal | undefined;
  /** Per validator, the highest round of this height it sent a (verified) message in. */
  private highestRound = new Map<string, number>();
  private highestRoundHeard = -1;
  /** Every block seen at this height, by hash: a value is identified by its hash. */
  private blocks = new Map<string, Block>();
  private validity = new Map<string, boolean>();
  private validationAsked = new Set<string>();
  private prevoteTimeoutScheduled = new Set<number>();
  private precommitTimeoutScheduled = new Set<number>();
  private lockRuleDone = new Set<number>();
  /** (round, hash) pairs with precommits of more than 2/3 of the power (L49). */
  private decisionCandidates: { round: number; hash: string }[] = [];
  private ownVotes: SignedVote[] = [];
  private ownProposal: { proposal: SignedProposal; block: Block } | null = null;
  private timers: Timer[] = [];
  private nextHeightBuffer: ConsensusMessage[] = [];
  private readonly evidenceSeen = new Set<string>();
  /**
   * The previous height's decision: its precommits (rebuilt from the certificate) are sent again
   * for a message of that height, and its proposal when the message shows a validator one height
   * behind (`sendLastDecision`) — the "last commit" gossip that lets it decide without block sync.
   */
  private lastDecision:
    | { readonly height: number; readonly round: number; readonly atMs: number; readonly votes: readonly SignedVote[]; readonly proposal: ProposalEntry | undefined }
    | undefined;
  /** (height, round, step) when the rebroadcast timer last fired: messages go out again only when it has not moved. */
  private rebroadcastMark = '';
  /** The last decision's precommits, and its block, go out again at most once per rebroadcastMs each. */
  private catchUpAllowedAtMs = 0;
  private blockResendAllowedAtMs = 0;

  // ---- outputs until the next ready() ----
  private outCommit: Decision[] = [];
  private outSend: ConsensusMessage[] = [];
  private outBuild: BuildRequest | undefined;
  private outValidate: ValidateRequest[] = [];
  private outEvidence: Evidence[] = [];
  private persistDirty = false;

  private constructor(config: EngineConfig, nowMs: number) {
    this.chainId = config.chainId;
    this.validatorsAt = config.validatorsAt;
    this.signer = config.signer;
    this.signerKey = config.signer ? toHex(config.signer.publicKey) : undefined;
    this.verify = config.verify;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...config.timeouts };
    this.limits = { ...DEFAULT_LIMITS, ...config.limits };
    this.nowMs = nowMs;
  }

  /**
   * A fresh engine at `init.height`, or one resumed from the state the driver persisted. A
   * persisted state of an earlier height is ignored (that height was committed since); one of a
   * later height means the driver broke the commit-before-persist order.
   */
  static create(config: EngineConfig, init: EngineInit): ConsensusEngine {
    const engine = new ConsensusEngine(config, init.nowMs);
    const p = init.persisted;
    if (p && p.height > init.height) {
      throw new ConsensusError(
        'CONSENSUS_STATE_AHEAD',
        `the persisted consensus state is at height ${p.height} but the chain's next height is ${init.height}: blocks were lost after the consensus state was saved; restore the block store or resync the node`,
        { persistedHeight: p.height, height: init.height },
      );
    }
    engine.enterHeight(init.height, null);
    if (p && p.height === init.height) engine.restore(p);
    else engine.startRound(0);
    engine.schedule('rebroadcast', 0, engine.nowMs + engine.timeouts.rebroadcastMs);
    engine.rebroadcastMark = engine.progressMark();
    engine.evaluate();
    return engine;
  }

  // ---- public interface ----------------------------------------------------------------------

  status(): EngineStatus {
    return {
      height: this.height,
      round: this.round,
      step: this.stepNow,
      started: this.started,
      lockedRound: this.lockedRound,
      validRound: this.validRound,
      proposer: proposerAt(this.set, this.height, this.round),
    };
  }

  /** Takes one message from the network (already decoded). */
  step(message: ConsensusMessage): StepResult {
    const result = this.receive(message);
    if (result.status === 'accepted') this.evaluate();
    return result;
  }

  /** Advances time; fires due timeouts. Time never goes back: an earlier `nowMs` is ignored. */
  tick(nowMs: number): void {
    if (nowMs > this.nowMs) this.nowMs = nowMs;
    for (;;) {
      let due: Timer | undefined;
      for (const t of this.timers) if (t.atMs <= this.nowMs && (!due || t.atMs < due.atMs)) due = t;
      if (!due) return;
      this.timers.splice(this.timers.indexOf(due), 1);
      this.fire(due);
      this.evaluate();
    }
  }

  /** When the driver should call `tick` next (the earliest pending timeout). */
  nextTimerMs(): number {
    let next = Infinity;
    for (const t of this.timers) next = Math.min(next, t.atMs);
    return next;
  }

  /**
   * The answer to a BuildRequest: the block to propose at (height, round). Returns false (and
   * does nothing) when the engine has moved on or already proposed there. The block must be
   * valid: the engine does not ask to validate its own proposal.
   */
  propose(height: number, round: number, block: Block): boolean {
    if (height !== this.height || round !== this.round || !this.started || this.stepNow !== 'propose' || !this.isProposer(round) || this.ownProposal?.proposal.round === round) return false;
    if (this.outBuild?.height === height && this.outBuild.round === round) this.outBuild = undefined;
    const hash = toHex(blockHash(block.header));
    this.validity.set(hash, true);
    this.signProposal(block, -1);
    this.evaluate();
    return true;
  }

  /** The answer to a ValidateRequest. Answers for another height are ignored. */
  setValidity(height: number, hash: Bytes, valid: boolean): void {
    if (height !== this.height) return;
    const key = toHex(hash);
    if (this.validity.has(key)) return;
    this.validity.set(key, valid);
    this.evaluate();
  }

  /**
   * The node committed blocks up to `committedHeight` outside consensus (block sync, with
   * verified certificates): consensus moves on to the next height at once.
   */
  syncedTo(committedHeight: number): void {
    if (committedHeight < this.height) return;
    this.enterHeight(committedHeight + 1, 0);
    this.evaluate();
  }

  hasReady(): boolean {
    return this.persistDirty || this.outCommit.length > 0 || this.outSend.length > 0 || this.outBuild !== undefined || this.outValidate.length > 0 || this.outEvidence.length > 0;
  }

  /** Everything produced since the last call (see `Ready` for the order to handle it in). */
  ready(): Ready {
    const r: Ready = {
      commit: this.outCommit,
      persist: this.persistDirty ? this.snapshot() : undefined,
      send: this.outSend,
      build: this.outBuild,
      validate: this.outValidate,
      evidence: this.outEvidence,
    };
    this.outCommit = [];
    this.outSend = [];
    this.outBuild = undefined;
    this.outValidate = [];
    this.outEvidence = [];
    this.persistDirty = false;
    return r;
  }

  // ---- heights and rounds ----------------------------------------------------------------------

  /** Resets everything per height; `startDelayMs` null leaves round 0 to the caller. */
  private enterHeight(height: number, startDelayMs: number | null): void {
    this.height = height;
    this.set = this.validatorsAt(height);
    this.powers = new Map(this.set.validators.map((v) => [toHex(v.publicKey), v.power]));
    this.totalPower = this.set.validators.reduce((sum, v) => sum + v.power, 0);
    this.round = 0;
    this.stepNow = 'propose';
    this.started = false;
    this.lockedRound = -1;
    this.lockedBlock = null;
    this.lockedHash = null;
    this.validRound = -1;
    this.validBlock = null;
    this.validHash = null;
    this.rounds = new Map();
    this.highestRound = new Map();
    this.highestRoundHeard = -1;
    this.blocks = new Map();
    this.validity = new Map();
    this.validationAsked = new Set();
    this.prevoteTimeoutScheduled = new Set();
    this.precommitTimeoutScheduled = new Set();
    this.lockRuleDone = new Set();
    this.decisionCandidates = [];
    this.ownVotes = [];
    this.ownProposal = null;
    this.timers = this.timers.filter((t) => t.kind === 'rebroadcast');
    this.outBuild = undefined;
    this.outValidate = [];
    this.persistDirty = true;
    if (startDelayMs !== null) {
      if (startDelayMs <= 0) this.startRound(0);
      else this.schedule('start', 0, this.nowMs + startDelayMs);
    }
    // Messages that arrived early for this height are taken now (those for the next are kept).
    const early = this.nextHeightBuffer;
    this.nextHeightBuffer = [];
    for (const m of early) this.receive(m);
  }

  /** StartRound (L11). */
  private startRound(round: number): void {
    this.round = round;
    this.stepNow = 'propose';
    this.started = true;
    this.persistDirty = true;
    this.timers = this.timers.filter((t) => t.kind === 'rebroadcast' || t.round >= round);
    // Every node, the proposer too, waits for the proposal at most this long: a proposer whose
    // block builder never answers must not hold up the round.
    this.schedule('propose', round, this.nowMs + this.timeouts.proposeMs + round * this.timeouts.proposeDeltaMs);
    if (!this.isProposer(round)) return;
    if (this.ownProposal?.proposal.round === round) {
      this.sendProposal(this.ownProposal.proposal, this.ownProposal.block);
    } else if (this.validBlock) {
      this.signProposal(this.validBlock, this.validRound);
    } else {
      this.outBuild = { height: this.height, round };
    }
  }

  private restore(p: PersistedState): void {
    this.round = p.round;
    this.stepNow = p.step;
    this.started = true;
    if (p.locked) {
      this.lockedRound = p.locked.round;
      this.lockedBlock = p.locked.block;
      this.lockedHash = this.remember(p.locked.block, true);
    }
    if (p.valid) {
      this.validRound = p.valid.round;
      this.validBlock = p.valid.block;
      this.validHash = this.remember(p.valid.block, true);
      const rs = this.roundState(p.valid.round);
      for (const v of p.valid.polka) {
        const key = toHex(v.validator);
        const power = this.powers.get(key);
        if (power === undefined || v.height !== this.height || v.round !== p.valid.round || v.step !== VoteStep.PREVOTE) continue;
        rs.prevotes.add(key, v, power, () => true);
        this.hear(v.round, key);
      }
    }
    for (const v of p.votes) {
      const key = toHex(v.validator);
      const power = this.powers.get(key);
      if (v.height !== this.height || key !== this.signerKey || power === undefined) continue;
      const rs = this.roundState(v.round);
      (v.step === VoteStep.PREVOTE ? rs.prevotes : rs.precommits).add(key, v, power, () => false);
      this.hear(v.round, key);
      this.ownVotes.push(v);
      const voted: Step = v.step === VoteStep.PREVOTE ? 'prevote' : 'precommit';
      if (v.round === this.round && STEP_ORDER[voted] > STEP_ORDER[this.stepNow]) this.stepNow = voted;
      if (v.step === VoteStep.PRECOMMIT && v.blockHash) this.noteCandidate(v.round, toHex(v.blockHash));
    }
    if (p.proposal && p.proposal.proposal.height === this.height && p.proposal.proposal.round === this.round) {
      this.ownProposal = { proposal: p.proposal.proposal, block: p.proposal.block };
      const hash = this.remember(p.proposal.block, true);
      this.roundState(this.round).proposals.push({ proposal: p.proposal.proposal, block: p.proposal.block, hash });
    }
    this.persistDirty = true;
    if (this.stepNow === 'propose') {
      this.schedule('propose', this.round, this.nowMs + this.timeouts.proposeMs + this.round * this.timeouts.proposeDeltaMs);
      if (this.isProposer(this.round)) {
        if (this.ownProposal) this.sendProposal(this.ownProposal.proposal, this.ownProposal.block);
        else if (this.validBlock) this.signProposal(this.validBlock, this.validRound);
        else this.outBuild = { height: this.height, round: this.round };
      }
    }
    this.rebroadcast();
  }

  private snapshot(): PersistedState {
    const oldest = this.round - this.limits.persistedRoundsMax + 1;
    this.ownVotes = this.ownVotes.filter((v) => v.round >= oldest);
    return {
      height: this.height,
      round: this.round,
      step: this.stepNow,
      locked: this.lockedBlock ? { round: this.lockedRound, block: this.lockedBlock } : null,
      valid: this.validBlock ? { round: this.validRound, block: this.validBlock, polka: [...(this.rounds.get(this.validRound)?.prevotes.votesFor(this.validHash!) ?? [])] } : null,
      votes: [...this.ownVotes],
      proposal: this.ownProposal && this.ownProposal.proposal.round === this.round ? this.ownProposal : null,
    };
  }

  // ---- receiving -------------------------------------------------------------------------------

  private receive(m: ConsensusMessage): StepResult {
    if (m.type === 'evidence') return this.receiveEvidence(m.evidence);
    const routed = m.type === 'vote' ? this.route(m.vote.height, m.vote.round) : this.route(m.proposal.height, m.proposal.round);
    if (routed === 'next') {
      this.nextHeightBuffer.push(m);
      return { status: 'buffered' };
    }
    if (routed !== 'current') return routed;
    return m.type === 'vote' ? this.receiveVote(m.vote) : this.receiveProposal(m.proposal, m.block);
  }

  private receiveVote(vote: SignedVote): StepResult {
    const key = toHex(vote.validator);
    const power = this.powers.get(key);
    if (power === undefined) return { status: 'invalid', reason: `${key} is not a validator at height ${this.height}` };
    const value = vote.blockHash ? toHex(vote.blockHash) : NIL;
    if (vote.round > this.round + this.limits.roundsAheadMax) {
      // Too far ahead to keep (a Byzantine validator could fill memory), but who is ahead is
      // remembered: it is what lets a validator that fell many rounds behind catch up (L55).
      if (vote.round <= (this.highestRound.get(key) ?? -1)) return { status: 'duplicate' };
      if (!this.verify(vote.validator, signedVoteBytes(this.chainId, vote), vote.signature)) return { status: 'invalid', reason: `bad vote signature by ${key}` };
      this.hear(vote.round, key);
      return { status: 'accepted' };
    }
    const rs = this.roundState(vote.round);
    const tally = vote.step === VoteStep.PREVOTE ? rs.prevotes : rs.precommits;
    if (tally.has(key, value)) return { status: 'duplicate' };
    if (!this.verify(vote.validator, signedVoteBytes(this.chainId, vote), vote.signature)) return { status: 'invalid', reason: `bad vote signature by ${key}` };
    const added = tally.add(key, vote, power, (v) => this.blocks.has(v));
    if (added.status === 'conflict') this.surfaceEvidence(duplicateVoteEvidence(added.existing, vote));
    this.hear(vote.round, key);
    if (vote.step === VoteStep.PRECOMMIT && vote.blockHash) this.noteCandidate(vote.round, value);
    return { status: 'accepted' };
  }

  /**
   * Judges a proposal from its signed envelope and its block's header alone: the status `step`
   * would give it, or 'accepted' when only the block's transactions are left to see. The network
   * carries blocks as transaction ids, so a node asks this before spending anything on the
   * transactions: a duplicate, a stranger's or a forged proposal costs no lookup and no request.
   * It changes nothing `step` would not: a proposal of the previous height is stale here as there
   * (and gets the last decision sent back), one of the next height is 'accepted' for `step` to
   * keep, one further ahead is 'future'.
   */
  screenProposal(p: SignedProposal, header: BlockHeader): StepResult {
    const routed = this.route(p.height, p.round);
    if (routed !== 'current') return routed === 'next' ? { status: 'accepted' } : routed;
    const refused = this.screen(p, toHex(blockHash(header)));
    if (refused) return refused;
    this.screened = p;
    return { status: 'accepted' };
  }

  /** Where a message of (height, round) goes: this height, the next one (kept), or a verdict. */
  private route(height: number, round: number): StepResult | 'current' | 'next' {
    if (height < this.height) {
      if (height === this.height - 1) this.sendLastDecision(round);
      return { status: 'stale' };
    }
    if (height > this.height + 1) return { status: 'future' };
    if (height === this.height + 1) return this.nextHeightBuffer.length >= this.limits.nextHeightMessagesMax ? { status: 'future' } : 'next';
    return 'current';
  }

  /** Why a proposal of this height is refused before its transactions are looked at; undefined if it is not. */
  private screen(p: SignedProposal, hash: string): StepResult | undefined {
    // Proposals beyond the next round are not needed yet; the proposer sends again.
    if (p.round > this.round + 1) return { status: 'future' };
    if (p.polRound < -1 || p.polRound >= p.round) return { status: 'invalid', reason: `proposal polRound ${p.polRound} is not below its round ${p.round}` };
    const key = toHex(p.proposer);
    const expected = toHex(proposerAt(this.set, this.height, p.round));
    if (key !== expected) return { status: 'invalid', reason: `${key} is not the proposer of height ${this.height} round ${p.round}` };
    if (hash !== toHex(p.blockHash)) return { status: 'invalid', reason: 'the proposed block does not hash to the signed block hash' };
    if (this.rounds.get(p.round)?.proposals.some((e) => e.hash === hash && e.proposal.polRound === p.polRound)) return { status: 'duplicate' };
    // The signature last, being the dearest; the proposal screened last (this very object) is not checked twice.
    if (p !== this.screened && !this.verify(p.proposer, proposalSigningBytes(this.chainId, p), p.signature)) return { status: 'invalid', reason: `bad proposal signature by ${key}` };
    return undefined;
  }

  private receiveProposal(p: SignedProposal, block: Block): StepResult {
    const hash = toHex(blockHash(block.header));
    const refused = this.screen(p, hash);
    this.screened = undefined;
    if (refused) return refused;
    const key = toHex(p.proposer);
    const rs = this.roundState(p.round);
    const first = rs.proposals[0];
    if (first) {
      if (!rs.conflictingProposalSeen) {
        rs.conflictingProposalSeen = true;
        this.surfaceEvidence(duplicateProposalEvidence(first.proposal, p));
      }
      if (rs.proposals.length >= this.limits.proposalsPerRoundMax) return { status: 'accepted' };
    }
    rs.proposals.push({ proposal: p, block, hash });
    this.remember(block, undefined);
    this.hear(p.round, key);
    return { status: 'accepted' };
  }

  private receiveEvidence(e: Evidence): StepResult {
    const height = e.a.height;
    if (height > this.height) return { status: 'future' };
    const id = toHex(evidenceHash(e));
    if (this.evidenceSeen.has(id)) return { status: 'duplicate' };
    try {
      verifyEvidence(e, { chainId: this.chainId, validatorsAt: this.validatorsAt, verify: this.verify });
    } catch (error) {
      return { status: 'invalid', reason: (error as Error).message };
    }
    this.surfaceEvidence(e, id);
    return { status: 'accepted' };
  }

  private surfaceEvidence(e: Evidence, id = toHex(evidenceHash(e))): void {
    if (this.evidenceSeen.has(id)) return;
    if (this.evidenceSeen.size >= this.limits.evidenceSeenMax) this.evidenceSeen.delete(this.evidenceSeen.values().next().value!);
    this.evidenceSeen.add(id);
    this.outEvidence.push(e);
  }

  // ---- the rules -------------------------------------------------------------------------------

  private evaluate(): void {
    for (let guard = 0; guard < 10_000; guard++) {
      if (!this.applyOneRule()) return;
    }
    throw new Error('consensus rules did not settle (an engine bug)');
  }

  /** Applies the first rule that fires; false when none does. */
  private applyOneRule(): boolean {
    if (this.ruleDecide()) return true;
    if (this.ruleRoundSkip()) return true;
    if (!this.started) return false;
    const rs = this.rounds.get(this.round);
    if (!rs) return false;
    return this.ruleProposal(rs) || this.rulePrevoteTimeout(rs) || this.ruleLock(rs) || this.rulePrevoteNil(rs) || this.rulePrecommitTimeout(rs);
  }

  /** L49: a proposal for v and precommits for v of more than 2/3 in some round: decide. */
  private ruleDecide(): boolean {
    for (const c of this.decisionCandidates) {
      const block = this.blocks.get(c.hash);
      if (!block || !this.isValid(c.hash, block)) continue;
      this.decide(c.round, c.hash, block);
      return true;
    }
    return false;
  }

  /**
   * L55: validators with more than 1/3 of the power heard from in rounds ≥ R > round: go to
   * round R (the highest such R). The paper asks for messages of round R itself; counting "R or
   * later" keeps what matters — at least one correct validator has reached R, so Byzantine
   * validators alone cannot push anyone ahead — and needs only the highest round of each
   * validator, so rounds far ahead need not be stored.
   */
  private ruleRoundSkip(): boolean {
    if (this.highestRoundHeard <= this.round) return false;
    const ahead = [...this.highestRound].filter(([, r]) => r > this.round).sort((a, b) => b[1] - a[1]);
    let power = 0;
    for (const [key, r] of ahead) {
      power += this.powers.get(key) ?? 0;
      if (3 * power > this.totalPower) {
        this.startRound(r);
        return true;
      }
    }
    return false;
  }

  /** L22 and L28: the first proposal of this round decides our prevote. */
  private ruleProposal(rs: RoundState): boolean {
    if (this.stepNow !== 'propose') return false;
    const entry = rs.proposals[0];
    if (!entry) return false;
    const { polRound } = entry.proposal;
    const v = entry.hash;
    let acceptable: boolean;
    if (polRound === -1) {
      acceptable = this.lockedRound === -1 || this.lockedHash === v;
    } else {
      const pol = this.rounds.get(polRound);
      if (!pol || !this.quorum(pol.prevotes.power(v))) return false;
      acceptable = this.lockedRound <= polRound || this.lockedHash === v;
    }
    if (!acceptable) {
      this.vote(VoteStep.PREVOTE, null);
      return true;
    }
    const valid = this.validityOf(v, entry.block);
    if (valid === undefined) return false;
    this.vote(VoteStep.PREVOTE, valid ? v : null);
    return true;
  }

  /** L34: prevotes of more than 2/3 for anything: start the prevote timeout, once per round. */
  private rulePrevoteTimeout(rs: RoundState): boolean {
    if (this.stepNow !== 'prevote' || this.prevoteTimeoutScheduled.has(this.round) || !this.quorum(rs.prevotes.total)) return false;
    this.prevoteTimeoutScheduled.add(this.round);
    this.schedule('prevote', this.round, this.nowMs + this.timeouts.prevoteMs + this.round * this.timeouts.prevoteDeltaMs);
    return true;
  }

  /** L36: a valid proposal with prevotes of more than 2/3 (a polka): lock and precommit it; remember it as valid. */
  private ruleLock(rs: RoundState): boolean {
    if (this.stepNow === 'propose' || this.lockRuleDone.has(this.round)) return false;
    for (const [value, power] of rs.prevotes.powerByValue) {
      if (value === NIL || !this.quorum(power)) continue;
      const block = this.blocks.get(value);
      if (!block || !this.isValid(value, block)) continue;
      this.lockRuleDone.add(this.round);
      if (this.stepNow === 'prevote') {
        this.lockedRound = this.round;
        this.lockedBlock = block;
        this.lockedHash = value;
        this.vote(VoteStep.PRECOMMIT, value);
      }
      this.validRound = this.round;
      this.validBlock = block;
      this.validHash = value;
      this.persistDirty = true;
      return true;
    }
    return false;
  }

  /** L44: prevotes for nil of more than 2/3: precommit nil. */
  private rulePrevoteNil(rs: RoundState): boolean {
    if (this.stepNow !== 'prevote' || !this.quorum(rs.prevotes.power(NIL))) return false;
    this.vote(VoteStep.PRECOMMIT, null);
    return true;
  }

  /** L47: precommits of more than 2/3 for anything: start the precommit timeout, once per round. */
  private rulePrecommitTimeout(rs: RoundState): boolean {
    if (this.precommitTimeoutScheduled.has(this.round) || !this.quorum(rs.precommits.total)) return false;
    this.precommitTimeoutScheduled.add(this.round);
    this.schedule('precommit', this.round, this.nowMs + this.timeouts.precommitMs + this.round * this.timeouts.precommitDeltaMs);
    return true;
  }

  private decide(round: number, hash: string, block: Block): void {
    const votes = [...(this.rounds.get(round)?.precommits.votesFor(hash) ?? [])];
    votes.sort((a, b) => compareBytes(a.validator, b.validator));
    const certificate: CommitCertificate = {
      height: this.height,
      round,
      blockHash: blockHash(block.header),
      signatures: votes.map((v) => ({ validator: v.validator, signature: v.signature })),
    };
    this.outCommit.push({ block, certificate });
    const proposal = [...(this.rounds.get(round)?.proposals ?? []), ...[...this.rounds.values()].flatMap((r) => r.proposals)].find((e) => e.hash === hash);
    this.lastDecision = { height: this.height, round, atMs: this.nowMs, votes, proposal };
    // The pause is counted from the decided block's time, not from now: the time the round took
    // (building, checking and voting on a large block) is part of the interval, not added to it.
    const sinceBlockMs = Math.max(0, this.nowMs - block.header.timeMs);
    this.enterHeight(this.height + 1, Math.max(0, this.timeouts.commitMs - sinceBlockMs));
  }

  // ---- timeouts --------------------------------------------------------------------------------

  private schedule(kind: TimerKind, round: number, atMs: number): void {
    this.timers.push({ kind, height: this.height, round, atMs });
  }

  private fire(t: Timer): void {
    if (t.kind === 'rebroadcast') {
      // Only a stalled node sends again: progress means its messages are getting through.
      const mark = this.progressMark();
      if (mark === this.rebroadcastMark) this.rebroadcast();
      this.rebroadcastMark = mark;
      this.schedule('rebroadcast', 0, this.nowMs + this.timeouts.rebroadcastMs);
      return;
    }
    if (t.height !== this.height) return;
    switch (t.kind) {
      case 'start':
        if (!this.started) this.startRound(0);
        return;
      case 'propose': // L57
        if (t.round === this.round && this.stepNow === 'propose') this.vote(VoteStep.PREVOTE, null);
        return;
      case 'prevote': // L61
        if (t.round === this.round && this.stepNow === 'prevote') this.vote(VoteStep.PRECOMMIT, null);
        return;
      case 'precommit': // L65
        if (t.round !== this.round) return;
        // The precommits that ended the round go out with the move: a validator that missed one
        // (often the next proposer) would otherwise stay a round behind until the others' timeouts.
        for (const vote of this.rounds.get(t.round)?.precommits.all() ?? []) this.outSend.push({ type: 'vote', vote });
        this.startRound(this.round + 1);
        return;
    }
  }

  /**
   * What a stalled node sends again: the round's proposal (its own, or relayed if valid) and every
   * vote of this round and the previous one, its own and others'. Relaying others' votes is the
   * paper's gossip assumption (what one correct process receives, all eventually receive): a
   * node may have moved on because of a vote that reached only it.
   */
  private rebroadcast(): void {
    if (!this.started) return;
    const rs = this.rounds.get(this.round);
    const first = rs?.proposals[0];
    if (this.ownProposal && this.ownProposal.proposal.round === this.round) {
      this.sendProposal(this.ownProposal.proposal, this.ownProposal.block);
    } else if (first && this.validity.get(first.hash) === true) {
      this.sendProposal(first.proposal, first.block);
    }
    for (const r of [this.round - 1, this.round]) {
      const votes = this.rounds.get(r);
      if (!votes) continue;
      for (const vote of votes.prevotes.all()) this.outSend.push({ type: 'vote', vote });
      for (const vote of votes.precommits.all()) this.outSend.push({ type: 'vote', vote });
    }
    // The polka behind our valid block (others' prevotes included): a proposal that re-proposes
    // it names that round, and validators locked earlier can only accept it (L28) once they have
    // seen those prevotes, which may have been lost.
    if (this.validRound >= 0 && this.validRound < this.round - 1) {
      for (const v of this.rounds.get(this.validRound)?.prevotes.votesFor(this.validHash!) ?? []) this.outSend.push({ type: 'vote', vote: v });
    }
  }

  private progressMark(): string {
    return `${this.height}/${this.round}/${this.stepNow}/${this.started}`;
  }

  /**
   * Helps a validator still at the decided height: the precommits of the decision (a few hundred
   * bytes) go out for any message of that height, at most once per rebroadcastMs. The block goes
   * with them only for a validator that is behind, because most messages of that height are not
   * from one: the precommits beyond the quorum and gossip's forwarded copies arrive just after
   * the decision. A validator that left the decided round without deciding, or whose message of
   * that round comes long after the decision (its rebroadcast, sent only when it is stalled), is
   * behind. Sending the block for every late message sent it to every peer again at almost every
   * height (docs/CONSENSUS.md, "Last commit").
   */
  private sendLastDecision(round: number): void {
    const last = this.lastDecision;
    if (!last || last.height !== this.height - 1) return;
    const behind = round > last.round || this.nowMs - last.atMs >= this.timeouts.rebroadcastMs / 2;
    if (behind && last.proposal && this.nowMs >= this.blockResendAllowedAtMs) {
      this.blockResendAllowedAtMs = this.nowMs + this.timeouts.rebroadcastMs;
      this.outSend.push({ type: 'proposal', proposal: last.proposal.proposal, block: last.proposal.block });
    }
    if (this.nowMs >= this.catchUpAllowedAtMs) {
      this.catchUpAllowedAtMs = this.nowMs + this.timeouts.rebroadcastMs;
      for (const vote of last.votes) this.outSend.push({ type: 'vote', vote });
    }
  }

  // ---- signing ---------------------------------------------------------------------------------

  private isProposer(round: number): boolean {
    return this.signerKey !== undefined && this.powers.has(this.signerKey) && toHex(proposerAt(this.set, this.height, round)) === this.signerKey;
  }

  private signProposal(block: Block, polRound: number): void {
    const signer = this.signer!;
    const hash = blockHash(block.header);
    const unsigned = { height: this.height, round: this.round, polRound, blockHash: hash };
    const proposal: SignedProposal = { ...unsigned, proposer: signer.publicKey, signature: signer.sign(proposalSigningBytes(this.chainId, unsigned)) };
    this.ownProposal = { proposal, block };
    const key = this.remember(block, true);
    const rs = this.roundState(this.round);
    rs.proposals.unshift({ proposal, block, hash: key });
    this.hear(this.round, this.signerKey!);
    this.sendProposal(proposal, block);
    this.persistDirty = true;
  }

  /**
   * A proposal that re-proposes a block names its polka round; validators can only take it (L28)
   * with that round's prevotes, which may never have reached them: those go along with it.
   */
  private sendProposal(proposal: SignedProposal, block: Block): void {
    this.outSend.push({ type: 'proposal', proposal, block });
    if (proposal.polRound < 0) return;
    for (const vote of this.rounds.get(proposal.polRound)?.prevotes.votesFor(toHex(proposal.blockHash)) ?? []) this.outSend.push({ type: 'vote', vote });
  }

  /**
   * Moves to the step after voting and, for a validator, signs the vote. The one place votes are
   * signed: it never signs a second vote for a (round, step), so nothing — a rule firing twice,
   * a restart from persisted state — can make this validator equivocate.
   */
  private vote(step: VoteStep, hash: string | null): void {
    this.stepNow = step === VoteStep.PREVOTE ? 'prevote' : 'precommit';
    this.persistDirty = true;
    const key = this.signerKey;
    const power = key === undefined ? undefined : this.powers.get(key);
    if (!this.signer || key === undefined || power === undefined) return;
    if (this.ownVotes.some((v) => v.round === this.round && v.step === step)) return;
    const unsigned = { step, height: this.height, round: this.round, blockHash: hash === null ? null : fromHex(hash) };
    const vote: SignedVote = { ...unsigned, validator: this.signer.publicKey, signature: this.signer.sign(signedVoteBytes(this.chainId, unsigned)) };
    this.ownVotes.push(vote);
    const rs = this.roundState(this.round);
    (step === VoteStep.PREVOTE ? rs.prevotes : rs.precommits).add(key, vote, power, () => false);
    this.hear(this.round, key);
    if (step === VoteStep.PRECOMMIT && hash) this.noteCandidate(this.round, hash);
    this.outSend.push({ type: 'vote', vote });
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private quorum(power: number): boolean {
    return 3 * power > 2 * this.totalPower;
  }

  private roundState(round: number): RoundState {
    let rs = this.rounds.get(round);
    if (!rs) {
      rs = { prevotes: new VoteTally(), precommits: new VoteTally(), proposals: [], conflictingProposalSeen: false };
      this.rounds.set(round, rs);
    }
    return rs;
  }

  /** Notes the highest round a validator has been heard in (signed messages only), for L55. */
  private hear(round: number, key: string): void {
    if ((this.highestRound.get(key) ?? -1) >= round) return;
    this.highestRound.set(key, round);
    if (round > this.highestRoundHeard) this.highestRoundHeard = round;
  }

  private noteCandidate(round: number, hash: string): void {
    const rs = this.rounds.get(round);
    if (!rs || !this.quorum(rs.precommits.power(hash))) return;
    if (!this.decisionCandidates.some((c) => c.round === round && c.hash === hash)) this.decisionCandidates.push({ round, hash });
  }

  /** Keeps a block by hash; `valid` true marks blocks this node already knows are valid. */
  private remember(block: Block, valid: true | undefined): string {
    const key = toHex(blockHash(block.header));
    if (!this.blocks.has(key)) this.blocks.set(key, block);
    if (valid) this.validity.set(key, true);
    return key;
  }

  /** The block's validity, asking the driver once when unknown. */
  private validityOf(hash: string, block: Block): boolean | undefined {
    const known = this.validity.get(hash);
    if (known !== undefined) return known;
    if (!this.validationAsked.has(hash)) {
      this.validationAsked.add(hash);
      this.outValidate.push({ height: this.height, blockHash: blockHash(block.header), block });
    }
    return undefined;
  }

  private isValid(hash: string, block: Block): boolean {
    return this.validityOf(hash, block) === true;
  }
}
