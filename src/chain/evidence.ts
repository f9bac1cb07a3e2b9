/**
 * Evidence of equivocation: its data, its one byte encoding and its check. It lives in the chain
 * because an EVIDENCE transaction carries it and the ledger verifies it; the consensus engine,
 * which detects and gossips it, uses it from here. Decoders throw only CodecError.
 *
 * Checking needs the validator set alone: both messages signed by one validator of the set at
 * that height, for one height and round (and step, for votes), and different.
 */
import { DcbtError } from '../errors.ts';
import { CodecError, EVIDENCE_SIZE_BYTES_MAX, Reader, voteSigningBytes, VoteStep, Writer } from './codec.ts';
import { bytesEqual, compareBytes, sha256, toHex, utf8 } from './hash.ts';
import type { SignatureVerifier } from './light.ts';
import type { Bytes } from './types.ts';
import type { ValidatorsAt } from './validators.ts';

/** A validator's signed vote. `blockHash` null is a vote for nil (signed as 32 zero bytes). */
export interface SignedVote {
  readonly step: VoteStep;
  readonly height: number;
  readonly round: number;
  readonly blockHash: Bytes | null;
  readonly validator: Bytes;
  /** Ed25519 over voteSigningBytes(chainId, step, height, round, blockHash ?? zeros). */
  readonly signature: Bytes;
}

/**
 * The signed part of a proposal: the block travels beside it and must hash to `blockHash`.
 * `polRound` is the proposer's validRound (-1 when it proposes a fresh block): the round whose
 * prevotes (a "polka") justify re-proposing a block others may be locked on.
 */
export interface SignedProposal {
  readonly height: number;
  readonly round: number;
  readonly polRound: number;
  readonly blockHash: Bytes;
  readonly proposer: Bytes;
  /** Ed25519 over proposalSigningBytes(chainId, proposal). */
  readonly signature: Bytes;
}

/**
 * Proof that one validator signed two conflicting messages for one height and round: two votes of
 * one step for different blocks (nil counts as a value), or two different proposals. `a` sorts
 * before `b` by their signing bytes, so each pair has one encoding and one hash.
 */
export type Evidence =
  | { readonly kind: 'duplicate-vote'; readonly a: SignedVote; readonly b: SignedVote }
  | { readonly kind: 'duplicate-proposal'; readonly a: SignedProposal; readonly b: SignedProposal };

// ---- encoding ------------------------------------------------------------------------------------

/** Evidence shares the consensus messages' format version (it is also one of their kinds). */
export const EVIDENCE_FORMAT_VERSION = 1;
const EVIDENCE_DUPLICATE_VOTE = 1;
const EVIDENCE_DUPLICATE_PROPOSAL = 2;

export const VOTE_BODY_BYTES = 1 + 8 + 4 + 32 + 32 + 64;
export const PROPOSAL_BODY_BYTES = 8 + 4 + 4 + 32 + 32 + 64;
/** Encoded evidence is at most this long: version, kind, two signed proposals (the larger pair). */
export { EVIDENCE_SIZE_BYTES_MAX };

const ZERO_HASH = new Uint8Array(32);
const PROPOSAL_TAG = utf8('dcbt/proposal\0');
const EVIDENCE_TAG = utf8('dcbt/evidence\0');
/** Rounds are u32 on the wire; polRound is stored as polRound + 1 so -1 fits. */
export const ROUND_MAX = 0xfffffffe;

/** The bytes a proposer signs: the block is bound through its header hash. */
export function proposalSigningBytes(chainId: string, p: Pick<SignedProposal, 'height' | 'round' | 'polRound' | 'blockHash'>): Bytes {
  const w = new Writer(96);
  w.raw(PROPOSAL_TAG).str8(chainId).u64(p.height).u32(p.round).u32(p.polRound + 1).fixed(p.blockHash, 32);
  return w.finish();
}

export function signedVoteBytes(chainId: string, v: Pick<SignedVote, 'step' | 'height' | 'round' | 'blockHash'>): Bytes {
  return voteSigningBytes(chainId, v.step, v.height, v.round, v.blockHash ?? ZERO_HASH);
}

export function writeVote(w: Writer, v: SignedVote): void {
  w.u8(v.step).u64(v.height).u32(v.round).fixed(v.blockHash ?? ZERO_HASH, 32).fixed(v.validator, 32).fixed(v.signature, 64);
}

export function readVote(r: Reader): SignedVote {
  const step = r.u8();
  if (step !== VoteStep.PREVOTE && step !== VoteStep.PRECOMMIT) r.fail(`unknown vote step ${step}`);
  const height = r.u64();
  const round = r.u32();
  if (round > ROUND_MAX) r.fail(`round ${round} out of range`);
  const hash = r.fixed(32);
  return { step, height, round, blockHash: compareBytes(hash, ZERO_HASH) === 0 ? null : hash, validator: r.fixed(32), signature: r.fixed(64) };
}

export function writeProposal(w: Writer, p: SignedProposal): void {
  if (p.polRound < -1 || p.polRound >= ROUND_MAX || p.round > ROUND_MAX) throw new RangeError(`proposal rounds out of range: ${p.round}/${p.polRound}`);
  w.u64(p.height).u32(p.round).u32(p.polRound + 1).fixed(p.blockHash, 32).fixed(p.proposer, 32).fixed(p.signature, 64);
}

export function readProposal(r: Reader): SignedProposal {
  const height = r.u64();
  const round = r.u32();
  if (round > ROUND_MAX) r.fail(`round ${round} out of range`);
  const polRound = r.u32() - 1;
  if (polRound >= ROUND_MAX) r.fail(`polRound ${polRound} out of range`);
  return { height, round, polRound, blockHash: r.fixed(32), proposer: r.fixed(32), signature: r.fixed(64) };
}

function voteOrderBytes(v: SignedVote): Bytes {
  return new Writer(VOTE_BODY_BYTES).u8(v.step).u64(v.height).u32(v.round).fixed(v.blockHash ?? ZERO_HASH, 32).finish();
}

function proposalOrderBytes(p: SignedProposal): Bytes {
  return new Writer(PROPOSAL_BODY_BYTES).u64(p.height).u32(p.round).u32(p.polRound + 1).fixed(p.blockHash, 32).finish();
}

/** Puts the pair in its one order (a before b). */
export function duplicateVoteEvidence(x: SignedVote, y: SignedVote): Evidence {
  return compareBytes(voteOrderBytes(x), voteOrderBytes(y)) < 0 ? { kind: 'duplicate-vote', a: x, b: y } : { kind: 'duplicate-vote', a: y, b: x };
}

export function duplicateProposalEvidence(x: SignedProposal, y: SignedProposal): Evidence {
  return compareBytes(proposalOrderBytes(x), proposalOrderBytes(y)) < 0 ? { kind: 'duplicate-proposal', a: x, b: y } : { kind: 'duplicate-proposal', a: y, b: x };
}

/** The evidence body (kind and the pair), as inside a consensus message. */
export function writeEvidence(w: Writer, e: Evidence): void {
  if (e.kind === 'duplicate-vote') {
    w.u8(EVIDENCE_DUPLICATE_VOTE);
    writeVote(w, e.a);
    writeVote(w, e.b);
  } else {
    w.u8(EVIDENCE_DUPLICATE_PROPOSAL);
    writeProposal(w, e.a);
    writeProposal(w, e.b);
  }
}

export function readEvidence(r: Reader): Evidence {
  const kind = r.u8();
  if (kind === EVIDENCE_DUPLICATE_VOTE) {
    const a = readVote(r);
    const b = readVote(r);
    if (compareBytes(voteOrderBytes(a), voteOrderBytes(b)) >= 0) r.fail('evidence votes not in canonical order');
    return { kind: 'duplicate-vote', a, b };
  }
  if (kind === EVIDENCE_DUPLICATE_PROPOSAL) {
    const a = readProposal(r);
    const b = readProposal(r);
    if (compareBytes(proposalOrderBytes(a), proposalOrderBytes(b)) >= 0) r.fail('evidence proposals not in canonical order');
    return { kind: 'duplicate-proposal', a, b };
  }
  return r.fail(`unknown evidence kind ${kind}`);
}

/** Standalone evidence (an EVIDENCE transaction's payload): format version, then the body. */
export function encodeEvidence(e: Evidence): Bytes {
  const w = new Writer(EVIDENCE_SIZE_BYTES_MAX);
  w.u8(EVIDENCE_FORMAT_VERSION);
  writeEvidence(w, e);
  return w.finish();
}

export function decodeEvidence(bytes: Bytes): Evidence {
  if (bytes.length > EVIDENCE_SIZE_BYTES_MAX) throw new CodecError('evidence', 0, `size ${bytes.length} exceeds ${EVIDENCE_SIZE_BYTES_MAX} bytes`);
  const r = new Reader(bytes, 'evidence');
  const version = r.u8();
  if (version !== EVIDENCE_FORMAT_VERSION) r.fail(`unknown format version ${version}`);
  const e = readEvidence(r);
  r.end();
  return e;
}

/** The evidence's identity on chain (its state key) and for de-duplication in gossip. */
export function evidenceHash(e: Evidence): Bytes {
  return sha256(EVIDENCE_TAG, encodeEvidence(e));
}

/** Orders evidence deterministically (for a block's evidence list). */
export function compareEvidence(x: Evidence, y: Evidence): number {
  return compareBytes(encodeEvidence(x), encodeEvidence(y));
}

// ---- checking ------------------------------------------------------------------------------------

export type EvidenceRejectReason = 'not-conflicting' | 'not-canonical' | 'not-a-validator' | 'bad-signature' | 'unknown-height';

export class EvidenceError extends DcbtError<'EVIDENCE_INVALID', { reason: EvidenceRejectReason }> {
  constructor(reason: EvidenceRejectReason, message: string) {
    super('EVIDENCE_INVALID', message, { reason });
  }
}

export interface EvidenceContext {
  readonly chainId: string;
  readonly validatorsAt: ValidatorsAt;
  readonly verify: SignatureVerifier;
}

export interface VerifiedEvidence {
  readonly offender: Bytes;
  readonly height: number;
  readonly round: number;
  /** The offender's voting power at that height. */
  readonly power: number;
}

function sameHash(a: Bytes | null, b: Bytes | null): boolean {
  return a === null || b === null ? a === b : bytesEqual(a, b);
}

function offenderPower(ctx: EvidenceContext, height: number, key: Bytes): number {
  let validators;
  try {
    validators = ctx.validatorsAt(height).validators;
  } catch (error) {
    throw new EvidenceError('unknown-height', `no validator set is known for height ${height}: ${(error as Error).message}`);
  }
  const v = validators.find((x) => bytesEqual(x.publicKey, key));
  if (!v) throw new EvidenceError('not-a-validator', `${toHex(key)} is not a validator at height ${height}; only validators can equivocate`);
  return v.power;
}

/** Throws EvidenceError saying what is wrong; returns who equivocated where. */
export function verifyEvidence(e: Evidence, ctx: EvidenceContext): VerifiedEvidence {
  if (e.kind === 'duplicate-vote') {
    const { a, b } = e;
    if (!bytesEqual(a.validator, b.validator) || a.step !== b.step || a.height !== b.height || a.round !== b.round) {
      throw new EvidenceError('not-conflicting', 'the two votes are not by one validator for one height, round and step');
    }
    if (sameHash(a.blockHash, b.blockHash)) throw new EvidenceError('not-conflicting', 'the two votes are for the same block');
    const canonical = duplicateVoteEvidence(b, a);
    if (canonical.a !== a) throw new EvidenceError('not-canonical', 'the votes are not in canonical order (a before b)');
    const power = offenderPower(ctx, a.height, a.validator);
    for (const v of [a, b]) {
      if (!ctx.verify(v.validator, signedVoteBytes(ctx.chainId, v), v.signature)) throw new EvidenceError('bad-signature', `a vote's signature by ${toHex(v.validator)} does not verify`);
    }
    return { offender: a.validator, height: a.height, round: a.round, power };
  }
  const { a, b } = e;
  if (!bytesEqual(a.proposer, b.proposer) || a.height !== b.height || a.round !== b.round) {
    throw new EvidenceError('not-conflicting', 'the two proposals are not by one proposer for one height and round');
  }
  if (bytesEqual(a.blockHash, b.blockHash) && a.polRound === b.polRound) throw new EvidenceError('not-conflicting', 'the two proposals are the same');
  const canonical = duplicateProposalEvidence(b, a);
  if (canonical.a !== a) throw new EvidenceError('not-canonical', 'the proposals are not in canonical order (a before b)');
  const power = offenderPower(ctx, a.height, a.proposer);
  for (const p of [a, b]) {
    if (!ctx.verify(p.proposer, proposalSigningBytes(ctx.chainId, p), p.signature)) throw new EvidenceError('bad-signature', `a proposal's signature by ${toHex(p.proposer)} does not verify`);
  }
  return { offender: a.proposer, height: a.height, round: a.round, power };
}
