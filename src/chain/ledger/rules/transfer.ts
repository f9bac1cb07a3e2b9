import { bytesEqual } from '../../hash.ts';
import type { TransferPayload } from '../../types.ts';
import type { TxContext } from '../context.ts';
import { LedgerError } from '../errors.ts';
import { requireOwnedActiveName } from './name-rules.ts';

/** TRANSFER hands an active name, records and expiry unchanged, to another key. */
export function applyTransfer(ctx: TxContext, p: TransferPayload): void {
  const record = requireOwnedActiveName(ctx, p.name, { allowGrace: false });
  if (bytesEqual(p.to, record.owner)) {
    throw new LedgerError('TRANSFER_TO_SELF', `${p.name} already belongs to that key`, { name: p.name });
  }
  ctx.state.putName({ ...record, owner: p.to, updatedHeight: ctx.height });
}
