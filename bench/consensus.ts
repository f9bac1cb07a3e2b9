/**
 * Consensus bench: a real network of four validators and one full node on loopback (one process
 * each, `dcbt node`, BFT consensus over libp2p), beside a baseline in the same run: the same
 * transactions through one single-validator node in this process (no network, no votes).
 *
 *   npx node bench/consensus.ts [--txs 4000] [--warmup-txs 2000] [--names 5] [--in-flight 64] [--rate 200] [--steady-seconds 10] [--json]
 *       [--node-flags "--perf-basic-prof"]   (profile the node processes: `perf record -a -g` meanwhile)
 *
 * Measured:
 *   warm-up     --warmup-txs transactions sent and finalised the same way first, not measured: a node
 *               that has just started spends a tenth of its processor time compiling its hot code
 *               (V8's optimising compilers), which a node that has been running does not
 *   throughput  --txs name transactions (COMMITs from as many accounts, built before timing) sent
 *               over RPC to the validators round-robin, --in-flight at a time: from the first
 *               send until the full node has finalised them all → tx/s
 *   block time  mean interval between finalised blocks: idle, under the throughput run (the
 *               network saturated) and under a steady --rate of transactions for --steady-seconds
 *   name → DNS  for --names names: REGISTER sent to one validator → the name answered over DNS
 *               by all five nodes (median, max)
 *   sync        a fresh full node started from genesis: blocks/s and tx/s until it has the tip
 *   baseline    the same COMMITs on one in-process single-validator node: tx/s
 *   CPU         processor time each node process used during the throughput run (Linux /proc),
 *               per finalised transaction: what one node costs, whatever the machine's sharing
 *   gossip      distinct gossip bytes each node received per topic during the throughput run, and
 *               the transactions it had to ask a peer for to rebuild proposals (GET /v1/status)
 * Transactions use a low proof-of-work difficulty (--pow-bits, default 8) so building them does not
 * dominate the run; the difficulty does not change what the nodes do per transaction.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { commitmentHash, encodeTx } from '../src/chain/codec.ts';
import { keyPairFromSecret, type KeyPair } from '../src/chain/crypto.ts';
import { toHex } from '../src/chain/hash.ts';
import { buildTx } from '../src/chain/tx.ts';
import { TxType, type Genesis, type Tx } from '../src/chain/types.ts';
import { buildQuery, readReply } from '../src/dns/querykit.ts';
import { RRType } from '../src/dns/rdata.ts';
import { udpAsk } from '../src/dns/testkit.ts';
import { writeFileAtomic } from '../src/files.ts';
import { ChainNode } from '../src/node/node.ts';
import { ensureTestnet, NODE_CONFIG_FILE, type NodeConfig } from '../src/node/testnet.ts';
import { peerIdOfNodeKey } from '../src/p2p/index.ts';
import { commandLine, simpleOptions } from './cli.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'dcbt.js');
const NODE_READY_TIMEOUT_MS = 60_000;
const WAIT_TIMEOUT_MS = 300_000;

const USAGE = `usage: npx node bench/consensus.ts [--txs 4000] [--warmup-txs 2000] [--names 5] [--in-flight 64] [--rate 200] [--steady-seconds 10] [--pow-bits 8] [--node-flags "<node options>"] [--json]
  --node-flags   passed to each node process's node, e.g. "--perf-basic-prof" to profile them with perf`;
const opts = commandLine(USAGE, (argv) =>
  simpleOptions(argv, {
    numbers: { '--txs': 4000, '--warmup-txs': 2000, '--names': 5, '--in-flight': 64, '--pow-bits': 8, '--rate': 200, '--steady-seconds': 10 },
    integers: ['--txs', '--warmup-txs', '--names', '--in-flight', '--pow-bits'],
    strings: ['--node-flags'],
    flags: ['--json'],
  }),
);
const TXS = opts.numbers['--txs'];
const WARMUP_TXS = opts.numbers['--warmup-txs'];
const NAMES = opts.numbers['--names'];
const IN_FLIGHT = opts.numbers['--in-flight'];
const POW_BITS = opts.numbers['--pow-bits'];
const RATE = opts.numbers['--rate'];
const STEADY_SECONDS = opts.numbers['--steady-seconds'];
const NODE_FLAGS = opts.strings['--node-flags']?.split(/\s+/).filter(Boolean) ?? [];
/** The steady load is sent in this many slices a second. */
const STEADY_TICKS_PER_SECOND = 20;
const JSON_OUT = opts.flags.has('--json');
const progress = (m: string) => process.stderr.write(`[consensus bench] ${m}\n`);

interface Ready {
  pid: number;
  rpc: string;
  dns: { host: string; port: number };
}

function startNode(dataDir: string, genesisPath: string): Promise<{ child: ChildProcess; ready: Ready }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, BIN, '--json', 'node', '--data-dir', dataDir, '--genesis', genesisPath], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, DCBT_LOG_LEVEL: 'warn' } });
    const timer = setTimeout(() => reject(new Error(`${dataDir} not ready`)), NODE_READY_TIMEOUT_MS);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const parsed = JSON.parse(line) as Ready & { event?: string };
      if (parsed.event === 'ready') {
        clearTimeout(timer);
        resolve({ child, ready: parsed });
      }
    });
    child.once('exit', (code) => reject(new Error(`${dataDir} exited with ${code}`)));
  });
}

/** POST /v1/txs on `rpc` (202 when admitted). */
function postTx(rpc: string, tx: Tx): Promise<Response> {
  return fetch(`${rpc}/v1/txs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tx: toHex(encodeTx(tx)) }) });
}

async function status(rpc: string): Promise<{ height: number; timeMs: number }> {
  return (await (await fetch(`${rpc}/v1/status`)).json()) as { height: number; timeMs: number };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, pollMs = 50): Promise<T> {
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Waits until the blocks `rpc` finalises above `fromHeight` hold `count` transactions. */
async function untilFinal(rpc: string, fromHeight: number, count: number, what: string): Promise<void> {
  let counted = 0;
  let seen = fromHeight;
  await until(what, async () => {
    const tip = (await status(rpc)).height;
    for (; seen < tip; seen++) counted += ((await (await fetch(`${rpc}/v1/blocks/${seen + 1}`)).json()) as { txs: unknown[] }).txs.length;
    return counted >= count ? true : undefined;
  }, 100);
}

interface BlockSummary {
  height: number;
  txs: number;
  /** The round its commit certificate is from: above 0 means earlier rounds timed out. */
  round: number;
  /** Since the previous block. */
  ms: number;
}

async function blockSummaries(rpc: string, from: number, to: number): Promise<BlockSummary[]> {
  const blocks: { timeMs: number; txs: unknown[]; commit: { round: number } }[] = [];
  for (let h = from; h <= to; h++) blocks.push((await (await fetch(`${rpc}/v1/blocks/${h}`)).json()) as (typeof blocks)[number]);
  return blocks.slice(1).map((b, i) => ({ height: from + i + 1, txs: b.txs.length, round: b.commit.round, ms: b.timeMs - blocks[i]!.timeMs }));
}

async function blockTimes(rpc: string, from: number, to: number): Promise<number[]> {
  return (await blockSummaries(rpc, from, to)).map((b) => b.ms);
}

/** User + system processor time of a process in ms, from /proc (undefined where there is none). */
interface NetworkCounters {
  readonly gossip: Record<string, { readonly receivedBytes: number }>;
  readonly proposals: { readonly assembled: number; readonly txsFetched: number; readonly incomplete: number };
}

async function networkCounters(rpc: string): Promise<NetworkCounters> {
  return ((await (await fetch(`${rpc}/v1/status`)).json()) as { network: NetworkCounters }).network;
}

/** Per topic: kilobytes received between two readings; and the proposal counts between them. */
function networkDelta(before: NetworkCounters, after: NetworkCounters): { kBytesIn: Record<string, number>; proposals: NetworkCounters['proposals'] } {
  const kBytesIn = Object.fromEntries(Object.keys(after.gossip).map((topic) => [topic, Math.round((after.gossip[topic]!.receivedBytes - (before.gossip[topic]?.receivedBytes ?? 0)) / 1024)]));
  const p = (k: keyof NetworkCounters['proposals']) => after.proposals[k] - before.proposals[k];
  return { kBytesIn, proposals: { assembled: p('assembled'), txsFetched: p('txsFetched'), incomplete: p('incomplete') } };
}

async function cpuMs(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line (11 and 12 after the command), in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function commits(genesis: Genesis, count: number, seed: number): { txs: Tx[]; keys: KeyPair[] } {
  const keys: KeyPair[] = [];
  const txs: Tx[] = [];
  for (let i = 0; i < count; i++) {
    const secret = new Uint8Array(32);
    new DataView(secret.buffer).setUint32(0, seed);
    new DataView(secret.buffer).setUint32(4, i);
    const key = keyPairFromSecret(secret);
    keys.push(key);
    txs.push(buildTx({ chainId: genesis.chainId, account: key.publicKey, nonce: 0, payload: { type: TxType.COMMIT, commitment: commitmentHash(`bench${seed}-${i}`, key.publicKey, new Uint8Array(32)) } }, key, genesis.params.powBits));
  }
  return { txs, keys };
}

/** tx/s of `txs` through one in-process validator, after `warmup` went through it untimed (as the network's did). */
async function baseline(genesis: Genesis, warmup: readonly Tx[], txs: readonly Tx[], dir: string): Promise<number> {
  const key = keyPairFromSecret(new Uint8Array(32).fill(99));
  const single: Genesis = { ...genesis, validators: [{ publicKey: key.publicKey, power: 1 }] };
  const node = await ChainNode.open({ dataDir: join(dir, 'baseline'), genesis: single, validatorKey: key });
  const run = async (list: readonly Tx[]) => {
    for (let i = 0; i < list.length; i += genesis.params.blockTxCountMax) {
      for (const tx of list.slice(i, i + genesis.params.blockTxCountMax)) await node.submitTx(encodeTx(tx));
      await node.produceBlock();
    }
  };
  await run(warmup);
  const started = performance.now();
  await run(txs);
  const seconds = (performance.now() - started) / 1000;
  await node.close();
  return txs.length / seconds;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'dcbt-consensus-bench-'));
  const children: ChildProcess[] = [];
  try {
    const basePort = 20_000 + Math.floor(Math.random() * 30_000);
    const net = await ensureTestnet(join(dir, 'net'), { validators: 4, fullNodes: 1, basePort, powBits: POW_BITS, chainId: 'dcbt-bench' }, (host, p, key) => `/ip4/${host}/tcp/${p}/p2p/${peerIdOfNodeKey(key.publicKey)}`);
    const genesisPath = join(dir, 'net', 'genesis.json');
    progress(`building ${WARMUP_TXS} warm-up and ${TXS} measured transactions (pow ${POW_BITS} bits)`);
    const load = commits(net.genesis, TXS, 1);
    const named = commits(net.genesis, NAMES, 2);
    const steady = commits(net.genesis, Math.round(RATE * STEADY_SECONDS), 3);
    const warmup = commits(net.genesis, WARMUP_TXS, 4);

    progress('starting 4 validators and 1 full node');
    const nodes = await Promise.all(net.nodes.map((n) => startNode(n.dataDir, genesisPath)));
    children.push(...nodes.map((n) => n.child));
    const validators = nodes.slice(0, 4).map((n) => n.ready);
    const full = nodes[4]!.ready;
    await until('block 5', async () => ((await status(full.rpc)).height >= 5 ? true : undefined));
    const idleFrom = (await status(full.rpc)).height;
    await until('5 idle blocks', async () => ((await status(full.rpc)).height >= idleFrom + 5 ? true : undefined));
    const idleBlockMs = mean(await blockTimes(full.rpc, idleFrom, idleFrom + 5));

    /** Sends `txs` to the validators round-robin, IN_FLIGHT at a time; returns how many were refused. */
    const saturate = async (txs: readonly Tx[]): Promise<number> => {
      let next = 0;
      let refused = 0;
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < txs.length) {
            const i = next++;
            const res = await postTx(validators[i % 4]!.rpc, txs[i]!);
            if (res.status !== 202) refused++;
            await res.arrayBuffer();
          }
        }),
      );
      return refused;
    };
    let warmupRefused = 0;
    if (WARMUP_TXS > 0) {
      progress(`warm-up: ${WARMUP_TXS} transactions, not measured`);
      const warmupFrom = (await status(full.rpc)).height;
      warmupRefused = await saturate(warmup.txs);
      await untilFinal(full.rpc, warmupFrom, WARMUP_TXS - warmupRefused, 'the warm-up transactions final on the full node');
    }

    progress(`throughput: sending ${TXS} transactions, ${IN_FLIGHT} in flight`);
    const loadFrom = (await status(full.rpc)).height;
    const cpuBefore = await Promise.all(nodes.map((n) => cpuMs(n.child.pid)));
    const networkBefore = await Promise.all(nodes.map((n) => networkCounters(n.ready.rpc)));
    const started = performance.now();
    const refused = await saturate(load.txs);
    const sentSeconds = (performance.now() - started) / 1000;
    await untilFinal(full.rpc, loadFrom, TXS - refused, 'every transaction final on the full node');
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = await Promise.all(nodes.map((n) => cpuMs(n.child.pid)));
    const cpuUsPerTx = cpuAfter.map((after, i) => (after === undefined || cpuBefore[i] === undefined ? undefined : Math.round(((after - cpuBefore[i]!) * 1000) / TXS)));
    const network = (await Promise.all(nodes.map((n) => networkCounters(n.ready.rpc)))).map((after, i) => networkDelta(networkBefore[i]!, after));
    const loadTo = (await status(full.rpc)).height;
    const loadBlocks = await blockSummaries(full.rpc, loadFrom, loadTo);
    const loadBlockMs = mean(loadBlocks.map((b) => b.ms));
    const txPerSecond = TXS / seconds;
    progress(`throughput: ${Math.round(txPerSecond)} tx/s (${refused} refused; sending took ${sentSeconds.toFixed(1)} s)`);

    progress(`steady load: ${RATE} tx/s for ${STEADY_SECONDS} s`);
    const steadyFrom = (await status(full.rpc)).height;
    const steadyStarted = Date.now();
    const sends: Promise<unknown>[] = [];
    const perTick = RATE / STEADY_TICKS_PER_SECOND;
    for (let tick = 0, sent = 0; sent < steady.txs.length; tick++) {
      const due = Math.min(steady.txs.length, Math.round((tick + 1) * perTick));
      for (; sent < due; sent++) {
        const i = sent;
        sends.push(postTx(validators[i % 4]!.rpc, steady.txs[i]!).then((r) => r.arrayBuffer()));
      }
      const nextTickAt = steadyStarted + ((tick + 1) * 1000) / STEADY_TICKS_PER_SECOND;
      await new Promise((r) => setTimeout(r, Math.max(0, nextTickAt - Date.now())));
    }
    await Promise.all(sends);
    const steadyEnded = Date.now();
    await untilFinal(full.rpc, steadyFrom, steady.txs.length, 'the steady load final on the full node');
    // Blocks made while the load was coming in (the last one may be the tail being drained).
    const steadyBlocks = (await blockSummaries(full.rpc, steadyFrom, (await status(full.rpc)).height)).filter((b) => b.txs > 0);
    const steadyBlockMs = mean(steadyBlocks.map((b) => b.ms));
    progress(`steady load: ${steadyBlocks.length} blocks, mean ${Math.round(steadyBlockMs)} ms, sending took ${((steadyEnded - steadyStarted) / 1000).toFixed(1)} s`);

    progress(`name → DNS on every node, ${NAMES} names`);
    for (const [i, tx] of named.txs.entries()) await postTx(validators[i % 4]!.rpc, tx);
    const afterCommit = (await status(full.rpc)).height;
    await until('the name commits to be old enough', async () => ((await status(full.rpc)).height >= afterCommit + net.genesis.params.commitMinBlocks + 1 ? true : undefined));
    const dnsMs: number[] = [];
    for (const [i, key] of named.keys.entries()) {
      const name = `bench2-${i}`;
      const register = buildTx({ chainId: net.genesis.chainId, account: key.publicKey, nonce: 1, payload: { type: TxType.REGISTER, name, salt: new Uint8Array(32), records: [{ host: '', type: RRType.A, rdata: Uint8Array.from([192, 0, 2, i + 1]) }] } }, key, net.genesis.params.powBits);
      const t0 = performance.now();
      const res = await postTx(validators[i % 4]!.rpc, register);
      if (res.status !== 202) throw new Error(`REGISTER ${name} refused: ${await res.text()}`);
      await Promise.all(
        nodes.map((n) =>
          until(`${name} on ${n.ready.dns.port}`, async () => {
            const reply = readReply(await udpAsk(n.ready.dns.port, buildQuery(`${name}.${net.genesis.apex}`, RRType.A)));
            return reply.answers.length > 0 ? true : undefined;
          }, 20),
        ),
      );
      dnsMs.push(performance.now() - t0);
    }

    progress('sync: a fresh full node from genesis');
    const tip = (await status(full.rpc)).height;
    const freshDir = join(dir, 'fresh');
    await cp(join(net.nodes[4]!.dataDir, 'zsk.key'), join(freshDir, 'zsk.key'));
    const config: NodeConfig = { ...net.nodes[4]!.config, rpcPort: 0, dnsPort: 0, p2pPort: 0 };
    await writeFileAtomic(join(freshDir, NODE_CONFIG_FILE), JSON.stringify(config));
    const syncStarted = performance.now();
    const fresh = await startNode(freshDir, genesisPath);
    children.push(fresh.child);
    await until('the fresh node to reach the tip', async () => ((await status(fresh.ready.rpc)).height >= tip ? true : undefined));
    const syncSeconds = (performance.now() - syncStarted) / 1000;
    // Every transaction on the chain, the warm-up's included (the node syncs the whole chain).
    const syncedTxs = WARMUP_TXS - warmupRefused + TXS - refused + 2 * NAMES + steady.txs.length;

    // The network stops first, so the baseline has the machine to itself.
    await Promise.all(
      children.splice(0).map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
          }),
      ),
    );
    progress('baseline: the same transactions on one in-process validator');
    const base = await baseline(net.genesis, warmup.txs, load.txs, dir);

    const report = {
      date: new Date().toISOString().slice(0, 10),
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version, loadAverage: (await import('node:os')).loadavg().map((x) => Math.round(x * 100) / 100) },
      txs: TXS,
      warmupTxs: WARMUP_TXS,
      throughputTxPerSecond: Math.round(txPerSecond),
      refused,
      baselineTxPerSecond: Math.round(base),
      ratioToBaseline: Math.round((txPerSecond / base) * 1000) / 1000,
      blockTimeMs: { idle: Math.round(idleBlockMs), saturated: Math.round(loadBlockMs), steady: Math.round(steadyBlockMs), steadyMax: Math.max(...steadyBlocks.map((b) => b.ms)) },
      steadyRateTxPerSecond: RATE,
      blocksUnderLoad: loadBlocks,
      blocksUnderSteadyLoad: steadyBlocks,
      nameToDnsMs: { median: Math.round(median(dnsMs)), max: Math.round(Math.max(...dnsMs)) },
      cpuUsPerTx: { validators: cpuUsPerTx.slice(0, 4), fullNode: cpuUsPerTx[4] },
      network: { validators: network.slice(0, 4), fullNode: network[4]! },
      sync: { blocks: tip, seconds: Math.round(syncSeconds * 10) / 10, blocksPerSecond: Math.round(tip / syncSeconds), txPerSecond: Math.round(syncedTxs / syncSeconds) },
      goals: [
        { name: 'name transactions finalised ≥ 2,000/s', met: txPerSecond >= 2000 },
        { name: `block time ≤ 1 s (idle and at a steady ${RATE} tx/s)`, met: idleBlockMs <= 1000 && steadyBlockMs <= 1000 },
        { name: 'REGISTER → answered over DNS by every node ≤ 3 s', met: Math.max(...dnsMs) <= 3000 },
      ],
    };
    if (JSON_OUT) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      process.stdout.write(
        [
          `Consensus bench ${report.date}: 4 validators + 1 full node on loopback, ${report.machine.cpus} CPUs, Node ${report.machine.node}, load ${report.machine.loadAverage.join(' ')}`,
          `throughput     ${report.throughputTxPerSecond} tx/s finalised (${TXS} COMMITs, ${refused} refused)   baseline one node: ${report.baselineTxPerSecond} tx/s   ratio ${report.ratioToBaseline}`,
          `node CPU       per finalised transaction: validators ${report.cpuUsPerTx.validators.map((x) => `${x ?? '?'} µs`).join(', ')}; full node ${report.cpuUsPerTx.fullNode ?? '?'} µs`,
          ...report.network.validators.concat(report.network.fullNode).map(
            (n, i) =>
              `gossip in      ${i < 4 ? `validator ${i}` : 'full node  '}: ${Object.entries(n.kBytesIn)
                .map(([topic, kb]) => `${topic} ${kb} KiB`)
                .join(', ')}; proposals rebuilt ${n.proposals.assembled}, transactions fetched ${n.proposals.txsFetched}, given up ${n.proposals.incomplete}`,
          ),
          `block time     idle ${report.blockTimeMs.idle} ms; steady ${RATE} tx/s: mean ${report.blockTimeMs.steady} ms, max ${report.blockTimeMs.steadyMax} ms; saturated (throughput run) ${report.blockTimeMs.saturated} ms`,
          `blocks         saturated (height: txs, round, ms): ${loadBlocks.map((b) => `${b.height}: ${b.txs}, r${b.round}, ${b.ms}`).join('; ')}`,
          `blocks         steady: ${steadyBlocks.map((b) => `${b.height}: ${b.txs}, r${b.round}, ${b.ms}`).join('; ')}`,
          `name → DNS     median ${report.nameToDnsMs.median} ms, max ${report.nameToDnsMs.max} ms (all five nodes answer)`,
          `sync           ${report.sync.blocks} blocks in ${report.sync.seconds} s: ${report.sync.blocksPerSecond} blocks/s, ${report.sync.txPerSecond} tx/s`,
          ...report.goals.map((g) => `${g.met ? 'met   ' : 'missed'} ${g.name}`),
        ].join('\n') + '\n',
      );
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
