/**
 * Ledger bench: how fast the state transition and the node's commit path apply name transactions,
 * beside a bare baseline (node:crypto Ed25519 verification alone — the floor of per-transaction
 * work, since every transaction's signature must be checked).
 *
 *   npx node bench/ledger.ts [--names 10000] [--block-txs 1000] [--json]
 *
 * Workload: for N names, COMMIT (block 1), REGISTER (block 2) and UPDATE (block 3) — a
 * REGISTER + UPDATE mix with their commits — from N accounts, in blocks of --block-txs.
 * Transactions are built first (not timed). Measured:
 *   pure     applyBlock over an in-memory map: transactions applied per second
 *   node     ChainNode.produceBlock path: mempool admission + block production + tree + LevelDB
 *   replay   re-applying every stored block from genesis into a fresh state: blocks/s and tx/s
 *   verify   Ed25519 verifications per second (baseline)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitmentHash } from '../src/chain/codec.ts';
import { keyPairFromSecret, verify, sign } from '../src/chain/crypto.ts';
import { devnetGenesis, genesisHash } from '../src/chain/genesis.ts';
import { applyBlock, keysTouched } from '../src/chain/ledger/apply.ts';
import { MapState, Overlay, type LedgerState } from '../src/chain/ledger/state.ts';
import { TestChain } from '../src/chain/ledger/testing.ts';
import { buildTx } from '../src/chain/tx.ts';
import { TxType, type Tx } from '../src/chain/types.ts';
import { ChainNode } from '../src/node/node.ts';
import { StateStore } from '../src/node/state-store.ts';
import { commandLine, simpleOptions } from './cli.ts';

const opts = commandLine('usage: npx node bench/ledger.ts [--names 10000] [--block-txs 1000] [--json]', (argv) =>
  simpleOptions(argv, { numbers: { '--names': 10_000, '--block-txs': 1000 }, integers: ['--names', '--block-txs'], flags: ['--json'] }),
);
const NAMES = opts.numbers['--names'];
const BLOCK_TXS = opts.numbers['--block-txs'];
const JSON_OUT = opts.flags.has('--json');
const progress = (m: string) => process.stderr.write(`${m}\n`);

const validator = keyPairFromSecret(new Uint8Array(32).fill(7));
const T0 = 1_700_000_000_000;
const genesis = { ...devnetGenesis({ validators: [validator.publicKey], timeMs: T0, powBits: 2 }) };
const params = { ...genesis.params, blockTxCountMax: Math.max(BLOCK_TXS, genesis.params.blockTxCountMax), blockIntervalMs: 10 };
const g = { ...genesis, params };

progress(`building ${3 * NAMES} transactions for ${NAMES} names…`);
const phases: Tx[][] = [[], [], []];
for (let i = 0; i < NAMES; i++) {
  const key = keyPairFromSecret(new Uint8Array(Buffer.from(i.toString(16).padStart(64, '0'), 'hex')));
  const name = `name${i}`;
  const salt = new Uint8Array(32).fill(i % 251);
  const a = (ip: number) => [{ host: '', type: 1, rdata: Uint8Array.from([192, 0, 2, ip]) }];
  const mk = (nonce: number, payload: Tx['payload']) => buildTx({ chainId: g.chainId, account: key.publicKey, nonce, payload }, key, params.powBits);
  phases[0]!.push(mk(0, { type: TxType.COMMIT, commitment: commitmentHash(name, key.publicKey, salt) }));
  phases[1]!.push(mk(1, { type: TxType.REGISTER, name, salt, records: a(1) }));
  phases[2]!.push(mk(2, { type: TxType.UPDATE, name, records: a(2) }));
  if (i % 2000 === 1999) progress(`  ${i + 1}/${NAMES}`);
}
const chunks = (txs: Tx[]) => Array.from({ length: Math.ceil(txs.length / BLOCK_TXS) }, (_, i) => txs.slice(i * BLOCK_TXS, (i + 1) * BLOCK_TXS));
const blocksTxs = phases.flatMap(chunks);
const txCount = 3 * NAMES;

// ---- baseline: signature verification alone --------------------------------------------------
progress('baseline: Ed25519 verify…');
const msg = new Uint8Array(200).fill(3);
const sig = sign(validator.secretKey, msg);
let t = performance.now();
for (let i = 0; i < txCount; i++) verify(validator.publicKey, msg, sig);
const verifyPerSec = txCount / ((performance.now() - t) / 1000);

// ---- pure transition over a map ----------------------------------------------------------------
progress('pure: applyBlock over an in-memory map…');
const chain = new TestChain(g, validator);
t = performance.now();
for (const txs of blocksTxs) chain.apply(txs, { timeMs: chain.state.tip.timeMs + 1000 });
const pureMs = performance.now() - t;

// ---- node: mempool + production + tree + LevelDB -----------------------------------------------
progress('node: submit + produce + commit…');
const dir = await mkdtemp(join(tmpdir(), 'dcbt-bench-ledger-'));
let clockMs = T0 + 1000;
const node = await ChainNode.open({ dataDir: join(dir, 'node'), genesis: g, validatorKey: validator, clock: { now: () => (clockMs += 1000) }, mempoolLimits: { txCountMax: BLOCK_TXS * 2, sizeBytesMax: 1 << 30, perAccountTxCountMax: 8 } });
t = performance.now();
for (const [i, txs] of blocksTxs.entries()) {
  for (const tx of txs) await node.submitTx(tx);
  await node.produceBlock();
  if (i % 10 === 9) progress(`  block ${i + 1}/${blocksTxs.length}`);
}
const nodeMs = performance.now() - t;
const height = node.tip.height;

// ---- replay from the block store into a fresh state --------------------------------------------
progress('replay: re-applying every stored block…');
const fresh = await StateStore.open(join(dir, 'replay'));
let state: LedgerState = { genesis: g, tip: { height: 0, hash: genesisHash(g), timeMs: g.timeMs }, kv: new Overlay(new MapState()) };
t = performance.now();
for (let h = 1; h <= height; h++) {
  const { block } = (await node.getBlock(h))!;
  const kv = await fresh.load(block.txs.flatMap(keysTouched));
  const applied = applyBlock({ ...state, kv }, block);
  await fresh.commit(applied.writes);
  state = applied.state;
}
const replayMs = performance.now() - t;
await fresh.close();
await node.close();
await rm(dir, { recursive: true, force: true });

const result = {
  names: NAMES,
  txs: txCount,
  blockTxs: BLOCK_TXS,
  blocks: height,
  verifyPerSec: Math.round(verifyPerSec),
  pureTxPerSec: Math.round(txCount / (pureMs / 1000)),
  nodeTxPerSec: Math.round(txCount / (nodeMs / 1000)),
  replayTxPerSec: Math.round(txCount / (replayMs / 1000)),
  replayBlocksPerSec: Math.round((height / (replayMs / 1000)) * 10) / 10,
};
if (JSON_OUT) process.stdout.write(`${JSON.stringify(result)}\n`);
else {
  const row = (k: string, v: number, ratio?: number) => `${k.padEnd(44)} ${String(v).padStart(10)}${ratio === undefined ? '' : `   ${ratio.toFixed(2)}× baseline`}`;
  process.stdout.write(
    [
      `ledger bench: ${NAMES} names, ${txCount} txs (COMMIT/REGISTER/UPDATE), ${BLOCK_TXS} txs per block, ${height} blocks`,
      row('baseline: Ed25519 verifications/s', result.verifyPerSec),
      row('pure applyBlock: txs/s', result.pureTxPerSec, result.pureTxPerSec / result.verifyPerSec),
      row('node (mempool + block + tree + LevelDB): txs/s', result.nodeTxPerSec, result.nodeTxPerSec / result.verifyPerSec),
      row('replay from block store: txs/s', result.replayTxPerSec, result.replayTxPerSec / result.verifyPerSec),
      row('replay from block store: blocks/s', result.replayBlocksPerSec),
    ].join('\n') + '\n',
  );
}
