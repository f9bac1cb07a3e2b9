import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  blockHash,
  blockText,
  chainValid,
  changedCharacters,
  checkChain,
  expectedAttempts,
  meetsDifficulty,
  mine,
  remineBlock,
  sampleChain,
  SAMPLE_CHAIN_DATA,
  webCryptoSha256,
  ZERO_HASH,
  type ChainBlock,
} from './blocks.ts';

const nodeSha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

test('Web Crypto and node:crypto give the same SHA-256, including for non-ASCII text', async () => {
  assert.equal(await webCryptoSha256(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(await webCryptoSha256('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  await fc.assert(
    fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 40 }), async (text) => {
      assert.equal(await webCryptoSha256(text), nodeSha256(text));
    }),
    { numRuns: 50 },
  );
});

test('the hashed text is previous hash, data and nonce on three lines', async () => {
  const block = { prev: ZERO_HASH, data: 'café ☕', nonce: 42 };
  assert.equal(blockText(block), `${ZERO_HASH}\ncafé ☕\n42`);
  assert.equal(await blockHash(block, nodeSha256), nodeSha256(`${ZERO_HASH}\ncafé ☕\n42`));
});

test('difficulty counts leading zero hex digits', () => {
  assert.equal(meetsDifficulty('000a', 3), true);
  assert.equal(meetsDifficulty('00a0', 3), false);
  assert.equal(meetsDifficulty('a000', 0), true);
  assert.throws(() => meetsDifficulty('00', -1), RangeError);
  assert.equal(expectedAttempts(3), 4096);
});

test('one changed letter changes about 60 of the 64 hex digits', () => {
  const a = nodeSha256('The quick brown fox');
  const b = nodeSha256('The quick brown fix');
  assert.equal(changedCharacters(a, a), 0);
  const changed = changedCharacters(a, b);
  assert.ok(changed > 40 && changed <= 64, `${changed}`);
  assert.equal(changedCharacters('abc', 'abd'), 1);
  assert.equal(changedCharacters('abc', 'ab'), 1);
});

test('mining finds the first nonce whose hash meets the difficulty, with progress', async () => {
  const block = { prev: ZERO_HASH, data: 'hello' };
  const progress: number[] = [];
  const result = await mine(block, nodeSha256, { difficulty: 3, attemptsMax: 1_000_000, progressEvery: 500, onProgress: (p) => void progress.push(p.attempts) });
  assert.equal(result.status, 'found');
  if (result.status !== 'found') return;
  assert.match(result.hash, /^000/);
  assert.equal(result.hash, nodeSha256(blockText({ ...block, nonce: result.nonce })));
  assert.equal(result.attempts, result.nonce + 1);
  // No smaller nonce works: mining tries them in order.
  for (let n = 0; n < result.nonce; n++) assert.ok(!meetsDifficulty(nodeSha256(blockText({ ...block, nonce: n })), 3));
  assert.deepEqual(progress, Array.from({ length: Math.floor((result.attempts - 1) / 500) }, (_, i) => (i + 1) * 500));
});

test('mining is bounded and cancellable', async () => {
  const block = { prev: ZERO_HASH, data: 'hello' };
  const exhausted = await mine(block, nodeSha256, { difficulty: 4, attemptsMax: 10, startNonce: 0 });
  assert.deepEqual(exhausted, { status: 'exhausted', nonce: 10, attempts: 10 });
  const controller = new AbortController();
  const cancelled = await mine(block, webCryptoSha256, {
    difficulty: 8,
    attemptsMax: 1_000_000,
    progressEvery: 100,
    signal: controller.signal,
    onProgress: (p) => {
      if (p.attempts === 300) controller.abort();
    },
  });
  assert.deepEqual(cancelled, { status: 'cancelled', nonce: 300, attempts: 300 });
});

test('the sample chain is valid and its links are the previous hashes', async () => {
  const chain = await sampleChain(nodeSha256);
  assert.equal(chain.length, SAMPLE_CHAIN_DATA.length);
  const checked = await checkChain(chain, 3, nodeSha256);
  assert.ok(chainValid(checked));
  assert.equal(checked[0]!.prev, ZERO_HASH);
  for (let i = 1; i < checked.length; i++) assert.equal(checked[i]!.prev, checked[i - 1]!.hash);
});

test('editing a block breaks it, unlinks the next one, and leaves the rest resting on a changed history', async () => {
  const chain = await sampleChain(nodeSha256);
  const edited: ChainBlock[] = chain.map((b, i) => (i === 2 ? { ...b, data: 'register mallory.dcbt.test A 192.0.2.66' } : b));
  const checked = await checkChain(edited, 3, nodeSha256);
  assert.deepEqual(checked.map((b) => b.state), ['valid', 'valid', 'tampered', 'unlinked', 'orphaned']);
  assert.equal(chainValid(checked), false);
});

test('re-mining repairs one block and moves the break to the next link; re-mining them all repairs the chain', async () => {
  const chain = await sampleChain(nodeSha256);
  let blocks: ChainBlock[] = chain.map((b, i) => (i === 1 ? { ...b, data: 'register alice.dcbt.test A 198.51.100.9' } : b));
  const options = { attemptsMax: 1_000_000 };
  ({ blocks } = await remineBlock(blocks, 1, 3, nodeSha256, options));
  assert.deepEqual((await checkChain(blocks, 3, nodeSha256)).map((b) => b.state), ['valid', 'valid', 'unlinked', 'orphaned', 'orphaned']);
  for (const i of [2, 3]) ({ blocks } = await remineBlock(blocks, i, 3, nodeSha256, options));
  assert.deepEqual((await checkChain(blocks, 3, nodeSha256)).map((b) => b.state), ['valid', 'valid', 'valid', 'valid', 'unlinked']);
  ({ blocks } = await remineBlock(blocks, 4, 3, nodeSha256, options));
  assert.ok(chainValid(await checkChain(blocks, 3, nodeSha256)));
  await assert.rejects(remineBlock(blocks, 9, 3, nodeSha256, options), RangeError);
});

test('a failed re-mine leaves the chain as it was', async () => {
  const chain = await sampleChain(nodeSha256);
  const { blocks, result } = await remineBlock(chain, 0, 6, nodeSha256, { attemptsMax: 5 });
  assert.equal(result.status, 'exhausted');
  assert.deepEqual(blocks, chain);
});
