import { DcbtError } from '../../errors.ts';

/** Why a transaction or block was refused by the ledger rules. */
export type LedgerErrorCode =
  | 'TX_WRONG_CHAIN'
  | 'TX_BAD_STAMP'
  | 'TX_BAD_SIGNATURE'
  | 'TX_BAD_NONCE'
  | 'COMMIT_EXISTS'
  | 'COMMIT_NOT_FOUND'
  | 'COMMIT_TOO_RECENT'
  | 'COMMIT_TOO_OLD'
  | 'NAME_NOT_CANONICAL'
  | 'NAME_RESERVED'
  | 'NAME_TAKEN'
  | 'NAME_NOT_FOUND'
  | 'NAME_EXPIRED'
  | 'NAME_IN_GRACE'
  | 'NOT_OWNER'
  | 'TRANSFER_TO_SELF'
  | 'RECORDS_INVALID'
  | 'EVIDENCE_MALFORMED'
  | 'EVIDENCE_INVALID'
  | 'EVIDENCE_FROM_THE_FUTURE'
  | 'EVIDENCE_TOO_OLD'
  | 'EVIDENCE_ALREADY_RECORDED'
  | 'BLOCK_WRONG_CHAIN'
  | 'BLOCK_WRONG_HEIGHT'
  | 'BLOCK_WRONG_PARENT'
  | 'BLOCK_TIME_NOT_INCREASING'
  | 'BLOCK_TX_ROOT_MISMATCH'
  | 'BLOCK_WRONG_VALIDATORS'
  | 'BLOCK_UNKNOWN_PROPOSER'
  | 'BLOCK_TOO_MANY_TXS'
  | 'BLOCK_DUPLICATE_TX';

export class LedgerError extends DcbtError<LedgerErrorCode, Record<string, unknown>> {
  constructor(code: LedgerErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
    this.name = 'LedgerError';
  }
}
