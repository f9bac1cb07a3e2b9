import type { CommitPayload } from '../../types.ts';
import { toHex } from '../../hash.ts';
import type { TxContext } from '../context.ts';
import { LedgerError } from '../errors.ts';

/** COMMIT records h(name, owner, salt) so the name stays hidden until REGISTER. */
export function applyCommit(ctx: TxContext, p: CommitPayload): void {
  const existing = ctx.state.getCommitment(p.commitment);
  // A commitment past its window is dead weight: it may be replaced.
  if (existing && ctx.height - existing.height <= ctx.genesis.params.commitMaxBlocks) {
    throw new LedgerError('COMMIT_EXISTS', `this commitment was already made at height ${existing.height}; use a fresh salt`, { commitment: toHex(p.commitment), height: existing.height });
  }
  ctx.state.putCommitment(p.commitment, { account: ctx.account, height: ctx.height });
}
