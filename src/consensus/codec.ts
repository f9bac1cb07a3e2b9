/**
 * The wire and disk encodings of consensus data, built on the chain codec's rules: fixed-width
 * big-endian integers, one encoding per value, decoders that refuse anything the encoder would
 * not produce and check sizes before allocating. Decoders throw only CodecError.
 */
import { BLOCK_SIZE_BYTES_MAX, CodecError, decodeBlock, encodeBlock, Reader, voteSigningBytes, VoteStep, Writer } from '../chain/codec.ts';
import { compareBytes, sha256, utf8 } from '../chain/hash.ts';
import type { Block, Bytes } from '../chain/types.ts';
import type { ConsensusMessage, Evidence, PersistedState, SignedProposal, SignedVote, Step } from './types.ts';

export const CONSENSUS_FORMAT_VERSION = 1;

const KIND_PROPOSAL = 1;
const KIND_VOTE = 2;
const KIND_EVIDENCE = 3;
const EVIDENCE_DUPLICATE_VOTE = 1;
const EVIDENCE_DUPLICATE_PROPOSAL = 2;

const VOTE_BODY_BYTES = 1 + 8 + 4 + 32 + 32 + 64;
const PROPOSAL_BODY_BYTES = 8 + 4 + 4 + 32 + 32 + 64;
/** A vote message is always this long. */
export const VOTE_MESSAGE_SIZE_BYTES = 2 + VOTE_BODY_BYTES;
/** An evidence message: two signed votes or two signed proposals (without blocks). */
export const EVIDENCE_MESSAGE_SIZE_BYTES_MAX = 3 + 2 * Math.max(VOTE_BODY_BYTES, PROPOSAL_BODY_BYTES);
/** A proposal carries its block. */
export const PROPOSAL_MESSAGE_SIZE_BYTES_MAX = 2 + PROPOSAL_BODY_BYTES + 4 + BLOCK_SIZE_BYTES_MAX;
export const CONSENSUS_MESSAGE_SIZE_BYTES_MAX = PROPOSAL_MESSAGE_SIZE_BYTES_MAX;
/** Own votes kept in a persisted state: 2 per round over at most this / 2 rounds. */
export const PERSISTED_VOTES_COUNT_MAX = 1024;
export const PERSISTED_STATE_SIZE_BYTES_MAX = 64 + 2 * PERSISTED_VOTES_COUNT_MAX * VOTE_BODY_BYTES + 3 * (PROPOSAL_BODY_BYTES + 8 + BLOCK_SIZE_BYTES_MAX);

const ZERO_HASH = new Uint8Array(32);
const PROPOSAL_TAG = utf8('dcbt/proposal\0');
const EVIDENCE_TAG = utf8('dcbt/evidence\0');
/** Rounds are u32 on the wire; polRound is stored as polRound + 1 so -1 fits. */
const ROUND_MAX = 0xfffffffe;

const STEPS: readonly Step[] = ['propose', 'prevote', 'precommit'];

/** The bytes a proposer signs: the block is bound through its header hash. */
export function proposalSigningBytes(chainId: string, p: Pick<SignedProposal, 'height' | 'round' | 'polRound' | 'blockHash'>): Bytes {
  const w = new Writer(96);
  w.raw(PROPOSAL_TAG).str8(chainId).u64(p.height).u32(p.round).u32(p.polRound + 1).fixed(p.blockHash, 32);
  return w.finish();
}

export function signedVoteBytes(chainId: string, v: Pick<SignedVote, 'step' | 'height' | 'round' | 'blockHash'>): Bytes {
  return voteSigningBytes(chainId, v.step, v.height, v.round, v.blockHash ?? ZERO_HASH);
}

// ---- votes and proposals -----------------------------------------------------------------------

function writeVote(w: Writer, v: SignedVote): void {
  w.u8(v.step).u64(v.height).u32(v.round).fixed(v.blockHash ?? ZERO_HASH, 32).fixed(v.validator, 32).fixed(v.signature, 64);
}

function readVote(r: Reader): SignedVote {
  const step = r.u8();
  if (step !== VoteStep.PREVOTE && step !== VoteStep.PRECOMMIT) r.fail(`unknown vote step ${step}`);
  const height = r.u64();
  const round = r.u32();
  if (round > ROUND_MAX) r.fail(`round ${round} out of range`);
  const hash = r.fixed(32);
  return { step, height, round, blockHash: compareBytes(hash, ZERO_HASH) === 0 ? null : hash, validator: r.fixed(32), signature: r.fixed(64) };
}

function writeProposal(w: Writer, p: SignedProposal): void {
  if (p.polRound < -1 || p.polRound >= ROUND_MAX || p.round > ROUND_MAX) throw new RangeError(`proposal rounds out of range: ${p.round}/${p.polRound}`);
  w.u64(p.height).u32(p.round).u32(p.polRound + 1).fixed(p.blockHash, 32).fixed(p.proposer, 32).fixed(p.signature, 64);
}

function readProposal(r: Reader): SignedProposal {
  const height = r.u64();
  const round = r.u32();
  if (round > ROUND_MAX) r.fail(`round ${round} out of range`);
  const polRound = r.u32() - 1;
  if (polRound >= ROUND_MAX) r.fail(`polRound ${polRound} out of range`);
  return { height, round, polRound, blockHash: r.fixed(32), proposer: r.fixed(32), signature: r.fixed(64) };
}

function writeBlock(w: Writer, block: Block): void {
  w.bytes32(encodeBlock(block));
}

function readBlock(r: Reader): Block {
  return decodeBlock(r.bytes32(BLOCK_SIZE_BYTES_MAX));
}

// ---- evidence ----------------------------------------------------------------------------------

function voteOrderBytes(v: SignedVote): Bytes {
  return new Writer(VOTE_BODY_BYTES).u8(v.step).u64(v.height).u32(v.round).fixed(v.blockHash ?? ZERO_HASH, 32).finish();
}

function proposalOrderBytes(p: SignedProposal): Bytes {
  return new Writer(PROPOSAL_BODY_BYTES).u64(p.height).u32(p.round).u32(p.polRound + 1).fixed(p.blockHash, 32).finish();
}

/** Puts the pair in its one order (a before b). */
export function duplicateVoteEvidence(x: SignedVote, y: SignedVote): Evidence {
  return compareBytes(voteOrderBytes(x), voteOrderBytes(y)) < 0 ? { kind: 'duplicate-vote', a: x, b: y } : { kind: 'duplicate-vote', a: y, b: x };
}

export function duplicateProposalEvidence(x: SignedProposal, y: SignedProposal): Evidence {
  return compareBytes(proposalOrderBytes(x), proposalOrderBytes(y)) < 0 ? { kind: 'duplicate-proposal', a: x, b: y } : { kind: 'duplicate-proposal', a: y, b: x };
}

function writeEvidence(w: Writer, e: Evidence): void {
  if (e.kind === 'duplicate-vote') {
    w.u8(EVIDENCE_DUPLICATE_VOTE);
    writeVote(w, e.a);
    writeVote(w, e.b);
  } else {
    w.u8(EVIDENCE_DUPLICATE_PROPOSAL);
    writeProposal(w, e.a);
    writeProposal(w, e.b);
  }
}

function readEvidence(r: Reader): Evidence {
  const kind = r.u8();
  if (kind === EVIDENCE_DUPLICATE_VOTE) {
    const a = readVote(r);
    const b = readVote(r);
    if (compareBytes(voteOrderBytes(a), voteOrderBytes(b)) >= 0) r.fail('evidence votes not in canonical order');
    return { kind: 'duplicate-vote', a, b };
  }
  if (kind === EVIDENCE_DUPLICATE_PROPOSAL) {
    const a = readProposal(r);
    const b = readProposal(r);
    if (compareBytes(proposalOrderBytes(a), proposalOrderBytes(b)) >= 0) r.fail('evidence proposals not in canonical order');
    return { kind: 'duplicate-proposal', a, b };
  }
  return r.fail(`unknown evidence kind ${kind}`);
}

export function encodeEvidence(e: Evidence): Bytes {
  const w = new Writer(EVIDENCE_MESSAGE_SIZE_BYTES_MAX);
  w.u8(CONSENSUS_FORMAT_VERSION);
  writeEvidence(w, e);
  return w.finish();
}

export function decodeEvidence(bytes: Bytes): Evidence {
  if (bytes.length > EVIDENCE_MESSAGE_SIZE_BYTES_MAX) throw new CodecError('evidence', 0, `size ${bytes.length} exceeds ${EVIDENCE_MESSAGE_SIZE_BYTES_MAX} bytes`);
  const r = new Reader(bytes, 'evidence');
  const version = r.u8();
  if (version !== CONSENSUS_FORMAT_VERSION) r.fail(`unknown format version ${version}`);
  const e = readEvidence(r);
  r.end();
  return e;
}

/** The evidence's identity on chain (and for de-duplication in gossip). */
export function evidenceHash(e: Evidence): Bytes {
  return sha256(EVIDENCE_TAG, encodeEvidence(e));
}

// ---- messages ----------------------------------------------------------------------------------

export function encodeConsensusMessage(m: ConsensusMessage): Bytes {
  const w = new Writer(m.type === 'proposal' ? 512 : m.type === 'vote' ? VOTE_MESSAGE_SIZE_BYTES : EVIDENCE_MESSAGE_SIZE_BYTES_MAX);
  w.u8(CONSENSUS_FORMAT_VERSION);
  switch (m.type) {
    case 'proposal':
      w.u8(KIND_PROPOSAL);
      writeProposal(w, m.proposal);
      writeBlock(w, m.block);
      break;
    case 'vote':
      w.u8(KIND_VOTE);
      writeVote(w, m.vote);
      break;
    case 'evidence':
      w.u8(KIND_EVIDENCE);
      writeEvidence(w, m.evidence);
      break;
  }
  return w.finish();
}

/** Decodes one network message; throws CodecError (and nothing else) for anything malformed. */
export function decodeConsensusMessage(bytes: Bytes): ConsensusMessage {
  if (bytes.length > CONSENSUS_MESSAGE_SIZE_BYTES_MAX) throw new CodecError('consensus message', 0, `size ${bytes.length} exceeds ${CONSENSUS_MESSAGE_SIZE_BYTES_MAX} bytes`);
  const r = new Reader(bytes, 'consensus message');
  const version = r.u8();
  if (version !== CONSENSUS_FORMAT_VERSION) r.fail(`unknown format version ${version}`);
  const kind = r.u8();
  let m: ConsensusMessage;
  switch (kind) {
    case KIND_PROPOSAL:
      m = { type: 'proposal', proposal: readProposal(r), block: readBlock(r) };
      break;
    case KIND_VOTE:
      if (bytes.length !== VOTE_MESSAGE_SIZE_BYTES) r.fail(`a vote message is ${VOTE_MESSAGE_SIZE_BYTES} bytes, not ${bytes.length}`);
      m = { type: 'vote', vote: readVote(r) };
      break;
    case KIND_EVIDENCE:
      if (bytes.length > EVIDENCE_MESSAGE_SIZE_BYTES_MAX) r.fail(`evidence message exceeds ${EVIDENCE_MESSAGE_SIZE_BYTES_MAX} bytes`);
      m = { type: 'evidence', evidence: readEvidence(r) };
      break;
    default:
      return r.fail(`unknown message kind ${kind}`);
  }
  r.end();
  return m;
}

// ---- persisted state ---------------------------------------------------------------------------

function writeRoundBlock(w: Writer, v: { readonly round: number; readonly block: Block } | null): void {
  if (!v) {
    w.u8(0);
    return;
  }
  w.u8(1).u32(v.round);
  writeBlock(w, v.block);
}

function readRoundBlock(r: Reader): { round: number; block: Block } | null {
  const flag = r.u8();
  if (flag === 0) return null;
  if (flag !== 1) r.fail(`bad presence flag ${flag}`);
  return { round: r.u32(), block: readBlock(r) };
}

function writeVotes(w: Writer, votes: readonly SignedVote[]): void {
  if (votes.length > PERSISTED_VOTES_COUNT_MAX) throw new RangeError(`at most ${PERSISTED_VOTES_COUNT_MAX} persisted votes`);
  w.u16(votes.length);
  for (const v of votes) writeVote(w, v);
}

function readVotes(r: Reader): SignedVote[] {
  const n = r.u16();
  if (n > PERSISTED_VOTES_COUNT_MAX) r.fail(`${n} votes exceed ${PERSISTED_VOTES_COUNT_MAX}`);
  const votes: SignedVote[] = [];
  for (let i = 0; i < n; i++) votes.push(readVote(r));
  return votes;
}

export function encodePersistedState(s: PersistedState): Bytes {
  const w = new Writer(1024);
  w.u8(CONSENSUS_FORMAT_VERSION).u64(s.height).u32(s.round).u8(STEPS.indexOf(s.step));
  writeRoundBlock(w, s.locked);
  writeRoundBlock(w, s.valid);
  if (s.valid) writeVotes(w, s.valid.polka);
  writeVotes(w, s.votes);
  if (s.proposal) {
    w.u8(1);
    writeProposal(w, s.proposal.proposal);
    writeBlock(w, s.proposal.block);
  } else {
    w.u8(0);
  }
  return w.finish();
}

export function decodePersistedState(bytes: Bytes): PersistedState {
  if (bytes.length > PERSISTED_STATE_SIZE_BYTES_MAX) throw new CodecError('persisted consensus state', 0, `size ${bytes.length} exceeds ${PERSISTED_STATE_SIZE_BYTES_MAX} bytes`);
  const r = new Reader(bytes, 'persisted consensus state');
  const version = r.u8();
  if (version !== CONSENSUS_FORMAT_VERSION) r.fail(`unknown format version ${version}`);
  const height = r.u64();
  const round = r.u32();
  const step = STEPS[r.u8()] ?? r.fail('unknown step');
  const locked = readRoundBlock(r);
  const validBlock = readRoundBlock(r);
  const valid = validBlock && { ...validBlock, polka: readVotes(r) };
  const votes = readVotes(r);
  const flag = r.u8();
  let proposal: PersistedState['proposal'] = null;
  if (flag === 1) proposal = { proposal: readProposal(r), block: readBlock(r) };
  else if (flag !== 0) r.fail(`bad presence flag ${flag}`);
  r.end();
  return { height, round, step, locked, valid, votes, proposal };
}
