/**
 * Helpers for consensus tests: validator keys, blocks that hash differently, signed messages
 * built by hand (to play the other validators), and an engine under test whose Ready outputs are
 * collected.
 */
import { blockHash, validatorsHash } from '../chain/codec.ts';
import { keyPairFromSecret, sign, verify, type KeyPair } from '../chain/crypto.ts';
import { devnetGenesis } from '../chain/genesis.ts';
import type { Block, Bytes, Genesis } from '../chain/types.ts';
import { proposalSigningBytes, signedVoteBytes } from './codec.ts';
import { ConsensusEngine, type EngineInit } from './engine.ts';
import { ed25519Signer } from './signer.ts';
import { proposerAt } from './proposer.ts';
import { VoteStep, type ConsensusMessage, type EngineConfig, type PersistedState, type Ready, type SignedProposal, type SignedVote, type Timeouts, type ValidatorSet } from './types.ts';

export const CHAIN_ID = 'dcbt-devnet';
export const T0 = 1_700_000_000_000;

/** Small timeouts so tests read easily: round r waits 100 + 10r ms for a proposal, etc. */
export const TEST_TIMEOUTS: Timeouts = {
  proposeMs: 100,
  proposeDeltaMs: 10,
  prevoteMs: 50,
  prevoteDeltaMs: 10,
  precommitMs: 50,
  precommitDeltaMs: 10,
  commitMs: 20,
  rebroadcastMs: 1000,
};

export interface TestNet {
  readonly keys: readonly KeyPair[];
  readonly set: ValidatorSet;
  readonly genesis: Genesis;
}

export function testNet(n = 4, powers?: readonly number[]): TestNet {
  const keys = Array.from({ length: n }, (_, i) => keyPairFromSecret(new Uint8Array(32).fill(101 + i)));
  const base = devnetGenesis({ validators: keys.map((k) => k.publicKey), timeMs: T0, chainId: CHAIN_ID });
  const validators = keys.map((k, i) => ({ publicKey: k.publicKey, power: powers?.[i] ?? 1 }));
  return { keys, set: { fromHeight: 1, validators }, genesis: { ...base, validators } };
}

/** A block at `height` whose hash depends on `tag` (its time). */
export function testBlock(net: TestNet, height: number, tag = 0, proposer: Bytes = net.keys[0]!.publicKey): Block {
  return {
    header: {
      chainId: CHAIN_ID,
      height,
      timeMs: T0 + height * 1000 + tag,
      prevHash: new Uint8Array(32).fill(height - 1),
      txRoot: new Uint8Array(32),
      stateRoot: new Uint8Array(32),
      validatorsHash: validatorsHash(net.genesis.validators),
      proposer,
    },
    txs: [],
  };
}

export function hashOf(block: Block): Bytes {
  return blockHash(block.header);
}

export function voteBy(key: KeyPair, step: VoteStep, height: number, round: number, hash: Bytes | null): ConsensusMessage {
  const unsigned = { step, height, round, blockHash: hash };
  const vote: SignedVote = { ...unsigned, validator: key.publicKey, signature: sign(key.secretKey, signedVoteBytes(CHAIN_ID, unsigned)) };
  return { type: 'vote', vote };
}

export function prevote(key: KeyPair, height: number, round: number, hash: Bytes | null): ConsensusMessage {
  return voteBy(key, VoteStep.PREVOTE, height, round, hash);
}

export function precommit(key: KeyPair, height: number, round: number, hash: Bytes | null): ConsensusMessage {
  return voteBy(key, VoteStep.PRECOMMIT, height, round, hash);
}

export function proposalBy(key: KeyPair, height: number, round: number, block: Block, polRound = -1): ConsensusMessage {
  const unsigned = { height, round, polRound, blockHash: hashOf(block) };
  const proposal: SignedProposal = { ...unsigned, proposer: key.publicKey, signature: sign(key.secretKey, proposalSigningBytes(CHAIN_ID, unsigned)) };
  return { type: 'proposal', proposal, block };
}

export function engineConfig(net: TestNet, me: number | undefined, overrides: Partial<EngineConfig> = {}): EngineConfig {
  return {
    chainId: CHAIN_ID,
    validatorsAt: () => net.set,
    ...(me === undefined ? {} : { signer: ed25519Signer(net.keys[me]!) }),
    verify,
    timeouts: TEST_TIMEOUTS,
    ...overrides,
  };
}

/**
 * An engine under test with its outputs gathered: every Ready is drained after each input, and
 * validation requests are answered at once unless the block's hash is in `invalid` or `hold`.
 */
export class Harness {
  readonly engine: ConsensusEngine;
  readonly readies: Ready[] = [];
  readonly invalid = new Set<string>();
  /** Hashes whose validation is not answered (the driver is still checking). */
  readonly hold = new Set<string>();
  lastPersisted: PersistedState | undefined;
  now: number;

  constructor(config: EngineConfig, init: Partial<EngineInit> = {}) {
    this.now = init.nowMs ?? T0;
    this.engine = ConsensusEngine.create(config, { height: init.height ?? 1, nowMs: this.now, ...(init.persisted ? { persisted: init.persisted } : {}) });
    this.drain();
  }

  drain(): void {
    while (this.engine.hasReady()) {
      const r = this.engine.ready();
      this.readies.push(r);
      if (r.persist) this.lastPersisted = r.persist;
      for (const req of r.validate) {
        const hex = Buffer.from(req.blockHash).toString('hex');
        if (this.hold.has(hex)) continue;
        this.engine.setValidity(req.height, req.blockHash, !this.invalid.has(hex));
      }
    }
  }

  step(m: ConsensusMessage): ReturnType<ConsensusEngine['step']> {
    const r = this.engine.step(m);
    this.drain();
    return r;
  }

  advance(ms: number): void {
    this.now += ms;
    this.engine.tick(this.now);
    this.drain();
  }

  /** Own messages sent so far (in order), optionally only since index `from` of `readies`. */
  sent(from = 0): ConsensusMessage[] {
    return this.readies.slice(from).flatMap((r) => r.send);
  }

  votesSent(step: VoteStep, from = 0): SignedVote[] {
    return this.sent(from).flatMap((m) => (m.type === 'vote' && m.vote.step === step ? [m.vote] : []));
  }
}

/** Index in `net.keys` of the proposer at (height, round). */
export function proposerIndex(net: TestNet, height: number, round: number): number {
  const key = proposerAt(net.set, height, round);
  return net.keys.findIndex((k) => Buffer.compare(k.publicKey, key) === 0);
}
