/**
 * Who proposes at (height, round): Tendermint's proposer-priority rotation (a smooth weighted
 * round robin). Each step every validator's priority grows by its power; the highest priority
 * (ties: the lowest public key) proposes and pays back the total power. Over any window of
 * `total` steps each validator proposes exactly `power` times, spread evenly, and the priorities
 * return to zero — so the sequence is periodic and step k is step k mod total.
 *
 * Step k for (height, round) is (height - set.fromHeight) + round, as in Tendermint where a new
 * height advances the rotation by one and each extra round by one more.
 *
 * Powers are divided by their greatest common divisor first; a period above
 * `PROPOSER_PERIOD_STEPS_MAX` is scaled down to about that length (each power kept at least 1),
 * so the lazily filled table stays small.
 */
import { compareBytes } from '../chain/hash.ts';
import type { Bytes, Validator } from '../chain/types.ts';
import type { ValidatorSet } from './types.ts';

export const PROPOSER_PERIOD_STEPS_MAX = 65_536;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

export class ProposerSchedule {
  readonly validators: readonly Validator[];
  private readonly weights: readonly number[];
  readonly period: number;
  private readonly priorities: number[];
  /** table[k] = index (into `validators`) of the proposer at step k, filled lazily up to `period`. */
  private readonly table: number[] = [];

  constructor(validators: readonly Validator[]) {
    if (validators.length === 0) throw new RangeError('a validator set needs at least one validator');
    this.validators = [...validators].sort((a, b) => compareBytes(a.publicKey, b.publicKey));
    const g = this.validators.reduce((acc, v) => gcd(acc, v.power), 0);
    let weights = this.validators.map((v) => v.power / g);
    const total = weights.reduce((a, b) => a + b, 0);
    if (total > PROPOSER_PERIOD_STEPS_MAX) weights = weights.map((w) => Math.max(1, Math.floor((w * PROPOSER_PERIOD_STEPS_MAX) / total)));
    this.weights = weights;
    this.period = weights.reduce((a, b) => a + b, 0);
    this.priorities = weights.map(() => 0);
  }

  private advance(): void {
    let best = 0;
    for (let i = 0; i < this.weights.length; i++) {
      this.priorities[i]! += this.weights[i]!;
      if (this.priorities[i]! > this.priorities[best]!) best = i;
    }
    this.priorities[best]! -= this.period;
    this.table.push(best);
  }

  /** The proposer at rotation step `k` (k ≥ 0). */
  at(k: number): Validator {
    const i = k % this.period;
    while (this.table.length <= i) this.advance();
    return this.validators[this.table[i]!]!;
  }
}

/** Schedules by validator-set object: a set's schedule is computed once. */
const schedules = new WeakMap<ValidatorSet, ProposerSchedule>();

export function scheduleFor(set: ValidatorSet): ProposerSchedule {
  let s = schedules.get(set);
  if (!s) {
    s = new ProposerSchedule(set.validators);
    schedules.set(set, s);
  }
  return s;
}

export function proposerAt(set: ValidatorSet, height: number, round: number): Bytes {
  if (height < set.fromHeight) throw new RangeError(`height ${height} precedes the validator set's first height ${set.fromHeight}`);
  return scheduleFor(set).at(height - set.fromHeight + round).publicKey;
}
