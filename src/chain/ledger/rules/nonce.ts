import { toHex } from '../../hash.ts';
import type { TxContext } from '../context.ts';
import { LedgerError } from '../errors.ts';

/** Each account's transactions apply in nonce order, each exactly once (replay protection). */
export function applyNonce(ctx: TxContext, nonce: number): void {
  const account = ctx.state.getAccount(ctx.account);
  if (nonce !== account.nonce) {
    throw new LedgerError('TX_BAD_NONCE', `nonce ${nonce} is not the account's next nonce ${account.nonce}; fetch the account's nonce and rebuild`, { expected: account.nonce, got: nonce, account: toHex(ctx.account) });
  }
  ctx.state.putAccount(ctx.account, { nonce: nonce + 1 });
}
