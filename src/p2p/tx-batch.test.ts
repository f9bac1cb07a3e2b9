import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import fc from 'fast-check';
import { CodecError, TX_SIZE_BYTES_MAX } from '../chain/codec.ts';
import { decodeTxBatch, encodeTxBatch, TX_BATCH_SIZE_BYTES_MAX, TX_BATCH_TXS_MAX, TxBatcher } from './tx-batch.ts';

const arbTxBytes = fc.uint8Array({ minLength: 1, maxLength: 300 });

test('a batch decodes to the transactions it was encoded from, in order', () => {
  fc.assert(
    fc.property(fc.array(arbTxBytes, { minLength: 1, maxLength: 40 }), (txs) => {
      const decoded = decodeTxBatch(encodeTxBatch(txs));
      assert.deepEqual(decoded.map((b) => Buffer.from(b).toString('hex')), txs.map((b) => Buffer.from(b).toString('hex')));
    }),
    { numRuns: 500 },
  );
});

test('any bytes either decode to a batch that encodes back to them or fail with a CodecError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      let txs: Uint8Array[];
      try {
        txs = decodeTxBatch(bytes);
      } catch (error) {
        assert.ok(error instanceof CodecError, String(error));
        return;
      }
      assert.deepEqual(Buffer.from(encodeTxBatch(txs)), Buffer.from(bytes));
    }),
    { numRuns: 20_000 },
  );
});

test('truncated, padded, empty and oversized batches are refused with what is wrong', () => {
  const good = encodeTxBatch([Uint8Array.of(1, 2, 3), Uint8Array.of(4)]);
  assert.throws(() => decodeTxBatch(good.subarray(0, good.length - 1)), /runs past the end/);
  assert.throws(() => decodeTxBatch(Uint8Array.from([...good, 0])), /trailing/);
  assert.throws(() => decodeTxBatch(Uint8Array.of(0, 0)), /count 0/);
  assert.throws(() => decodeTxBatch(Uint8Array.of(0)), /too short/);
  assert.throws(() => decodeTxBatch(new Uint8Array(TX_BATCH_SIZE_BYTES_MAX + 1)), /exceeds/);
  assert.throws(() => encodeTxBatch([]), RangeError);
  assert.throws(() => encodeTxBatch([new Uint8Array(TX_SIZE_BYTES_MAX + 1)]), RangeError);
  assert.throws(() => encodeTxBatch(Array.from({ length: TX_BATCH_TXS_MAX + 1 }, () => Uint8Array.of(1))), RangeError);
});

test('the batcher publishes what waited flushMs as one batch, and a full batch at once', (t) => {
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());
  const published: Uint8Array[][] = [];
  const batcher = new TxBatcher((batch) => published.push(decodeTxBatch(batch)), { flushMs: 5, txsMax: 3 });
  batcher.add(Uint8Array.of(1));
  batcher.add(Uint8Array.of(2));
  assert.equal(published.length, 0, 'nothing is sent before the flush delay');
  mock.timers.tick(5);
  assert.deepEqual(published.map((b) => b.map((x) => x[0])), [[1, 2]]);
  batcher.add(Uint8Array.of(3));
  batcher.add(Uint8Array.of(4));
  batcher.add(Uint8Array.of(5));
  assert.deepEqual(published.map((b) => b.map((x) => x[0])), [[1, 2], [3, 4, 5]], 'a full batch goes without waiting');
  mock.timers.tick(10);
  assert.equal(published.length, 2, 'the flushed batch left no timer behind that sends an empty one');
  batcher.add(Uint8Array.of(6));
  batcher.close();
  mock.timers.tick(10);
  assert.equal(published.length, 2, 'close drops what was waiting');
});

test('the batcher starts a new batch before one would exceed its size limit', () => {
  const published: number[] = [];
  const batcher = new TxBatcher((batch) => published.push(decodeTxBatch(batch).length), { sizeBytesMax: 2 + 3 * 102 });
  for (let i = 0; i < 4; i++) batcher.add(new Uint8Array(100).fill(i + 1));
  assert.deepEqual(published, [3], 'three 100-byte transactions fill 308 bytes; the fourth waits');
  batcher.flush();
  assert.deepEqual(published, [3, 1]);
  batcher.close();
});
