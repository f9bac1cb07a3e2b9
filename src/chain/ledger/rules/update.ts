import type { UpdatePayload } from '../../types.ts';
import type { TxContext } from '../context.ts';
import { requireOwnedActiveName, requireValidRecords } from './name-rules.ts';

/** UPDATE replaces the whole record set of an active name. */
export function applyUpdate(ctx: TxContext, p: UpdatePayload): void {
  const record = requireOwnedActiveName(ctx, p.name, { allowGrace: false });
  requireValidRecords(ctx, p.name, p.records);
  ctx.state.putName({ ...record, records: p.records, updatedHeight: ctx.height });
}
