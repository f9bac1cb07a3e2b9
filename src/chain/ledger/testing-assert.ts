import assert from 'node:assert/strict';
import { LedgerError, type LedgerErrorCode } from './errors.ts';

/** Asserts `fn` throws a LedgerError with `code` and a message that names the problem. */
export function assertRefused(fn: () => unknown, code: LedgerErrorCode): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof LedgerError, `expected LedgerError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
    assert.ok(error.message.length > 10);
    return true;
  });
}
