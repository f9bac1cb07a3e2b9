/**
 * The logic of the hashing, block and chain demos: pure functions over an injected SHA-256, so
 * the same code runs in the browser (Web Crypto), on the server for the no-JavaScript pages
 * (node:crypto) and in the unit tests. No DOM, no Node built-ins.
 *
 * A demo block is three fields of text, hashed as `previous hash + "\n" + data + "\n" + nonce`.
 * It is "sealed" when its hash starts with `difficulty` zero hex digits.
 */

/** SHA-256 of the UTF-8 text, as 64 lower-case hex digits. */
export type Hasher = (text: string) => string | Promise<string>;

export const ZERO_HASH = '0'.repeat(64);
export const DIFFICULTY_MIN = 1;
export const DIFFICULTY_MAX = 4;
/** Longest block data or hashing input accepted, in characters (keeps URLs and work bounded). */
export const DATA_LENGTH_MAX = 200;
export const TEXT_LENGTH_MAX = 1000;
/** Largest nonce a form may carry. */
export const NONCE_MAX = 999_999_999;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += HEX[b];
  return out;
}

const encoder = new TextEncoder();

/** SHA-256 through Web Crypto (the browser's, or Node's globalThis.crypto). */
export const webCryptoSha256: Hasher = async (text) => bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text))));

export interface BlockFields {
  prev: string;
  data: string;
  nonce: number;
}

/** The exact text that is hashed, shown on the page so a reader can check it elsewhere. */
export function blockText(block: BlockFields): string {
  return `${block.prev}\n${block.data}\n${block.nonce}`;
}

export async function blockHash(block: BlockFields, hash: Hasher): Promise<string> {
  return hash(blockText(block));
}

export function meetsDifficulty(hash: string, difficulty: number): boolean {
  if (!Number.isInteger(difficulty) || difficulty < 0 || difficulty > 64) throw new RangeError(`difficulty must be an integer from 0 to 64, not ${difficulty}`);
  for (let i = 0; i < difficulty; i++) if (hash.charCodeAt(i) !== 48 /* "0" */) return false;
  return true;
}

/** How many of the two hashes' characters differ (position by position). */
export function changedCharacters(a: string, b: string): number {
  const length = Math.max(a.length, b.length);
  let changed = 0;
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) changed++;
  return changed;
}

export interface MineOptions {
  difficulty: number;
  /** Upper bound on hashes tried; mining gives up ("exhausted") past it. */
  attemptsMax: number;
  startNonce?: number;
  /** Called every `progressEvery` attempts; awaiting it lets a browser repaint and see clicks. */
  onProgress?: (progress: { attempts: number; nonce: number; hash: string }) => void | Promise<void>;
  progressEvery?: number;
  signal?: AbortSignal;
}

export type MineResult =
  | { status: 'found'; nonce: number; hash: string; attempts: number }
  | { status: 'exhausted' | 'cancelled'; nonce: number; attempts: number };

/** Tries nonces from `startNonce` upwards until the hash meets the difficulty. */
export async function mine(block: Omit<BlockFields, 'nonce'>, hash: Hasher, options: MineOptions): Promise<MineResult> {
  const every = options.progressEvery ?? 1000;
  let nonce = options.startNonce ?? 0;
  let attempts = 0;
  while (attempts < options.attemptsMax) {
    if (options.signal?.aborted === true) return { status: 'cancelled', nonce, attempts };
    if (nonce > NONCE_MAX) nonce = 0;
    const h = await hash(blockText({ ...block, nonce }));
    attempts++;
    if (meetsDifficulty(h, options.difficulty)) return { status: 'found', nonce, hash: h, attempts };
    if (attempts % every === 0) await options.onProgress?.({ attempts, nonce, hash: h });
    nonce++;
  }
  return { status: 'exhausted', nonce, attempts };
}

/** Expected number of attempts for a difficulty: 16^difficulty. */
export function expectedAttempts(difficulty: number): number {
  return 16 ** difficulty;
}

// ---- the chain ----------------------------------------------------------------------------------

export interface ChainBlock {
  data: string;
  nonce: number;
  /** The previous block's hash as it was when this block was mined: part of what is hashed. */
  prev: string;
}

/**
 * - `valid`: sealed, and linked to the block before as it is now.
 * - `tampered`: its own hash no longer meets the difficulty (data or nonce changed).
 * - `unlinked`: it records a previous hash that is not the previous block's hash any more.
 * - `orphaned`: fine in itself, but an earlier block is broken, so it rests on a changed history.
 */
export type BlockState = 'valid' | 'tampered' | 'unlinked' | 'orphaned';

export interface CheckedBlock extends ChainBlock {
  index: number;
  hash: string;
  sealed: boolean;
  linked: boolean;
  state: BlockState;
}

export async function checkChain(blocks: readonly ChainBlock[], difficulty: number, hash: Hasher): Promise<CheckedBlock[]> {
  const out: CheckedBlock[] = [];
  let broken = false;
  for (const [index, block] of blocks.entries()) {
    const h = await blockHash(block, hash);
    const sealed = meetsDifficulty(h, difficulty);
    const expectedPrev = index === 0 ? ZERO_HASH : (out[index - 1]?.hash ?? ZERO_HASH);
    const linked = block.prev === expectedPrev;
    const state: BlockState = !linked ? 'unlinked' : !sealed ? 'tampered' : broken ? 'orphaned' : 'valid';
    if (state !== 'valid') broken = true;
    out.push({ ...block, index, hash: h, sealed, linked, state });
  }
  return out;
}

/** True when every block is valid. */
export function chainValid(checked: readonly CheckedBlock[]): boolean {
  return checked.every((b) => b.state === 'valid');
}

/**
 * Re-mines block `index`: it adopts the previous block's current hash and gets a nonce that
 * seals it. The blocks after it keep their recorded previous hash, so the next link now breaks:
 * repairing history means redoing the work of every later block.
 */
export async function remineBlock(
  blocks: readonly ChainBlock[],
  index: number,
  difficulty: number,
  hash: Hasher,
  options: Omit<MineOptions, 'difficulty' | 'startNonce'>,
): Promise<{ blocks: ChainBlock[]; result: MineResult }> {
  const block = blocks[index];
  if (block === undefined) throw new RangeError(`no block ${index} in a chain of ${blocks.length}`);
  const prev = index === 0 ? ZERO_HASH : await blockHash(blocks[index - 1]!, hash);
  const result = await mine({ prev, data: block.data }, hash, { ...options, difficulty });
  if (result.status !== 'found') return { blocks: [...blocks], result };
  const next = [...blocks];
  next[index] = { data: block.data, prev, nonce: result.nonce };
  return { blocks: next, result };
}

/** The demo's starting chain content: name registrations, as a naming chain would record them. */
export const SAMPLE_CHAIN_DATA: readonly string[] = [
  'genesis: apex dcbt.test.',
  'register alice.dcbt.test A 192.0.2.1',
  'register bob.dcbt.test A 192.0.2.2',
  'update alice.dcbt.test A 192.0.2.7',
  'register carol.dcbt.test TXT "hello"',
];
export const CHAIN_DIFFICULTY = 3;

/** Mines the sample chain block by block (about 4,096 attempts a block at difficulty 3). */
export async function sampleChain(hash: Hasher, difficulty: number = CHAIN_DIFFICULTY): Promise<ChainBlock[]> {
  const blocks: ChainBlock[] = [];
  let prev = ZERO_HASH;
  for (const data of SAMPLE_CHAIN_DATA) {
    const result = await mine({ prev, data }, hash, { difficulty, attemptsMax: 16 ** difficulty * 64 });
    if (result.status !== 'found') throw new Error(`could not mine the sample block "${data}"`);
    blocks.push({ data, prev, nonce: result.nonce });
    prev = result.hash;
  }
  return blocks;
}
