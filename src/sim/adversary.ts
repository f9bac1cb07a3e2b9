/**
 * The Byzantine validators, scripted. The adversary sees every message a correct validator sends
 * (it may as well: the network is the adversary's in the BFT model) and splits the correct
 * validators into groups. It then tells each group what that group wants to hear:
 *
 * - it mirrors votes: when a member of group g votes X at (height, round, step), each Byzantine
 *   validator signs the same vote and sends it to g only — so two groups that vote differently
 *   receive conflicting votes from the same validator (equivocation);
 * - when a Byzantine validator is the proposer of a round, each group gets its own block
 *   (conflicting proposals), sometimes an invalid one.
 *
 * Mode 'equivocate' (one Byzantine of four, within the fault bound): new random groups each
 * height, some heights silent, some random vote values and malformed bytes. Mode 'fork' (used
 * with two Byzantine of four, beyond the bound): fixed groups kept apart by a partition, which
 * lets each group finalise its own block — the run the checker must catch.
 */
import { blockHash } from '../chain/codec.ts';
import { sha256, toHex, utf8 } from '../chain/hash.ts';
import type { KeyPair } from '../chain/crypto.ts';
import { encodeConsensusMessage, proposalSigningBytes, signedVoteBytes } from '../consensus/codec.ts';
import { proposerAt } from '../consensus/proposer.ts';
import type { ConsensusMessage, SignedProposal, SignedVote, Signer, ValidatorSet } from '../consensus/types.ts';
import { corruptBlock, type SimChain } from './chain.ts';
import type { Rng } from './prng.ts';

export type AdversaryMode = 'equivocate' | 'fork';

export interface AdversaryEnv {
  readonly chainId: string;
  readonly set: ValidatorSet;
  /** Node index → its key, signer and chain (the adversary builds blocks on a group member's chain). */
  readonly keys: readonly KeyPair[];
  readonly signers: readonly Signer[];
  readonly chains: readonly SimChain[];
  send(from: number, to: number, bytes: Uint8Array): void;
}

export class Adversary {
  readonly byzantine: readonly number[];
  readonly correct: readonly number[];
  readonly mode: AdversaryMode;
  private readonly rng: Rng;
  private readonly env: AdversaryEnv;
  private readonly groups = new Map<number, number[][]>();
  private readonly silent = new Map<string, boolean>();
  private readonly done = new Set<string>();
  sentCount = 0;

  constructor(byzantine: readonly number[], correct: readonly number[], mode: AdversaryMode, rng: Rng, env: AdversaryEnv) {
    this.byzantine = byzantine;
    this.correct = correct;
    this.mode = mode;
    this.rng = rng;
    this.env = env;
  }

  /** The fixed split of 'fork' mode: first half of the correct validators against the rest. */
  static forkGroups(correct: readonly number[]): number[][] {
    const half = Math.ceil(correct.length / 2);
    return [correct.slice(0, half), correct.slice(half)];
  }

  private groupsAt(height: number): number[][] {
    let g = this.groups.get(height);
    if (!g) {
      if (this.mode === 'fork' || this.correct.length < 2) {
        g = this.mode === 'fork' ? Adversary.forkGroups(this.correct) : [[...this.correct]];
      } else {
        const order = this.rng.shuffle(this.correct);
        const cut = this.rng.int(1, order.length - 1);
        g = [order.slice(0, cut), order.slice(cut)];
      }
      this.groups.set(height, g);
    }
    return g;
  }

  private isSilent(byz: number, height: number): boolean {
    if (this.mode === 'fork') return false;
    const key = `${byz}/${height}`;
    let s = this.silent.get(key);
    if (s === undefined) this.silent.set(key, (s = this.rng.chance(0.15)));
    return s;
  }

  private sendTo(from: number, group: readonly number[], m: ConsensusMessage): void {
    const bytes = encodeConsensusMessage(m);
    for (const to of group) this.env.send(from, to, bytes);
    this.sentCount++;
  }

  /** A correct validator `from` sent `m`; the Byzantine validators react. */
  observe(from: number, m: ConsensusMessage, nowMs: number): void {
    if (m.type === 'evidence') return;
    const height = m.type === 'vote' ? m.vote.height : m.proposal.height;
    const round = m.type === 'vote' ? m.vote.round : m.proposal.round;
    const groups = this.groupsAt(height);
    const g = groups.findIndex((members) => members.includes(from));
    if (g < 0) return;
    const group = groups[g]!;
    for (const byz of this.byzantine) {
      if (this.isSilent(byz, height)) continue;
      for (const r of [round, round + 1]) this.maybePropose(byz, g, group, height, r, nowMs);
      if (m.type === 'vote') this.mirror(byz, g, group, m.vote);
      if (this.mode === 'equivocate' && this.rng.chance(0.01)) {
        // Malformed bytes: the codec must refuse them with a typed error, never crash the node.
        const junk = sha256(utf8(`junk${nowMs}`)).slice(0, this.rng.int(0, 32));
        this.env.send(byz, this.rng.pick(this.correct), this.rng.chance(0.5) ? junk : Uint8Array.from([1, this.rng.int(1, 3), ...junk]));
      }
    }
  }

  private mirror(byz: number, g: number, group: readonly number[], seen: SignedVote): void {
    const key = `v/${byz}/${g}/${seen.height}/${seen.round}/${seen.step}`;
    if (this.done.has(key)) return;
    this.done.add(key);
    let value = seen.blockHash;
    if (this.mode === 'equivocate' && this.rng.chance(0.1)) value = this.rng.chance(0.5) ? null : sha256(utf8(`nothing${this.rng.next()}`));
    const unsigned = { step: seen.step, height: seen.height, round: seen.round, blockHash: value };
    const signer = this.env.signers[byz]!;
    const vote: SignedVote = { ...unsigned, validator: signer.publicKey, signature: signer.sign(signedVoteBytes(this.env.chainId, unsigned)) };
    this.sendTo(byz, group, { type: 'vote', vote });
  }

  private maybePropose(byz: number, g: number, group: readonly number[], height: number, round: number, nowMs: number): void {
    const signer = this.env.signers[byz]!;
    if (toHex(proposerAt(this.env.set, height, round)) !== toHex(signer.publicKey)) return;
    const key = `p/${byz}/${g}/${height}/${round}`;
    if (this.done.has(key)) return;
    const base = group.map((i) => this.env.chains[i]!).find((c) => c.height === height - 1);
    if (!base) return;
    this.done.add(key);
    // Each group gets a different block: another time and another transaction order.
    let block = base.build(signer.publicKey, nowMs + 7 * g + round, 2, g);
    if (this.mode === 'equivocate' && this.rng.chance(0.2)) block = corruptBlock(block, this.rng.int(0, 2), this.env.keys[byz]!);
    const unsigned = { height, round, polRound: -1, blockHash: blockHash(block.header) };
    const proposal: SignedProposal = { ...unsigned, proposer: signer.publicKey, signature: signer.sign(proposalSigningBytes(this.env.chainId, unsigned)) };
    this.sendTo(byz, group, { type: 'proposal', proposal, block });
  }
}

