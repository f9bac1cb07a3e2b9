/**
 * A step-by-step model of one height of Tendermint-style BFT consensus (propose, prevote,
 * precommit, commit; Buchman, Kwon and Milosevic, 2018) among a few validators of equal power,
 * some of them faulty. Pure and deterministic: the demo page shows the steps it returns, and the
 * unit tests check the properties the page explains (honest nodes never commit different
 * blocks; a faulty minority cannot stop or split them).
 *
 * Simplifications, said on the page: every message arrives within the step it is sent in;
 * one round is three phases; timeouts are one step; a faulty node's behaviour is fixed in advance.
 */

export type Value = 'X' | 'Y' | 'nil';
/** `equivocate`: votes for a block nobody proposed. `silent`: sends nothing (crashed or cut off). */
export type Fault = 'equivocate' | 'silent';
export type Phase = 'start' | 'propose' | 'prevote' | 'precommit' | 'commit' | 'next-round';

export interface Message {
  from: string;
  kind: 'proposal' | 'prevote' | 'precommit';
  value: Value;
}

export interface NodeState {
  id: string;
  fault: Fault | undefined;
  proposer: boolean;
  /** What the node did in this step, if anything. */
  sent: Message | undefined;
  /** Waiting for a proposal that did not come, and so voting nil when its timer runs out. */
  timedOut: boolean;
  prevotes: Partial<Record<Value, number>>;
  precommits: Partial<Record<Value, number>>;
  locked: Value | undefined;
  decided: Value | undefined;
}

export interface Step {
  index: number;
  round: number;
  phase: Phase;
  proposer: string;
  nodes: NodeState[];
  messages: Message[];
  /** The outcome once every honest node has decided. */
  decided: Value | undefined;
}

export interface ScenarioSpec {
  nodes: readonly string[];
  faults: Readonly<Record<string, Fault>>;
  /** Steps produced at most (a liveness failure would otherwise run forever). */
  stepsMax?: number;
}

export const SCENARIOS = {
  /** D votes for a block that was never proposed. */
  'faulty-voter': { nodes: ['A', 'B', 'C', 'D'], faults: { D: 'equivocate' } },
  /** D is the first proposer and is down: round 0 ends without a block, round 1 decides. */
  'faulty-proposer': { nodes: ['D', 'A', 'B', 'C'], faults: { D: 'silent' } },
} as const satisfies Record<string, ScenarioSpec>;
export type ScenarioId = keyof typeof SCENARIOS;
export const SCENARIO_IDS = Object.keys(SCENARIOS) as ScenarioId[];

/** Votes needed: more than two thirds of the validators (equal power). */
export function quorum(validators: number): number {
  return Math.floor((2 * validators) / 3) + 1;
}

/** The proposer of a round: round-robin over the validator list. */
export function proposerOf(nodes: readonly string[], round: number): string {
  return nodes[round % nodes.length]!;
}

function tally(messages: readonly Message[], kind: Message['kind']): Partial<Record<Value, number>> {
  const out: Partial<Record<Value, number>> = {};
  for (const m of messages) if (m.kind === kind) out[m.value] = (out[m.value] ?? 0) + 1;
  return out;
}

function withQuorum(counts: Partial<Record<Value, number>>, q: number): Value | undefined {
  for (const v of ['X', 'Y', 'nil'] as const) if ((counts[v] ?? 0) >= q) return v;
  return undefined;
}

/** Runs the scenario and returns every step, from the start to the decision (or stepsMax). */
export function simulate(spec: ScenarioSpec): Step[] {
  const { nodes, faults } = spec;
  const q = quorum(nodes.length);
  const stepsMax = spec.stepsMax ?? 24;
  const locked = new Map<string, Value>();
  const decided = new Map<string, Value>();
  const honest = nodes.filter((n) => faults[n] === undefined);
  const steps: Step[] = [];

  const push = (round: number, phase: Phase, messages: Message[], extra: { prevotes?: Message[]; precommits?: Message[]; timedOut?: boolean } = {}) => {
    const proposer = proposerOf(nodes, round);
    const prevotes = tally(extra.prevotes ?? [], 'prevote');
    const precommits = tally(extra.precommits ?? [], 'precommit');
    const outcome = honest.length > 0 && honest.every((n) => decided.has(n)) ? decided.get(honest[0]!) : undefined;
    steps.push({
      index: steps.length,
      round,
      phase,
      proposer,
      messages,
      decided: outcome,
      nodes: nodes.map((id) => ({
        id,
        fault: faults[id],
        proposer: id === proposer,
        sent: messages.find((m) => m.from === id),
        timedOut: extra.timedOut === true && faults[id] === undefined,
        prevotes: faults[id] === undefined ? prevotes : {},
        precommits: faults[id] === undefined ? precommits : {},
        locked: locked.get(id),
        decided: decided.get(id),
      })),
    });
  };

  push(0, 'start', []);
  for (let round = 0; steps.length < stepsMax; round++) {
    const proposer = proposerOf(nodes, round);
    // Propose: an honest proposer re-proposes the block it is locked on, or a new block X.
    const proposal: Message[] = faults[proposer] === 'silent' ? [] : [{ from: proposer, kind: 'proposal', value: faults[proposer] === 'equivocate' ? 'Y' : (locked.get(proposer) ?? 'X') }];
    push(round, 'propose', proposal);
    const proposed = proposal[0]?.value;

    // Prevote: honest nodes vote for the proposal unless locked on another block; nil on timeout.
    const prevotes: Message[] = [];
    for (const id of nodes) {
      const fault = faults[id];
      if (fault === 'silent') continue;
      if (fault === 'equivocate') {
        prevotes.push({ from: id, kind: 'prevote', value: 'Y' });
        continue;
      }
      const lock = locked.get(id);
      const value: Value = proposed === undefined ? 'nil' : lock !== undefined && lock !== proposed ? 'nil' : proposed;
      prevotes.push({ from: id, kind: 'prevote', value });
    }
    push(round, 'prevote', prevotes, { prevotes, timedOut: proposed === undefined });
    if (steps.length >= stepsMax) break;

    // Precommit: for a block with a quorum of prevotes (and lock on it), else nil.
    const polka = withQuorum(tally(prevotes, 'prevote'), q);
    const precommits: Message[] = [];
    for (const id of nodes) {
      const fault = faults[id];
      if (fault === 'silent') continue;
      if (fault === 'equivocate') {
        precommits.push({ from: id, kind: 'precommit', value: 'Y' });
        continue;
      }
      if (polka !== undefined && polka !== 'nil') locked.set(id, polka);
      precommits.push({ from: id, kind: 'precommit', value: polka === undefined ? 'nil' : polka });
    }
    push(round, 'precommit', precommits, { prevotes, precommits });
    if (steps.length >= stepsMax) break;

    // Commit when a block has a quorum of precommits; otherwise move to the next round.
    const commit = withQuorum(tally(precommits, 'precommit'), q);
    if (commit !== undefined && commit !== 'nil') {
      for (const id of honest) decided.set(id, commit);
      push(round, 'commit', [], { prevotes, precommits });
      break;
    }
    push(round, 'next-round', [], { prevotes, precommits });
  }
  return steps;
}

const cache = new Map<ScenarioId, Step[]>();

export function scenarioSteps(id: ScenarioId): Step[] {
  let steps = cache.get(id);
  if (steps === undefined) {
    steps = simulate(SCENARIOS[id]);
    cache.set(id, steps);
  }
  return steps;
}
