import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DcbtError, isDcbtError } from './errors.ts';

test('DcbtError carries a code and details and serialises them', () => {
  const error = new DcbtError('NAME_TAKEN', 'alice is registered; choose another name', { name: 'alice' });
  assert.ok(isDcbtError(error));
  assert.equal(error.code, 'NAME_TAKEN');
  assert.deepEqual(JSON.parse(JSON.stringify(error)), { code: 'NAME_TAKEN', message: 'alice is registered; choose another name', details: { name: 'alice' } });
  assert.equal(isDcbtError(new Error('x')), false);
});
