/**
 * What must hold in every run, checked as the run goes (each final block, each signed message,
 * each piece of evidence) and at its end (liveness):
 *
 * - agreement: no two different blocks are final at one height, on any correct node;
 * - validity: every final block is a valid next block (the ledger's `applyBlock` and the state
 *   root) and its certificate passes the light client's `verifyCommit`;
 * - no equivocation by correct validators: a correct validator never signs two different votes
 *   for one (height, round, step) or two proposals for one (height, round) — across crashes and
 *   restarts, so this checks the persist-before-send contract;
 * - evidence is sound: it verifies, and names only Byzantine validators;
 * - liveness after heal: every correct validator finalises a block within `firstBoundMs` of the
 *   heal, then at least every `gapBoundMs` until the end.
 */
import { blockHash } from '../chain/codec.ts';
import { toHex } from '../chain/hash.ts';
import { verifyCommit } from '../chain/light.ts';
import type { Block, CommitCertificate, Genesis } from '../chain/types.ts';
import { verifyEvidence } from '../consensus/evidence.ts';
import type { ConsensusMessage, Evidence, SignatureVerifier, ValidatorsAt } from '../consensus/types.ts';
import { SimChain, type TxPool } from './chain.ts';

export type ViolationKind = 'agreement' | 'validity' | 'equivocation' | 'evidence' | 'liveness' | 'crash';

export interface Violation {
  readonly kind: ViolationKind;
  readonly atMs: number;
  readonly message: string;
}

export interface LivenessBounds {
  readonly firstBoundMs: number;
  readonly gapBoundMs: number;
}

/** Violations kept per run: the first few say what went wrong. */
const VIOLATIONS_MAX = 20;

export class Checker {
  readonly violations: Violation[] = [];
  readonly finalTimes = new Map<number, number[]>();
  private readonly genesis: Genesis;
  private readonly verify: SignatureVerifier;
  private readonly validatorsAt: ValidatorsAt;
  private readonly byzantine: ReadonlySet<string>;
  private readonly finals = new Map<number, string>();
  private readonly reference: SimChain;
  private referenceBroken = false;
  private readonly signed = new Map<string, string>();
  evidenceCount = 0;

  constructor(genesis: Genesis, pool: TxPool, verify: SignatureVerifier, validatorsAt: ValidatorsAt, byzantineKeys: ReadonlySet<string>) {
    this.genesis = genesis;
    this.verify = verify;
    this.validatorsAt = validatorsAt;
    this.byzantine = byzantineKeys;
    this.reference = new SimChain(genesis, pool);
  }

  get ok(): boolean {
    return this.violations.length === 0;
  }

  fail(kind: ViolationKind, atMs: number, message: string): void {
    if (this.violations.length < VIOLATIONS_MAX) this.violations.push({ kind, atMs, message });
  }

  /** A correct node made `block` final (by its own decision or by block sync). */
  onFinal(node: number, block: Block, certificate: CommitCertificate, atMs: number): void {
    const height = block.header.height;
    let hash: string;
    try {
      verifyCommit(this.genesis, block.header, certificate, this.verify);
      hash = toHex(certificate.blockHash); // verifyCommit checked it is this block's
    } catch (error) {
      this.fail('validity', atMs, `node ${node}: the certificate of block ${height} does not verify: ${(error as Error).message}`);
      hash = toHex(blockHash(block.header));
    }
    const known = this.finals.get(height);
    if (known === undefined) {
      this.finals.set(height, hash);
      if (!this.referenceBroken) {
        const reason = this.reference.height === height - 1 ? this.reference.check(block) : `the reference chain is at ${this.reference.height}`;
        if (reason) {
          this.referenceBroken = true;
          this.fail('validity', atMs, `node ${node}: final block ${height} is not a valid next block: ${reason}`);
        } else {
          this.reference.commit(block, certificate);
        }
      }
    } else if (known !== hash) {
      this.fail('agreement', atMs, `node ${node} finalised block ${hash.slice(0, 16)}… at height ${height}, another node finalised ${known.slice(0, 16)}…`);
    }
    let times = this.finalTimes.get(node);
    if (!times) this.finalTimes.set(node, (times = []));
    times.push(atMs);
  }

  /** Every message a correct validator sends. */
  onSend(node: number, m: ConsensusMessage, atMs: number): void {
    let key: string;
    let value: string;
    if (m.type === 'vote') {
      const v = m.vote;
      key = `v/${toHex(v.validator)}/${v.height}/${v.round}/${v.step}`;
      value = v.blockHash ? toHex(v.blockHash) : 'nil';
    } else if (m.type === 'proposal') {
      const p = m.proposal;
      key = `p/${toHex(p.proposer)}/${p.height}/${p.round}`;
      value = `${toHex(p.blockHash)}/${p.polRound}`;
    } else {
      return;
    }
    if (this.byzantine.has(key.split('/')[1]!)) return; // relayed Byzantine votes (last-commit gossip) are not ours to judge
    const before = this.signed.get(key);
    if (before === undefined) this.signed.set(key, value);
    else if (before !== value) this.fail('equivocation', atMs, `node ${node} sent two different signed messages for ${key} (${before.slice(0, 12)}… and ${value.slice(0, 12)}…)`);
  }

  onEvidence(node: number, e: Evidence, atMs: number): void {
    this.evidenceCount++;
    try {
      const v = verifyEvidence(e, { chainId: this.genesis.chainId, validatorsAt: this.validatorsAt, verify: this.verify });
      if (!this.byzantine.has(toHex(v.offender))) this.fail('evidence', atMs, `node ${node} holds evidence against ${toHex(v.offender)}, a correct validator`);
    } catch (error) {
      this.fail('evidence', atMs, `node ${node} surfaced evidence that does not verify: ${(error as Error).message}`);
    }
  }

  /**
   * Judges liveness after the heal; returns the longest wait for a first block and between
   * blocks seen on any node (so a campaign can report how close runs come to the bounds).
   */
  checkLiveness(nodes: readonly number[], healMs: number, endMs: number, bounds: LivenessBounds): { firstMs: number; gapMs: number } {
    let firstMs = 0;
    let gapMs = 0;
    for (const node of nodes) {
      const times = (this.finalTimes.get(node) ?? []).filter((t) => t >= healMs);
      let last = healMs;
      let failed = false;
      for (const t of [...times, endMs]) {
        const first = last === healMs;
        const wait = t - last;
        if (first) firstMs = Math.max(firstMs, wait);
        else gapMs = Math.max(gapMs, wait);
        const bound = first ? bounds.firstBoundMs : bounds.gapBoundMs;
        if (wait > bound && !failed) {
          failed = true;
          this.fail('liveness', last, `node ${node} finalised nothing for ${wait} ms after ${first ? 'the heal' : 'its last block'} (bound ${bound} ms)`);
        }
        last = t;
      }
    }
    return { firstMs, gapMs };
  }

  /** The highest height any node finalised. */
  get finalHeight(): number {
    return this.finals.size;
  }
}
