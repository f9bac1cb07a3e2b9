/**
 * Checking evidence of equivocation: both messages signed by the same validator of the set at
 * that height, for the same height and round (and step, for votes), and different. Anyone can
 * check it with the validator set alone, so it can be gossiped and put on chain.
 */
import { bytesEqual, compareBytes, toHex } from '../chain/hash.ts';
import type { Bytes } from '../chain/types.ts';
import { DcbtError } from '../errors.ts';
import { duplicateProposalEvidence, duplicateVoteEvidence, encodeEvidence, proposalSigningBytes, signedVoteBytes } from './codec.ts';
import type { Evidence, SignatureVerifier, ValidatorsAt } from './types.ts';

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

/** Orders evidence deterministically (for a block's evidence list). */
export function compareEvidence(x: Evidence, y: Evidence): number {
  return compareBytes(encodeEvidence(x), encodeEvidence(y));
}
