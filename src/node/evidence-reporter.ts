/**
 * Puts evidence of equivocation on chain: when this validator's consensus engine surfaces
 * evidence, it sends an EVIDENCE transaction signed with the validator key, once per evidence hash.
 * Every correct validator that saw the equivocation reports it; the first transaction finalised
 * records it and the others are refused (`EVIDENCE_ALREADY_RECORDED`), which is expected.
 */
import type { KeyPair } from '../chain/crypto.ts';
import { encodeEvidence, evidenceHash, type Evidence } from '../chain/evidence.ts';
import { toHex } from '../chain/hash.ts';
import { LedgerError } from '../chain/ledger/errors.ts';
import { buildTx } from '../chain/tx.ts';
import { TxType } from '../chain/types.ts';
import type { ChainNode } from './node.ts';

/** Evidence hashes remembered as reported; the oldest is forgotten past this. */
export const EVIDENCE_REPORTED_ENTRIES_MAX = 4096;

/** The levels the reporter logs at (pino-shaped: details first). */
export interface ReporterLog {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
}

export type EvidenceReport =
  | { readonly status: 'submitted'; readonly txId: string }
  | { readonly status: 'already-reported' | 'already-recorded' }
  | { readonly status: 'failed'; readonly error: unknown };

export class EvidenceReporter {
  private readonly chain: ChainNode;
  private readonly key: KeyPair;
  private readonly log: ReporterLog;
  private readonly reported = new Set<string>();
  /** Reports run one after another: each takes the account's next nonce. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(chain: ChainNode, key: KeyPair, log: ReporterLog) {
    this.chain = chain;
    this.key = key;
    this.log = log;
  }

  /** Evidence hashes (hex) this node has sent a transaction for, or found recorded. */
  get reportedHashes(): ReadonlySet<string> {
    return this.reported;
  }

  report(evidence: Evidence): Promise<EvidenceReport> {
    const run = this.queue.then(() => this.send(evidence));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async send(evidence: Evidence): Promise<EvidenceReport> {
    const hash = evidenceHash(evidence);
    const id = toHex(hash);
    if (this.reported.has(id)) return { status: 'already-reported' };
    if (this.reported.size >= EVIDENCE_REPORTED_ENTRIES_MAX) this.reported.delete(this.reported.values().next().value!);
    this.reported.add(id);
    const details = { evidenceHash: id, kind: evidence.kind, height: evidence.a.height, round: evidence.a.round };
    try {
      if (await this.chain.getEvidence(hash)) {
        this.log.debug(details, 'evidence already on chain');
        return { status: 'already-recorded' };
      }
      const { genesis } = this.chain;
      const { next } = await this.chain.getAccountNonce(this.key.publicKey);
      const tx = buildTx({ chainId: genesis.chainId, account: this.key.publicKey, nonce: next, payload: { type: TxType.EVIDENCE, evidence: encodeEvidence(evidence) } }, this.key, genesis.params.powBits);
      const { txId } = await this.chain.submitTx(tx);
      this.log.info({ ...details, txId }, 'evidence of equivocation sent to the chain');
      return { status: 'submitted', txId };
    } catch (error) {
      if (error instanceof LedgerError && error.code === 'EVIDENCE_ALREADY_RECORDED') {
        // Another validator's report is already final or waiting in the mempool.
        this.log.debug({ ...details, code: error.code }, 'evidence already on chain or on its way');
        return { status: 'already-recorded' };
      }
      // Forget it, so the same evidence gossiped again gets another try.
      this.reported.delete(id);
      return { status: 'failed', error };
    }
  }
}
