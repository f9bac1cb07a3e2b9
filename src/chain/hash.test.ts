import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { sha256, toHex, utf8 } from './hash.ts';

test('sha256: the FIPS 180-2 example and the empty input', () => {
  assert.equal(toHex(sha256(utf8('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(toHex(sha256()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(toHex(sha256(new Uint8Array(0), new Uint8Array(0))), toHex(sha256()));
});

test('sha256 of parts is the hash of the parts joined, as a fresh 32-byte Uint8Array', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 5 }), (parts) => {
      const expected = createHash('sha256');
      for (const part of parts) expected.update(part);
      const digest = sha256(...parts);
      assert.equal(Object.getPrototypeOf(digest), Uint8Array.prototype);
      assert.equal(digest.length, 32);
      assert.equal(toHex(digest), expected.digest('hex'));
      // The result owns its bytes: changing an input afterwards does not change it.
      const before = toHex(digest);
      for (const part of parts) part.fill(0xa5);
      assert.equal(toHex(digest), before);
    }),
  );
});
