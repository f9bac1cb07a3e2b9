/**
 * The light client: decides whether a name (or its absence) is proved by a finalised header.
 * Three checks, nothing trusted from the server: the commit certificate carries precommits from
 * more than 2/3 of the genesis validators' power for the header's hash; the state proof leads
 * from the header's state root to the name's key; the value beside the proof hashes to the leaf.
 */
import { z } from 'zod';
import { DcbtError } from '../errors.ts';
import { blockHash, decodeCommit, decodeHeader, decodeNameRecord, encodeCommit, encodeHeader, validatorsHash, voteSigningBytes, VoteStep } from './codec.ts';
import { verify as verifyEd25519 } from './crypto.ts';
import { bytesEqual, compareBytes, fromHex, sha256, toHex } from './hash.ts';
import { nameKey } from './keys.ts';
import { verifyStateProof } from './proof.ts';
import type { BlockHeader, Bytes, CommitCertificate, Genesis, NameRecord } from './types.ts';

export const PROOF_FORMAT_VERSION = 1;

const hex = z.string().regex(/^([0-9a-f]{2})*$/, 'lower-case hex');
export const ProofBundleSchema = z.strictObject({
  version: z.literal(PROOF_FORMAT_VERSION),
  chainId: z.string(),
  name: z.string().min(1).max(63),
  header: hex,
  commit: hex,
  proof: hex,
  value: hex.nullable(),
});
export type ProofBundleJson = z.infer<typeof ProofBundleSchema>;

export function proofBundleToJson(b: { name: string; header: BlockHeader; commit: CommitCertificate; proof: Bytes; value: Bytes | undefined }): ProofBundleJson {
  return {
    version: PROOF_FORMAT_VERSION,
    chainId: b.header.chainId,
    name: b.name,
    header: toHex(encodeHeader(b.header)),
    commit: toHex(encodeCommit(b.commit)),
    proof: toHex(b.proof),
    value: b.value ? toHex(b.value) : null,
  };
}

export type ProofRejectReason = 'format' | 'chain' | 'validators' | 'certificate' | 'quorum' | 'state-proof' | 'value';

export class ProofRejected extends DcbtError<'PROOF_REJECTED', { reason: ProofRejectReason }> {
  constructor(reason: ProofRejectReason, message: string, options?: { cause?: unknown }) {
    super('PROOF_REJECTED', message, { reason }, options);
  }
}

export interface VerifiedName {
  readonly name: string;
  readonly height: number;
  readonly blockHash: string;
  readonly exists: boolean;
  readonly record?: NameRecord;
}

export type SignatureVerifier = (publicKey: Bytes, message: Bytes, signature: Bytes) => boolean;

/** Precommits from validators holding more than 2/3 of the power, for this header's hash. */
export function verifyCommit(genesis: Genesis, header: BlockHeader, commit: CommitCertificate, verifySig: SignatureVerifier = verifyEd25519): void {
  const hash = blockHash(header);
  if (commit.height !== header.height || !bytesEqual(commit.blockHash, hash)) {
    throw new ProofRejected('certificate', `the commit certificate is for block ${commit.height} ${toHex(commit.blockHash)}, not for this header (${header.height} ${toHex(hash)})`);
  }
  if (!bytesEqual(header.validatorsHash, validatorsHash(genesis.validators))) {
    throw new ProofRejected('validators', 'the header names a validator set other than this chain\'s genesis validators');
  }
  const total = genesis.validators.reduce((sum, v) => sum + v.power, 0);
  const message = voteSigningBytes(genesis.chainId, VoteStep.PRECOMMIT, commit.height, commit.round, hash);
  let signed = 0;
  let previous: Bytes | undefined;
  for (const s of commit.signatures) {
    // Strictly increasing keys: one signature per validator (a repeated one must not count twice) in the one encodable order.
    if (previous && compareBytes(previous, s.validator) >= 0) {
      throw new ProofRejected('certificate', `the certificate's signatures are not in strictly increasing validator-key order at ${toHex(s.validator)} (a repeated or unsorted signature)`);
    }
    previous = s.validator;
    const validator = genesis.validators.find((v) => bytesEqual(v.publicKey, s.validator));
    if (!validator) throw new ProofRejected('certificate', `the certificate carries a signature by ${toHex(s.validator)}, who is not a validator`);
    if (!verifySig(s.validator, message, s.signature)) throw new ProofRejected('certificate', `the precommit signature of validator ${toHex(s.validator)} does not verify`);
    signed += validator.power;
  }
  if (3 * signed <= 2 * total) {
    throw new ProofRejected('quorum', `precommits carry ${signed} of ${total} voting power; finality needs more than two thirds`);
  }
}

export function verifyNameProof(input: unknown, genesis: Genesis, verifySig: SignatureVerifier = verifyEd25519): VerifiedName {
  const parsed = ProofBundleSchema.safeParse(input);
  if (!parsed.success) throw new ProofRejected('format', `not a DCBT name proof: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const b = parsed.data;
  if (b.chainId !== genesis.chainId) throw new ProofRejected('chain', `the proof is for chain "${b.chainId}", not "${genesis.chainId}"`);
  let header: BlockHeader;
  let commit: CommitCertificate;
  try {
    header = decodeHeader(fromHex(b.header));
    commit = decodeCommit(fromHex(b.commit));
  } catch (error) {
    throw new ProofRejected('format', `the header or certificate does not decode: ${(error as Error).message}`, { cause: error });
  }
  if (header.chainId !== genesis.chainId) throw new ProofRejected('chain', `the header is for chain "${header.chainId}", not "${genesis.chainId}"`);
  verifyCommit(genesis, header, commit, verifySig);
  let result;
  try {
    result = verifyStateProof(header.stateRoot, nameKey(b.name), fromHex(b.proof));
  } catch (error) {
    throw new ProofRejected('state-proof', `the state proof does not lead to the header's state root: ${(error as Error).message}`, { cause: error });
  }
  const base = { name: b.name, height: header.height, blockHash: toHex(blockHash(header)) };
  if (!result.exists) {
    if (b.value !== null) throw new ProofRejected('value', 'the proof shows the name is absent, but a value came with it');
    return { ...base, exists: false };
  }
  if (b.value === null) throw new ProofRejected('value', 'the proof shows the name exists, but no value came with it');
  const value = fromHex(b.value);
  if (!bytesEqual(sha256(value), result.value)) throw new ProofRejected('value', 'the value does not match the hash the state proof commits to');
  let record: NameRecord;
  try {
    record = decodeNameRecord(value);
  } catch (error) {
    throw new ProofRejected('value', `the proved value is not a name record: ${(error as Error).message}`, { cause: error });
  }
  if (record.name !== b.name) throw new ProofRejected('value', `the proved record is for "${record.name}", not "${b.name}"`);
  return { ...base, exists: true, record };
}
