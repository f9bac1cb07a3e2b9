/**
 * The validator set, versioned by height. Today it is the genesis set at every height; when
 * governance can change it, `validatorsAt` will read the set in force at a height from the chain,
 * and every caller (consensus, evidence checks) already asks by height.
 */
import type { Genesis, Validator } from './types.ts';

/**
 * The validators that sign blocks from `fromHeight` on (until a later set replaces them). The
 * proposer rotation restarts at `fromHeight`, so every node computes the same schedule from the
 * set alone.
 */
export interface ValidatorSet {
  readonly fromHeight: number;
  readonly validators: readonly Validator[];
}

/** The set that signs `height`. Must be deterministic: every node answers the same. */
export type ValidatorsAt = (height: number) => ValidatorSet;

/** The genesis set from block 1 on; there is no set for height 0 (genesis itself is not signed). */
export function genesisValidatorsAt(genesis: Genesis): ValidatorsAt {
  const set: ValidatorSet = { fromHeight: 1, validators: genesis.validators };
  return (height: number) => {
    if (!Number.isSafeInteger(height) || height < 1) throw new RangeError(`no validator set signs height ${height}; blocks start at height 1`);
    return set;
  };
}
