/**
 * A real multi-process network: `dcbt testnet --validators 4 --full-nodes 1`, a name registered
 * through one node and answered over DNS (signed) by all five; kill -9 a validator → the chain
 * goes on; restart it → it catches up; two of four down → finality halts without a fork, and
 * resumes when one returns; a wiped full node resyncs from genesis.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseDigOutput, requireTool, run, rrTypes } from '../../src/dns/testkit.ts';
import { DCBT_BIN, runDcbt, startDcbt, stop } from '../support/processes.ts';

interface NodeReady {
  name: string;
  pid: number;
  role: 'validator' | 'full';
  dataDir: string;
  rpc: string;
  dns: { host: string; port: number };
}

const STEP_TIMEOUT_MS = 45_000;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = STEP_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function status(rpc: string): Promise<{ height: number; hash: string }> {
  const res = await fetch(`${rpc}/v1/status`, { signal: AbortSignal.timeout(2000) });
  return (await res.json()) as { height: number; hash: string };
}

async function blockHashAt(rpc: string, height: number): Promise<string> {
  const res = await fetch(`${rpc}/v1/blocks/${height}`, { signal: AbortSignal.timeout(2000) });
  assert.equal(res.status, 200, `block ${height} from ${rpc}`);
  return ((await res.json()) as { hash: string }).hash;
}

function startTestnet(dir: string, basePort: number): Promise<{ child: ChildProcess; nodes: NodeReady[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DCBT_BIN, '--json', 'testnet', '--validators', '4', '--full-nodes', '1', '--data-dir', dir, '--base-port', String(basePort)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const nodes: NodeReady[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const parsed = JSON.parse(line) as NodeReady & { event?: string };
      if (parsed.event !== 'ready') return;
      nodes.push(parsed);
      if (nodes.length === 5) resolve({ child, nodes });
    });
    child.once('exit', (code) => reject(new Error(`dcbt testnet exited with ${code}: ${stderr}`)));
  });
}

test('dcbt testnet: register on one node, resolve on all; survive kill -9; halt without fork at 2 of 4; resync a wiped full node', { timeout: 600_000 }, async () => {
  const dig = requireTool('dig');
  const dir = await mkdtemp(join(tmpdir(), 'dcbt-testnet-e2e-'));
  const basePort = 20_000 + Math.floor(Math.random() * 30_000);
  const { child: testnet, nodes } = await startTestnet(join(dir, 'net'), basePort);
  const restarted: ChildProcess[] = [];
  const restart = async (n: NodeReady) => {
    const started = await startDcbt<NodeReady>(['node', '--data-dir', n.dataDir]);
    restarted.push(started.child);
    return started;
  };
  try {
    assert.deepEqual(nodes.map((n) => n.role), ['validator', 'validator', 'validator', 'validator', 'full']);
    const [v0, v1, v2, v3, full] = nodes as [NodeReady, NodeReady, NodeReady, NodeReady, NodeReady];
    await until('block 1 on every node', async () => (await Promise.all(nodes.map((n) => status(n.rpc)))).every((s) => s.height >= 1));

    // A name registered through a validator is answered, signed, by every node.
    const wallet = join(dir, 'wallet.json');
    assert.equal((await runDcbt(['wallet', 'new', '--wallet', wallet])).code, 0);
    const registered = await runDcbt(['name', 'register', 'alice', '--a', '192.0.2.1', '--rpc', v0.rpc, '--wallet', wallet, '--json'], { timeoutMs: 120_000 });
    assert.equal(registered.code, 0, registered.stderr);
    for (const n of nodes) {
      const answer = await until(`alice over DNS from ${n.name}`, async () => {
        const r = parseDigOutput((await run(dig, [`@${n.dns.host}`, '-p', String(n.dns.port), 'alice.dcbt.test.', 'A', '+dnssec', '+norecurse'])).stdout);
        return r.answer.length > 0 ? r : undefined;
      });
      assert.equal(answer.status, 'NOERROR');
      assert.ok(answer.answer.some((l) => l.endsWith('A 192.0.2.1')), `${n.name}: ${answer.answer.join(' | ')}`);
      assert.ok(rrTypes(answer.answer).includes('RRSIG'), `${n.name} signs its answer`);
    }
    // Every node shows its network in /v1/status: its peers, and proposals put back together from
    // transaction ids (the REGISTER and COMMIT travelled as ids inside them).
    for (const n of nodes) {
      const { network } = (await (await fetch(`${n.rpc}/v1/status`)).json()) as { network: { peers: number; gossip: Record<string, { received: number; receivedBytes: number }>; proposals: { assembled: number } } };
      assert.equal(network.peers, 4, `${n.name} is connected to the other four`);
      assert.ok(network.proposals.assembled > 0 && network.gossip.proposal!.received > 0 && network.gossip.vote!.receivedBytes > 0, `${n.name}: ${JSON.stringify(network)}`);
    }

    // kill -9 one validator: three of four (> 2/3) keep finalising.
    process.kill(v1.pid, 'SIGKILL');
    const h1 = (await status(v0.rpc)).height;
    await until('blocks to go on without node1', async () => (await status(v0.rpc)).height >= h1 + 3);
    // Restarted, it catches up.
    const back = await restart(v1);
    await until('node1 to catch up', async () => (await status(back.ready.rpc)).height >= (await status(v0.rpc)).height - 1);

    // Two of four down: no quorum, so no block is finalised, and no fork appears.
    process.kill(v2.pid, 'SIGKILL');
    process.kill(v3.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 1500));
    const halted = (await status(v0.rpc)).height;
    await new Promise((r) => setTimeout(r, 5000));
    assert.ok((await status(v0.rpc)).height <= halted + 1, 'finality halts with half the power down');
    const v2back = await restart(v2);
    await until('finality to resume with 3 of 4', async () => (await status(v0.rpc)).height >= halted + 3);
    await until('node2 to catch up', async () => (await status(v2back.ready.rpc)).height >= halted + 2);

    // A wiped full node resyncs from genesis.
    process.kill(full.pid, 'SIGKILL');
    for (const entry of await readdir(full.dataDir)) if (entry === 'blocks' || entry === 'state') await rm(join(full.dataDir, entry), { recursive: true, force: true });
    const fresh = await restart(full);
    await until('the wiped full node to resync', async () => (await status(fresh.ready.rpc)).height >= (await status(v0.rpc)).height - 1);

    // Agreement across every running node, at every height.
    const rpcs = [v0.rpc, back.ready.rpc, v2back.ready.rpc, fresh.ready.rpc];
    const top = Math.min(...(await Promise.all(rpcs.map(async (r) => (await status(r)).height))));
    for (let h = 1; h <= top; h++) {
      const hashes = new Set(await Promise.all(rpcs.map((r) => blockHashAt(r, h))));
      assert.equal(hashes.size, 1, `one block at height ${h}`);
    }
  } finally {
    for (const c of restarted) await stop(c, 'SIGTERM');
    await stop(testnet, 'SIGINT');
    await rm(dir, { recursive: true, force: true });
  }
});
