import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyPairFromSecret } from './crypto.ts';
import { devnetGenesis, GenesisError, genesisFromJson, genesisHash, genesisToJson } from './genesis.ts';
import { evidenceMaxAgeBlocks, EVIDENCE_MAX_AGE_BLOCKS_DEFAULT } from './types.ts';

const genesis = devnetGenesis({ validators: [keyPairFromSecret(new Uint8Array(32).fill(5)).publicKey], timeMs: 1_700_000_000_000 });

function withParams(params: Record<string, unknown>): unknown {
  const json = genesisToJson(genesis);
  return { ...json, params: { ...json.params, ...params } };
}

test('evidenceMaxAgeBlocks: a positive integer is taken; zero, negatives, fractions and strings are refused naming the field', () => {
  assert.equal(genesisFromJson(withParams({ evidenceMaxAgeBlocks: 5 })).params.evidenceMaxAgeBlocks, 5);
  for (const bad of [0, -1, 1.5, '100', Number.MAX_SAFE_INTEGER + 2]) {
    assert.throws(
      () => genesisFromJson(withParams({ evidenceMaxAgeBlocks: bad })),
      (e: unknown) => e instanceof GenesisError && e.details.issues.some((i) => i.startsWith('params.evidenceMaxAgeBlocks')),
      `refuses ${String(bad)}`,
    );
  }
});

test('blockTxCountMax is at most 100,000: a block must fit one compact proposal', () => {
  assert.equal(genesisFromJson(withParams({ blockTxCountMax: 100_000 })).params.blockTxCountMax, 100_000);
  assert.throws(
    () => genesisFromJson(withParams({ blockTxCountMax: 100_001 })),
    (e: unknown) => e instanceof GenesisError && e.details.issues.some((i) => i.startsWith('params.blockTxCountMax')),
  );
});

test('a genesis file without evidenceMaxAgeBlocks still parses, keeps its hash and gets the default', () => {
  const json = genesisToJson(genesis) as { params: Record<string, unknown> };
  delete json.params.evidenceMaxAgeBlocks;
  const parsed = genesisFromJson(json);
  assert.equal(parsed.params.evidenceMaxAgeBlocks, undefined);
  assert.deepEqual(genesisToJson(parsed), json, 'written back as it was read');
  assert.notDeepEqual(genesisHash(parsed), genesisHash(genesis), 'the parameter is part of the hash when present');
  assert.equal(evidenceMaxAgeBlocks(parsed.params), EVIDENCE_MAX_AGE_BLOCKS_DEFAULT);
  assert.equal(evidenceMaxAgeBlocks(genesis.params), 100_000, 'devnets name it explicitly');
});

test('genesis JSON round-trips', () => {
  const parsed = genesisFromJson(JSON.parse(JSON.stringify(genesisToJson(genesis))));
  assert.deepEqual(genesisHash(parsed), genesisHash(genesis));
});
