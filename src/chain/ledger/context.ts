import type { Overlay } from './state.ts';
import type { Bytes, Genesis } from '../types.ts';
import type { ValidatorsAt } from '../validators.ts';

/** What a transaction rule sees: the block it is in and the state so far. */
export interface TxContext {
  readonly genesis: Genesis;
  /** Height of the block being applied. */
  readonly height: number;
  /** Time of the block being applied. */
  readonly timeMs: number;
  readonly state: Overlay;
  /** The signer of the transaction under consideration. */
  readonly account: Bytes;
  /** The validator set by height (evidence is checked against the set of its own height). */
  readonly validatorsAt: ValidatorsAt;
}
