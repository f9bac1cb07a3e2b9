import { CodecError, decodeEvidenceRecord, encodeEvidenceRecord } from '../../codec.ts';
import { verify } from '../../crypto.ts';
import { decodeEvidence, evidenceHash, EvidenceError, verifyEvidence, type Evidence } from '../../evidence.ts';
import { toHex } from '../../hash.ts';
import { evidenceKey } from '../../keys.ts';
import { evidenceMaxAgeBlocks, type EvidencePayload } from '../../types.ts';
import type { TxContext } from '../context.ts';
import { LedgerError } from '../errors.ts';

/**
 * EVIDENCE records a validator's equivocation: two conflicting messages it signed, checked
 * against the validator set of their height, neither from a later height than the block's nor
 * older than `evidenceMaxAgeBlocks`, and recorded once (its hash is its key). Penalties are
 * governance's to decide; the chain only keeps the proof's summary.
 */
export function applyEvidence(ctx: TxContext, p: EvidencePayload): void {
  let evidence: Evidence;
  try {
    evidence = decodeEvidence(p.evidence);
  } catch (error) {
    if (!(error instanceof CodecError)) throw error;
    throw new LedgerError('EVIDENCE_MALFORMED', `the evidence does not decode: ${error.message}; send encodeEvidence(evidence) as it came from the network`, {}, { cause: error });
  }
  const hash = evidenceHash(evidence);
  const { height, round } = evidence.a;
  const details = { evidenceHash: toHex(hash), height, round };
  if (height > ctx.height) {
    throw new LedgerError('EVIDENCE_FROM_THE_FUTURE', `the evidence is for height ${height}, above this block's ${ctx.height}; send it once the chain has reached that height`, details);
  }
  const maxAge = evidenceMaxAgeBlocks(ctx.genesis.params);
  if (ctx.height - height > maxAge) {
    throw new LedgerError('EVIDENCE_TOO_OLD', `the evidence is for height ${height}, more than ${maxAge} blocks below this block's ${ctx.height}; the chain no longer takes it`, { ...details, evidenceMaxAgeBlocks: maxAge });
  }
  const key = evidenceKey(hash);
  const existing = ctx.state.get(key);
  if (existing) {
    const recorded = decodeEvidenceRecord(existing);
    throw new LedgerError('EVIDENCE_ALREADY_RECORDED', `this evidence was already recorded in block ${recorded.includedHeight}; nothing more to do`, { ...details, includedHeight: recorded.includedHeight });
  }
  let verified;
  try {
    verified = verifyEvidence(evidence, { chainId: ctx.genesis.chainId, validatorsAt: ctx.validatorsAt, verify });
  } catch (error) {
    if (!(error instanceof EvidenceError)) throw error;
    throw new LedgerError('EVIDENCE_INVALID', `the evidence proves no equivocation: ${error.message}`, { ...details, reason: error.details.reason }, { cause: error });
  }
  ctx.state.set(
    key,
    encodeEvidenceRecord({ kind: evidence.kind, offender: verified.offender, height, round, power: verified.power, includedHeight: ctx.height, reporter: ctx.account }),
  );
}
