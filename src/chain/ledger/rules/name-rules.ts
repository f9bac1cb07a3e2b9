import { isCanonicalLabel } from '../../names.ts';
import { RecordError, validateRecordSet } from '../../records.ts';
import type { DnsRecord, NameRecord } from '../../types.ts';
import { bytesEqual, toHex } from '../../hash.ts';
import type { TxContext } from '../context.ts';
import { LedgerError } from '../errors.ts';
import { nameStatus } from '../name-status.ts';

export function requireCanonicalName(ctx: TxContext, name: string): void {
  if (!isCanonicalLabel(name, ctx.genesis.apex)) {
    throw new LedgerError('NAME_NOT_CANONICAL', `"${name}" is not a canonical name label; normalise it (lower-case A-label, one script, no confusables) before sending`, { name });
  }
}

export function requireValidRecords(ctx: TxContext, name: string, records: readonly DnsRecord[]): void {
  try {
    validateRecordSet(records, { name, apex: ctx.genesis.apex, sizeBytesMax: ctx.genesis.params.recordsSizeBytesMax });
  } catch (error) {
    if (error instanceof RecordError) {
      throw new LedgerError('RECORDS_INVALID', `records for ${name}: ${error.message}`, { name, reason: error.code, ...error.details }, { cause: error });
    }
    throw error;
  }
}

/** The name as its owner may change it: registered, owned by the signer, not past expiry. */
export function requireOwnedActiveName(ctx: TxContext, name: string, options: { allowGrace: boolean }): NameRecord {
  requireCanonicalName(ctx, name);
  const record = ctx.state.getName(name);
  const status = record && nameStatus(record, ctx.timeMs, ctx.genesis.params);
  if (!record || status === 'expired') {
    throw new LedgerError('NAME_NOT_FOUND', `${name} is not registered`, { name });
  }
  if (!bytesEqual(record.owner, ctx.account)) {
    throw new LedgerError('NOT_OWNER', `${name} is owned by ${toHex(record.owner)}, not by the signer; sign with the owner's key`, { name, owner: toHex(record.owner) });
  }
  if (status === 'grace' && !options.allowGrace) {
    throw new LedgerError('NAME_IN_GRACE', `${name} expired and is in its grace period; renew it first`, { name, expiresAtMs: record.expiresAtMs });
  }
  return record;
}
