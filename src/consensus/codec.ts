/**
 * The wire and disk encodings of consensus data, built on the chain codec's rules: fixed-width
 * big-endian integers, one encoding per value, decoders that refuse anything the encoder would
 * not produce and check sizes before allocating. Decoders throw only CodecError. Votes, proposals
 * and evidence are encoded by `src/chain/evidence.ts` (an EVIDENCE transaction carries them).
 */
import { BLOCK_SIZE_BYTES_MAX, CodecError, decodeBlock, encodeBlock, Reader, readHeader, txId, Writer, writeHeader } from '../chain/codec.ts';
import { EVIDENCE_FORMAT_VERSION, PROPOSAL_BODY_BYTES, readEvidence, readProposal, readVote, VOTE_BODY_BYTES, writeEvidence, writeProposal, writeVote } from '../chain/evidence.ts';
import type { Block, BlockHeader, Bytes } from '../chain/types.ts';
import type { SignedProposal } from '../chain/evidence.ts';
import type { ConsensusMessage, PersistedState, SignedVote, Step } from './types.ts';

export {
  decodeEvidence,
  duplicateProposalEvidence,
  duplicateVoteEvidence,
  encodeEvidence,
  evidenceHash,
  proposalSigningBytes,
  signedVoteBytes,
} from '../chain/evidence.ts';

/** The same version byte as standalone evidence: an evidence message is that encoding with a kind. */
export const CONSENSUS_FORMAT_VERSION = EVIDENCE_FORMAT_VERSION;

const KIND_PROPOSAL = 1;
const KIND_VOTE = 2;
const KIND_EVIDENCE = 3;
const KIND_COMPACT_PROPOSAL = 4;
const TX_ID_BYTES = 32;

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

const STEPS: readonly Step[] = ['propose', 'prevote', 'precommit'];

function writeBlock(w: Writer, block: Block): void {
  w.bytes32(encodeBlock(block));
}

function readBlock(r: Reader): Block {
  return decodeBlock(r.bytes32(BLOCK_SIZE_BYTES_MAX));
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

// ---- compact proposals ------------------------------------------------------------------------

/**
 * A proposal as it travels on the network: the signed proposal, its block's header and the ids of
 * the block's transactions, which every peer already has from transaction gossip. The receiver
 * puts the block back together from its own copies (fetching what it lacks) and hands the engine
 * the whole proposal; the block hash the proposer signed covers the header, whose transaction
 * root covers the ids, so a reassembled block is the proposer's block or fails the engine's checks.
 */
export interface CompactProposal {
  readonly proposal: SignedProposal;
  readonly header: BlockHeader;
  readonly txIds: readonly Bytes[];
}

export function encodeCompactProposal(m: { readonly proposal: SignedProposal; readonly block: Block }): Bytes {
  const w = new Writer(2 + PROPOSAL_BODY_BYTES + 400 + 4 + m.block.txs.length * TX_ID_BYTES);
  w.u8(CONSENSUS_FORMAT_VERSION).u8(KIND_COMPACT_PROPOSAL);
  writeProposal(w, m.proposal);
  writeHeader(w, m.block.header);
  w.u32(m.block.txs.length);
  for (const tx of m.block.txs) w.fixed(txId(tx), TX_ID_BYTES);
  return w.finish();
}

/** Throws CodecError (and nothing else) for anything the encoder would not produce. */
export function decodeCompactProposal(bytes: Bytes): CompactProposal {
  if (bytes.length > PROPOSAL_MESSAGE_SIZE_BYTES_MAX) throw new CodecError('compact proposal', 0, `size ${bytes.length} exceeds ${PROPOSAL_MESSAGE_SIZE_BYTES_MAX} bytes`);
  const r = new Reader(bytes, 'compact proposal');
  const version = r.u8();
  if (version !== CONSENSUS_FORMAT_VERSION) r.fail(`unknown format version ${version}`);
  const kind = r.u8();
  if (kind !== KIND_COMPACT_PROPOSAL) r.fail(`message kind ${kind} is not a compact proposal`);
  const proposal = readProposal(r);
  const header = readHeader(r);
  const count = r.u32();
  // Checked before the loop, so a forged count costs nothing.
  if (count * TX_ID_BYTES !== bytes.length - r.offset) r.fail(`${count} transaction ids need ${count * TX_ID_BYTES} bytes, ${bytes.length - r.offset} left`);
  const txIds: Bytes[] = [];
  for (let i = 0; i < count; i++) txIds.push(r.fixed(TX_ID_BYTES));
  r.end();
  return { proposal, header, txIds };
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
