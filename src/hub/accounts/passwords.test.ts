import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hashPassword, needsRehash, parseHash, PASSWORD_LENGTH_MAX, TEST_SCRYPT, verifyPassword, type ScryptParams } from './passwords.ts';

test('a hash names its parameters and verifies only the right password', async () => {
  const stored = await hashPassword('correct horse battery', TEST_SCRYPT);
  assert.match(stored, /^scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.equal(await verifyPassword('correct horse battery', stored), true);
  assert.equal(await verifyPassword('correct horse batterz', stored), false);
  assert.equal(await verifyPassword('', stored), false);
  // A fresh salt each time: equal passwords do not give equal hashes.
  assert.notEqual(await hashPassword('correct horse battery', TEST_SCRYPT), stored);
});

test('Unicode passwords are compared in NFC, so composed and decomposed accents match', async () => {
  const stored = await hashPassword('mot de passe \u00e9t\u00e9', TEST_SCRYPT);
  assert.equal(await verifyPassword('mot de passe e\u0301te\u0301', stored), true);
});

test('stronger parameters verify too, and weaker stored ones ask for a rehash', async () => {
  const strong: ScryptParams = { ...TEST_SCRYPT, costLog2: 12 };
  const stored = await hashPassword('a long enough password', strong);
  assert.equal(await verifyPassword('a long enough password', stored), true);
  assert.equal(needsRehash(stored, strong), false);
  assert.equal(needsRehash(stored, { ...strong, costLog2: 13 }), true);
  assert.equal(needsRehash(stored, { ...strong, keyLengthBytes: 64 }), true);
  assert.equal(needsRehash('!', strong), true);
});

test('malformed or hostile hashes never verify and are not parsed', async () => {
  for (const bad of ['', '!', 'scrypt$ln=10,r=8,p=1$abc$def', 'scrypt$ln=40,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'bcrypt$2b$10$x']) {
    assert.equal(parseHash(bad), undefined, bad);
    assert.equal(await verifyPassword('anything at all', bad), false, bad);
  }
});

test('over-long passwords are refused before hashing', async () => {
  await assert.rejects(hashPassword('x'.repeat(PASSWORD_LENGTH_MAX + 1), TEST_SCRYPT), { code: 'PASSWORD_HASH' });
  const stored = await hashPassword('x'.repeat(PASSWORD_LENGTH_MAX), TEST_SCRYPT);
  assert.equal(await verifyPassword('x'.repeat(PASSWORD_LENGTH_MAX + 1), stored), false);
});

test('property: every password verifies against its own hash and not against a different one', async () => {
  const cheap: ScryptParams = { ...TEST_SCRYPT, costLog2: 4 };
  await fc.assert(
    fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ minLength: 1, maxLength: 40 }), async (a, b) => {
      const stored = await hashPassword(a, cheap);
      assert.ok(parseHash(stored) !== undefined);
      assert.equal(await verifyPassword(a, stored), true);
      if (a.normalize('NFC') !== b.normalize('NFC')) assert.equal(await verifyPassword(b, stored), false);
    }),
    { numRuns: 60 },
  );
});
