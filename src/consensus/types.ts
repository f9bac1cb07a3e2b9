/**
 * The consensus engine's data: signed proposals and votes, evidence of equivocation, what the
 * engine hands its driver (`Ready`) and what the driver must keep across restarts
 * (`PersistedState`). Plain data only; `codec.ts` gives each value one byte encoding.
 */
import type { SignatureVerifier } from '../chain/light.ts';
import type { Evidence, SignedProposal, SignedVote } from '../chain/evidence.ts';
import type { Block, Bytes, CommitCertificate } from '../chain/types.ts';
import type { ValidatorsAt } from '../chain/validators.ts';

export { VoteStep } from '../chain/codec.ts';
export type { SignatureVerifier } from '../chain/light.ts';

// Signed votes, proposals and evidence are chain data too (an EVIDENCE transaction carries them).
export type { Evidence, SignedProposal, SignedVote } from '../chain/evidence.ts';
export type { ValidatorSet, ValidatorsAt } from '../chain/validators.ts';

export type ConsensusMessage =
  | { readonly type: 'proposal'; readonly proposal: SignedProposal; readonly block: Block }
  | { readonly type: 'vote'; readonly vote: SignedVote }
  | { readonly type: 'evidence'; readonly evidence: Evidence };

export type Step = 'propose' | 'prevote' | 'precommit';

export interface Signer {
  readonly publicKey: Bytes;
  sign(message: Bytes): Bytes;
}

/** Round timeouts grow linearly: `xMs + round * xDeltaMs`. */
export interface Timeouts {
  readonly proposeMs: number;
  readonly proposeDeltaMs: number;
  readonly prevoteMs: number;
  readonly prevoteDeltaMs: number;
  readonly precommitMs: number;
  readonly precommitDeltaMs: number;
  /**
   * Pause after a decision before round 0 of the next height, counted from the decided block's
   * time (so the round's own duration is part of it): late precommits arrive, blocks are paced.
   */
  readonly commitMs: number;
  /** Own messages of the current height go out again this often, so a lost message is not lost for good. */
  readonly rebroadcastMs: number;
}

export interface EngineLimits {
  /** Messages for rounds beyond round + this are refused (answer 'future'). */
  readonly roundsAheadMax: number;
  /** Messages for the next height kept until the engine gets there. */
  readonly nextHeightMessagesMax: number;
  /** Distinct proposals kept per round (more than one only from an equivocating proposer). */
  readonly proposalsPerRoundMax: number;
  /** Own votes of this many most recent rounds are kept in PersistedState and rebroadcast. */
  readonly persistedRoundsMax: number;
  /** Hashes of evidence already surfaced, so gossip does not surface it again. */
  readonly evidenceSeenMax: number;
}

export interface EngineConfig {
  readonly chainId: string;
  readonly validatorsAt: ValidatorsAt;
  /** Absent (or not in the set): the engine follows and decides but never signs. */
  readonly signer?: Signer;
  readonly verify: SignatureVerifier;
  readonly timeouts?: Partial<Timeouts>;
  readonly limits?: Partial<EngineLimits>;
}

/** The engine asks its driver for a block to propose at (height, round); answer with `propose`. */
export interface BuildRequest {
  readonly height: number;
  readonly round: number;
}

/** The engine asks whether a proposed block is valid on top of height - 1; answer with `setValidity`. */
export interface ValidateRequest {
  readonly height: number;
  readonly blockHash: Bytes;
  readonly block: Block;
}

/** A final block and the precommits that make it final. */
export interface Decision {
  readonly block: Block;
  readonly certificate: CommitCertificate;
}

/**
 * What the driver must keep so that a restarted engine never signs a vote or proposal that
 * conflicts with one it signed before: the engine's position, lock and valid block, and its own
 * signed messages of the current height.
 */
export interface PersistedState {
  readonly height: number;
  readonly round: number;
  readonly step: Step;
  readonly locked: { readonly round: number; readonly block: Block } | null;
  /**
   * The valid block with its polka (the prevotes of more than 2/3 for it in `round`, others'
   * included): a restarted proposer re-proposes it naming that round, and the others can accept
   * it only with those prevotes, which nobody else may have.
   */
  readonly valid: { readonly round: number; readonly block: Block; readonly polka: readonly SignedVote[] } | null;
  /** Own votes of the current height (the most recent `persistedRoundsMax` rounds). */
  readonly votes: readonly SignedVote[];
  /** Own proposal of the current round, if signed. */
  readonly proposal: { readonly proposal: SignedProposal; readonly block: Block } | null;
}

/**
 * Everything the engine produced since the last `ready()`. Handle it in this order:
 * 1. `commit`: store each decided block with its certificate (durably);
 * 2. `persist`: store it durably (replacing the previous one);
 * 3. `send`: broadcast each message to the other validators;
 * 4. `build` / `validate`: answer, now or later, with `propose` / `setValidity`;
 * 5. `evidence`: gossip it and put it on chain.
 * Handle one Ready completely before asking for the next.
 */
export interface Ready {
  readonly commit: readonly Decision[];
  readonly persist: PersistedState | undefined;
  readonly send: readonly ConsensusMessage[];
  readonly build: BuildRequest | undefined;
  readonly validate: readonly ValidateRequest[];
  readonly evidence: readonly Evidence[];
}

/**
 * How the engine took one network message — the network layer scores peers on it:
 * accepted · duplicate (already had it) · stale (a past height: the sender may be behind) ·
 * buffered (next height, kept) · future (too far ahead: this node may be behind) · invalid.
 */
export type StepResult =
  | { readonly status: 'accepted' | 'duplicate' | 'stale' | 'buffered' | 'future' }
  | { readonly status: 'invalid'; readonly reason: string };

export interface EngineStatus {
  readonly height: number;
  readonly round: number;
  readonly step: Step;
  /** False while waiting `commitMs` after the previous decision. */
  readonly started: boolean;
  readonly lockedRound: number;
  readonly validRound: number;
  readonly proposer: Bytes;
}
