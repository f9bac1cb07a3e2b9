import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toHex } from '../chain/hash.ts';
import { PROPOSER_PERIOD_STEPS_MAX, ProposerSchedule, proposerAt } from './proposer.ts';

const key = (i: number) => new Uint8Array(32).fill(i);

test('each validator proposes power times per period, and the schedule repeats', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 8 }), (powers) => {
      const s = new ProposerSchedule(powers.map((power, i) => ({ publicKey: key(i + 1), power })));
      const counts = new Map<string, number>();
      for (let k = 0; k < s.period; k++) counts.set(toHex(s.at(k).publicKey), (counts.get(toHex(s.at(k).publicKey)) ?? 0) + 1);
      const g = powers.reduce((a, b) => { while (b) [a, b] = [b, a % b]; return a; });
      powers.forEach((p, i) => assert.equal(counts.get(toHex(key(i + 1))) ?? 0, p / g));
      for (let k = 0; k < s.period; k++) assert.equal(toHex(s.at(k + s.period).publicKey), toHex(s.at(k).publicKey));
    }),
  );
});

test('proposals are spread out: with equal powers every validator proposes once in n steps', () => {
  const s = new ProposerSchedule([3, 1, 2, 4].map((i) => ({ publicKey: key(i), power: 5 })));
  const first = [0, 1, 2, 3].map((k) => toHex(s.at(k).publicKey));
  assert.equal(new Set(first).size, 4);
  // Ties go to the lowest key, so the order is the key order.
  assert.deepEqual(first, [1, 2, 3, 4].map((i) => toHex(key(i))));
});

test('the order of the input set does not matter', () => {
  const vs = [1, 2, 3, 4].map((i) => ({ publicKey: key(i), power: i }));
  const a = new ProposerSchedule(vs);
  const b = new ProposerSchedule([...vs].reverse());
  for (let k = 0; k < 30; k++) assert.equal(toHex(a.at(k).publicKey), toHex(b.at(k).publicKey));
});

test('step = height - fromHeight + round', () => {
  const set = { fromHeight: 10, validators: [1, 2, 3].map((i) => ({ publicKey: key(i), power: 1 })) };
  assert.equal(toHex(proposerAt(set, 11, 0)), toHex(proposerAt(set, 10, 1)));
  assert.equal(toHex(proposerAt(set, 12, 4)), toHex(proposerAt(set, 10, 6)));
  assert.throws(() => proposerAt(set, 9, 0), RangeError);
});

test('huge powers are scaled to a bounded period, keeping every validator in it', () => {
  const s = new ProposerSchedule([{ publicKey: key(1), power: 1 }, { publicKey: key(2), power: 10_000_000_000 }]);
  assert.ok(s.period <= PROPOSER_PERIOD_STEPS_MAX + 2);
  let small = 0;
  for (let k = 0; k < s.period; k++) if (s.at(k).publicKey[0] === 1) small++;
  assert.equal(small, 1);
});
