import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyPairFromSecret } from './crypto.ts';
import { devnetGenesis } from './genesis.ts';
import { genesisValidatorsAt } from './validators.ts';

test('genesisValidatorsAt: the genesis set from height 1 on; no set for height 0 or a non-integer', () => {
  const keys = [1, 2].map((i) => keyPairFromSecret(new Uint8Array(32).fill(i)).publicKey);
  const genesis = devnetGenesis({ validators: keys, timeMs: 0 });
  const at = genesisValidatorsAt(genesis);
  for (const h of [1, 2, 1_000_000]) assert.deepEqual(at(h), { fromHeight: 1, validators: genesis.validators });
  for (const h of [0, -1, 1.5]) assert.throws(() => at(h), RangeError);
});
