/**
 * The naming chain's data model. Everything here is plain data: the codec (`codec.ts`) gives each
 * value exactly one byte encoding, and hashes are taken over those bytes.
 *
 * Units are in names: `…Ms` milliseconds, `…Blocks` a count of blocks, `…Bytes` bytes.
 */

export type Bytes = Uint8Array;

/** Transaction kinds, by their wire tag. */
export const TxType = {
  COMMIT: 1,
  REGISTER: 2,
  UPDATE: 3,
  TRANSFER: 4,
  RENEW: 5,
  EVIDENCE: 6,
} as const;
export type TxType = (typeof TxType)[keyof typeof TxType];
export type TxTypeName = keyof typeof TxType;

/**
 * One DNS record owned by a name. `host` is relative to the registered name: '' is the name
 * itself, 'www' is www.<name>.<apex>, '_443._tcp' is a TLSA owner. `rdata` is the RR's RDATA in
 * DNS wire format, uncompressed, with any domain names inside it in lower case — so the DNS
 * server can serve it as it is and the encoding stays canonical.
 */
export interface DnsRecord {
  readonly host: string;
  readonly type: number;
  readonly rdata: Bytes;
}

export interface CommitPayload {
  readonly type: typeof TxType.COMMIT;
  /** commitmentHash(name, owner, salt): hides the name until REGISTER reveals it. */
  readonly commitment: Bytes;
}
export interface RegisterPayload {
  readonly type: typeof TxType.REGISTER;
  /** The label in A-label form (already normalised; the rules refuse anything else). */
  readonly name: string;
  readonly salt: Bytes;
  readonly records: readonly DnsRecord[];
}
export interface UpdatePayload {
  readonly type: typeof TxType.UPDATE;
  readonly name: string;
  readonly records: readonly DnsRecord[];
}
export interface TransferPayload {
  readonly type: typeof TxType.TRANSFER;
  readonly name: string;
  readonly to: Bytes;
}
export interface RenewPayload {
  readonly type: typeof TxType.RENEW;
  readonly name: string;
}
/** Reports a validator's equivocation; anyone may send it (see `src/chain/evidence.ts`). */
export interface EvidencePayload {
  readonly type: typeof TxType.EVIDENCE;
  /** encodeEvidence(evidence): two conflicting messages signed by one validator. */
  readonly evidence: Bytes;
}
export type TxPayload = CommitPayload | RegisterPayload | UpdatePayload | TransferPayload | RenewPayload | EvidencePayload;
/** Payloads about one name (all but COMMIT, which hides it, and EVIDENCE). */
export type NamePayload = RegisterPayload | UpdatePayload | TransferPayload | RenewPayload;

/** The name a transaction is about, if it names one in the clear. */
export function payloadName(p: TxPayload): string | undefined {
  return p.type === TxType.COMMIT || p.type === TxType.EVIDENCE ? undefined : p.name;
}

/** The part of a transaction the hashcash stamp and the signature cover. */
export interface TxBody {
  readonly chainId: string;
  /** Ed25519 public key, 32 bytes. */
  readonly account: Bytes;
  readonly nonce: number;
  readonly payload: TxPayload;
}

export interface Tx extends TxBody {
  /** Hashcash: sha256(stampPreimage(body) ‖ stamp) has at least `params.powBits` leading zero bits. */
  readonly stamp: bigint;
  /** Ed25519 signature over signingBytes(body, stamp), 64 bytes. */
  readonly signature: Bytes;
}

export interface BlockHeader {
  readonly chainId: string;
  readonly height: number;
  /** Proposer's wall clock; strictly greater than the parent's. */
  readonly timeMs: number;
  readonly prevHash: Bytes;
  /** Merkle root over the transaction ids, in block order. */
  readonly txRoot: Bytes;
  /** Root of the authenticated state tree after this block's transactions are applied. */
  readonly stateRoot: Bytes;
  /** Hash of the validator set that must sign this block's commit. */
  readonly validatorsHash: Bytes;
  readonly proposer: Bytes;
}

export interface Block {
  readonly header: BlockHeader;
  readonly txs: readonly Tx[];
}

/** A validator's precommit signature for one block. */
export interface CommitSignature {
  readonly validator: Bytes;
  readonly signature: Bytes;
}

/**
 * The proof that a block is final: precommits for `blockHash` at (height, round) from validators
 * holding more than 2/3 of the voting power. With one validator that is its own signature.
 */
export interface CommitCertificate {
  readonly height: number;
  readonly round: number;
  readonly blockHash: Bytes;
  readonly signatures: readonly CommitSignature[];
}

export interface Validator {
  readonly publicKey: Bytes;
  readonly power: number;
}

/** Name lifecycle as seen at a given time. */
export type NameStatus = 'active' | 'grace' | 'expired';

/** The value stored in the state tree under nameKey(name). */
export interface NameRecord {
  readonly name: string;
  readonly owner: Bytes;
  readonly records: readonly DnsRecord[];
  readonly registeredHeight: number;
  readonly updatedHeight: number;
  /** After this the name is in grace: it stops resolving but the owner may still renew. */
  readonly expiresAtMs: number;
}

/** The value stored under commitKey(commitment). */
export interface CommitmentRecord {
  readonly account: Bytes;
  readonly height: number;
}

/** The value stored under accountKey(publicKey). */
export interface AccountRecord {
  readonly nonce: number;
}

export type EvidenceKind = 'duplicate-vote' | 'duplicate-proposal';

/**
 * The value stored under evidenceKey(evidenceHash): a validator's equivocation as recorded on
 * chain. Its presence is what stops the same evidence from being included twice; governance
 * decides what follows from it.
 */
export interface EvidenceRecord {
  readonly kind: EvidenceKind;
  readonly offender: Bytes;
  /** Height and round of the two conflicting messages. */
  readonly height: number;
  readonly round: number;
  /** The offender's voting power at that height. */
  readonly power: number;
  /** Height of the block that included the EVIDENCE transaction. */
  readonly includedHeight: number;
  /** The account that sent it. */
  readonly reporter: Bytes;
}

/** Chain parameters, fixed in genesis (governance changes them in a later issue). */
export interface ChainParams {
  /** Leading zero bits the hashcash stamp needs. */
  readonly powBits: number;
  readonly commitMinBlocks: number;
  readonly commitMaxBlocks: number;
  readonly registrationPeriodMs: number;
  readonly gracePeriodMs: number;
  /** Cap on a name's encoded record set. */
  readonly recordsSizeBytesMax: number;
  readonly blockTxCountMax: number;
  readonly blockIntervalMs: number;
  /** TTL the DNS server gives chain records. */
  readonly recordTtlSeconds: number;
  /**
   * Evidence of equivocation is accepted on chain up to this many blocks below the including
   * block. Optional so genesis files written before it keep their hash;
   * absent = EVIDENCE_MAX_AGE_BLOCKS_DEFAULT.
   */
  readonly evidenceMaxAgeBlocks?: number;
}

export const EVIDENCE_MAX_AGE_BLOCKS_DEFAULT = 100_000;

export function evidenceMaxAgeBlocks(params: ChainParams): number {
  return params.evidenceMaxAgeBlocks ?? EVIDENCE_MAX_AGE_BLOCKS_DEFAULT;
}

/** A server named in the apex NS RRset; in-zone hosts carry their addresses (glue). */
export interface GenesisNameserver {
  readonly host: string;
  readonly ipv4?: string;
  readonly ipv6?: string;
}

/**
 * The zone's DNSSEC key set as chain data: the DNSKEY RDATAs (the KSK and every node's ZSK) and
 * the KSK's RRSIG over them, all hex. Nodes sign with their own ZSK; none holds another's.
 */
export interface GenesisKeyset {
  readonly dnskeys: readonly string[];
  readonly ttlSeconds: number;
  readonly rrsig: string;
}

export interface Genesis {
  readonly chainId: string;
  /** Fully qualified, lower case, ending in a dot: 'dcbt.test.'. */
  readonly apex: string;
  readonly timeMs: number;
  readonly params: ChainParams;
  readonly validators: readonly Validator[];
  /** Labels (A-label form) nobody can register. */
  readonly reservedNames: readonly string[];
  /** The apex NS RRset (and glue); empty = the zone names no server of its own. */
  readonly nameservers?: readonly GenesisNameserver[];
  readonly dnssec?: { readonly keyset: GenesisKeyset };
}

export const DEVNET_PARAMS: ChainParams = {
  powBits: 12,
  commitMinBlocks: 1,
  commitMaxBlocks: 10_000,
  registrationPeriodMs: 365 * 24 * 3600 * 1000,
  gracePeriodMs: 30 * 24 * 3600 * 1000,
  recordsSizeBytesMax: 2048,
  blockTxCountMax: 5000,
  blockIntervalMs: 1000,
  recordTtlSeconds: 300,
  evidenceMaxAgeBlocks: EVIDENCE_MAX_AGE_BLOCKS_DEFAULT,
};
