import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blockHash } from '../chain/codec.ts';
import { genesisHash } from '../chain/genesis.ts';
import { bytesEqual, toHex } from '../chain/hash.ts';
import { applyBlock } from '../chain/ledger/apply.ts';
import { Overlay, type LedgerState } from '../chain/ledger/state.ts';
import { keysTouched } from '../chain/ledger/apply.ts';
import { ensureDevnet } from './devnet.ts';
import { ChainNode } from './node.ts';
import { StateStore } from './state-store.ts';

const ITERATIONS = Number(process.env.DCBT_CRASH_ITERATIONS ?? 12);
const writer = join(import.meta.dirname, 'testing', 'crash-writer.ts');

/** Runs the writer until it has reported a block, then kills it -9 after a random delay. */
async function runAndKill(dataDir: string, delayMs: number): Promise<number> {
  const child = spawn(process.execPath, [writer, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let lastFinal = 0;
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const firstBlock = new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      for (const m of d.toString().matchAll(/final (\d+)/g)) lastFinal = Math.max(lastFinal, Number(m[1]));
      if (lastFinal > 0) resolve();
    });
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await Promise.race([firstBlock, exited]);
  assert.ok(lastFinal > 0, `writer produced no block: ${stderr}`);
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  await exited;
  return lastFinal;
}

test(`kill -9 while writing blocks, ${ITERATIONS} times: no final block lost, state consistent, full replay matches`, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'dcbt-crash-'));
  try {
    let reported = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const delayMs = 20 + Math.floor(Math.random() * 300);
      reported = Math.max(reported, await runAndKill(dataDir, delayMs));
      const devnet = await ensureDevnet(dataDir);
      const node = await ChainNode.open({ dataDir, genesis: devnet.genesis, validatorKey: devnet.validatorKey });
      try {
        assert.ok(node.tip.height >= reported, `iteration ${i}: tip ${node.tip.height} is behind the reported final block ${reported} (delay ${delayMs} ms)`);
        const tip = await node.getBlock(node.tip.height);
        assert.ok(tip, `iteration ${i}: tip block missing`);
        assert.ok(bytesEqual(tip.commit.blockHash, blockHash(tip.block.header)), 'tip certificate does not match the tip');
      } finally {
        await node.close();
      }
    }

    // Replay every stored block from genesis into a fresh state: each header's root must match.
    const devnet = await ensureDevnet(dataDir);
    const node = await ChainNode.open({ dataDir, genesis: devnet.genesis });
    const replayDir = await mkdtemp(join(tmpdir(), 'dcbt-replay-'));
    const fresh = await StateStore.open(replayDir);
    try {
      let state: LedgerState = { genesis: devnet.genesis, tip: { height: 0, hash: genesisHash(devnet.genesis), timeMs: devnet.genesis.timeMs }, kv: new Overlay({ get: () => undefined }) };
      for (let h = 1; h <= node.tip.height; h++) {
        const found = await node.getBlock(h);
        assert.ok(found, `block ${h} missing`);
        const kv = await fresh.load(found.block.txs.flatMap(keysTouched));
        const applied = applyBlock({ ...state, kv }, found.block);
        const root = await fresh.commit(applied.writes);
        assert.equal(toHex(root), toHex(found.block.header.stateRoot), `replayed state root differs at block ${h}`);
        state = applied.state;
      }
      assert.ok(node.tip.height >= ITERATIONS);
    } finally {
      await fresh.close();
      await node.close();
      await rm(replayDir, { recursive: true, force: true });
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
