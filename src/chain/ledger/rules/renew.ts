import type { RenewPayload } from '../../types.ts';
import type { TxContext } from '../context.ts';
import { requireOwnedActiveName } from './name-rules.ts';

/**
 * RENEW sets expiry to one full period from now (never earlier than it was). Renewing cannot
 * stack years: a name is held at most one period ahead, so abandoned names return to the pool.
 */
export function applyRenew(ctx: TxContext, p: RenewPayload): void {
  const record = requireOwnedActiveName(ctx, p.name, { allowGrace: true });
  const expiresAtMs = Math.max(record.expiresAtMs, ctx.timeMs + ctx.genesis.params.registrationPeriodMs);
  ctx.state.putName({ ...record, expiresAtMs, updatedHeight: ctx.height });
}
