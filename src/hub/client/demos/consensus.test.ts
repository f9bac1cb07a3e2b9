import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { proposerOf, quorum, scenarioSteps, SCENARIO_IDS, simulate, type Fault, type Step } from './consensus.ts';

const phases = (steps: Step[]) => steps.map((s) => `${s.round}:${s.phase}`);

test('quorum is more than two thirds', () => {
  assert.deepEqual([1, 3, 4, 5, 6, 7, 10].map(quorum), [1, 3, 3, 4, 5, 5, 7]);
  for (let n = 1; n <= 100; n++) assert.ok(quorum(n) * 3 > 2 * n && (quorum(n) - 1) * 3 <= 2 * n, `n=${n}`);
  assert.equal(proposerOf(['A', 'B', 'C'], 4), 'B');
});

test('a node voting for another block cannot stop or split the three honest ones', () => {
  const steps = scenarioSteps('faulty-voter');
  assert.deepEqual(phases(steps), ['0:start', '0:propose', '0:prevote', '0:precommit', '0:commit']);
  const [, propose, prevote, precommit, commit] = steps;
  assert.deepEqual(propose!.messages, [{ from: 'A', kind: 'proposal', value: 'X' }]);
  assert.deepEqual(prevote!.messages.map((m) => `${m.from}${m.value}`), ['AX', 'BX', 'CX', 'DY']);
  assert.deepEqual(prevote!.nodes[1]!.prevotes, { X: 3, Y: 1 });
  assert.deepEqual(precommit!.nodes.map((n) => n.locked), ['X', 'X', 'X', undefined]);
  assert.equal(commit!.decided, 'X');
  assert.deepEqual(commit!.nodes.map((n) => n.decided), ['X', 'X', 'X', undefined]);
  assert.equal(steps.slice(0, -1).every((s) => s.decided === undefined), true);
});

test('a silent proposer costs one round: nil votes, then the next proposer succeeds', () => {
  const steps = scenarioSteps('faulty-proposer');
  assert.deepEqual(phases(steps), ['0:start', '0:propose', '0:prevote', '0:precommit', '0:next-round', '1:propose', '1:prevote', '1:precommit', '1:commit']);
  assert.equal(steps[1]!.proposer, 'D');
  assert.deepEqual(steps[1]!.messages, []);
  assert.ok(steps[2]!.nodes.filter((n) => n.fault === undefined).every((n) => n.timedOut && n.sent?.value === 'nil'));
  assert.equal(steps[5]!.proposer, 'A');
  assert.equal(steps.at(-1)!.decided, 'X');
});

test('every scenario the page offers ends in a decision', () => {
  for (const id of SCENARIO_IDS) assert.equal(scenarioSteps(id).at(-1)!.decided, 'X', id);
});

test('two faulty nodes of four: no decision (liveness needs more than two thirds), and never two', () => {
  const steps = simulate({ nodes: ['A', 'B', 'C', 'D'], faults: { C: 'silent', D: 'silent' }, stepsMax: 20 });
  assert.equal(steps.length, 20);
  assert.ok(steps.every((s) => s.decided === undefined && s.nodes.every((n) => n.decided === undefined)));
});

test('safety: with at most f < n/3 faulty nodes, honest nodes decide, and decide the same block', () => {
  const faultArb = fc.constantFrom<Fault | undefined>(undefined, undefined, 'equivocate', 'silent');
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10 }), fc.array(faultArb, { minLength: 10, maxLength: 10 }), (n, kinds) => {
      const nodes = Array.from({ length: n }, (_, i) => String.fromCharCode(65 + i));
      const faults: Record<string, Fault> = {};
      nodes.forEach((id, i) => {
        const k = kinds[i];
        if (k !== undefined) faults[id] = k;
      });
      const faulty = Object.keys(faults).length;
      const steps = simulate({ nodes, faults, stepsMax: 4 * (n + 1) + 1 });
      const decisions = new Set(steps.flatMap((s) => s.nodes.flatMap((x) => (x.decided === undefined ? [] : [x.decided]))));
      assert.ok(decisions.size <= 1, 'two different blocks decided');
      if (faulty * 3 < n) assert.ok(steps.at(-1)!.decided !== undefined && steps.at(-1)!.decided !== 'nil', `n=${n} faulty=${faulty}: no decision`);
    }),
  );
});
