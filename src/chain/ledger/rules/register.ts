import { commitmentHash } from '../../codec.ts';
import { toHex } from '../../hash.ts';
import type { RegisterPayload } from '../../types.ts';
import type { TxContext } from '../context.ts';
import { LedgerError } from '../errors.ts';
import { nameStatus } from '../name-status.ts';
import { requireCanonicalName, requireValidRecords } from './name-rules.ts';

/**
 * REGISTER reveals a committed name. The commitment binds the owner, so only its maker can use
 * it, and the reveal must come inside [commitMinBlocks, commitMaxBlocks] after the COMMIT: by the
 * time anyone sees the name, the registrant's commitment is already older than any rival's.
 */
export function applyRegister(ctx: TxContext, p: RegisterPayload): void {
  const { params, reservedNames } = ctx.genesis;
  requireCanonicalName(ctx, p.name);
  if (reservedNames.includes(p.name)) {
    throw new LedgerError('NAME_RESERVED', `${p.name} is reserved by governance and cannot be registered`, { name: p.name });
  }
  const commitment = commitmentHash(p.name, ctx.account, p.salt);
  const commit = ctx.state.getCommitment(commitment);
  if (!commit) {
    throw new LedgerError('COMMIT_NOT_FOUND', `no COMMIT for ${p.name} with this owner and salt; send the COMMIT first (or check the salt)`, { name: p.name, commitment: toHex(commitment) });
  }
  const age = ctx.height - commit.height;
  if (age < params.commitMinBlocks) {
    throw new LedgerError('COMMIT_TOO_RECENT', `the COMMIT is ${age} block(s) old; REGISTER may follow after ${params.commitMinBlocks}`, { name: p.name, ageBlocks: age, commitMinBlocks: params.commitMinBlocks });
  }
  if (age > params.commitMaxBlocks) {
    throw new LedgerError('COMMIT_TOO_OLD', `the COMMIT is ${age} blocks old, past the ${params.commitMaxBlocks}-block window; commit again`, { name: p.name, ageBlocks: age, commitMaxBlocks: params.commitMaxBlocks });
  }
  const existing = ctx.state.getName(p.name);
  if (existing && nameStatus(existing, ctx.timeMs, params) !== 'expired') {
    throw new LedgerError('NAME_TAKEN', `${p.name} is registered until ${new Date(existing.expiresAtMs).toISOString()}; choose another name`, { name: p.name, expiresAtMs: existing.expiresAtMs });
  }
  requireValidRecords(ctx, p.name, p.records);
  ctx.state.putCommitment(commitment, undefined);
  ctx.state.putName({
    name: p.name,
    owner: ctx.account,
    records: p.records,
    registeredHeight: ctx.height,
    updatedHeight: ctx.height,
    expiresAtMs: ctx.timeMs + params.registrationPeriodMs,
  });
}
