/** JSON shapes the RPC returns: hex for bytes, ISO and ms for times, records in master-file text. */
import { blockHash, CodecError, txId } from '../chain/codec.ts';
import { decodeEvidence, evidenceHash } from '../chain/evidence.ts';
import { toHex } from '../chain/hash.ts';
import { displayName } from '../chain/names.ts';
import { formatRecord, type RecordText } from '../chain/records.ts';
import { TxType, type Block, type CommitCertificate, type EvidenceKind, type EvidenceRecord, type NameRecord, type NameStatus, type Tx, type TxTypeName } from '../chain/types.ts';

export interface NameJson {
  name: string;
  displayName: string;
  fqdn: string;
  owner: string;
  status: NameStatus;
  records: RecordText[];
  registeredHeight: number;
  updatedHeight: number;
  expiresAtMs: number;
  expiresAt: string;
}

export function nameJson(record: NameRecord, status: NameStatus, apex: string): NameJson {
  return {
    name: record.name,
    displayName: displayName(record.name),
    fqdn: `${record.name}.${apex}`,
    owner: toHex(record.owner),
    status,
    records: record.records.map(formatRecord),
    registeredHeight: record.registeredHeight,
    updatedHeight: record.updatedHeight,
    expiresAtMs: record.expiresAtMs,
    expiresAt: new Date(record.expiresAtMs).toISOString(),
  };
}

const TYPE_NAMES = Object.fromEntries(Object.entries(TxType).map(([k, v]) => [v, k])) as Record<number, TxTypeName>;

export interface TxJson {
  id: string;
  type: TxTypeName;
  account: string;
  nonce: number;
  name?: string;
  commitment?: string;
  to?: string;
  records?: RecordText[];
  evidence?: EvidenceSummaryJson | { hex: string };
}

/** What a piece of evidence shows, without its signatures. */
export interface EvidenceSummaryJson {
  hash: string;
  kind: EvidenceKind;
  offender: string;
  height: number;
  round: number;
}

function evidenceSummary(bytes: Uint8Array): EvidenceSummaryJson | { hex: string } {
  try {
    const e = decodeEvidence(bytes);
    const offender = e.kind === 'duplicate-vote' ? e.a.validator : e.a.proposer;
    return { hash: toHex(evidenceHash(e)), kind: e.kind, offender: toHex(offender), height: e.a.height, round: e.a.round };
  } catch (error) {
    // Only a pending or refused transaction can carry evidence that does not decode.
    if (error instanceof CodecError) return { hex: toHex(bytes) };
    throw error;
  }
}

export function txJson(tx: Tx): TxJson {
  const p = tx.payload;
  const base = { id: toHex(txId(tx)), type: TYPE_NAMES[p.type]!, account: toHex(tx.account), nonce: tx.nonce };
  switch (p.type) {
    case TxType.COMMIT:
      return { ...base, commitment: toHex(p.commitment) };
    case TxType.REGISTER:
    case TxType.UPDATE:
      return { ...base, name: p.name, records: p.records.map(formatRecord) };
    case TxType.TRANSFER:
      return { ...base, name: p.name, to: toHex(p.to) };
    case TxType.RENEW:
      return { ...base, name: p.name };
    case TxType.EVIDENCE:
      return { ...base, evidence: evidenceSummary(p.evidence) };
  }
}

export interface EvidenceJson extends EvidenceSummaryJson {
  power: number;
  includedHeight: number;
  /** Position of the EVIDENCE transaction in its block, when known. */
  index?: number;
  reporter: string;
}

export function evidenceJson(hash: string, record: EvidenceRecord, index?: number): EvidenceJson {
  return {
    hash,
    kind: record.kind,
    offender: toHex(record.offender),
    height: record.height,
    round: record.round,
    power: record.power,
    includedHeight: record.includedHeight,
    ...(index === undefined ? {} : { index }),
    reporter: toHex(record.reporter),
  };
}

export interface BlockJson {
  height: number;
  hash: string;
  timeMs: number;
  time: string;
  prevHash: string;
  txRoot: string;
  stateRoot: string;
  validatorsHash: string;
  proposer: string;
  txs: TxJson[];
  commit: { round: number; signatures: { validator: string; signature: string }[] };
}

export function blockJson(block: Block, commit: CommitCertificate): BlockJson {
  const h = block.header;
  return {
    height: h.height,
    hash: toHex(blockHash(h)),
    timeMs: h.timeMs,
    time: new Date(h.timeMs).toISOString(),
    prevHash: toHex(h.prevHash),
    txRoot: toHex(h.txRoot),
    stateRoot: toHex(h.stateRoot),
    validatorsHash: toHex(h.validatorsHash),
    proposer: toHex(h.proposer),
    txs: block.txs.map(txJson),
    commit: { round: commit.round, signatures: commit.signatures.map((s) => ({ validator: toHex(s.validator), signature: toHex(s.signature) })) },
  };
}
