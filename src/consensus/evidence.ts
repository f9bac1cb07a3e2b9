/**
 * Checking evidence of equivocation. The check lives in the chain (`src/chain/evidence.ts`),
 * which verifies the evidence an EVIDENCE transaction carries; the engine uses the same one.
 */
export { compareEvidence, EvidenceError, verifyEvidence, type EvidenceContext, type EvidenceRejectReason, type VerifiedEvidence } from '../chain/evidence.ts';
