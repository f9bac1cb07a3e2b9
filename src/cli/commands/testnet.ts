import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { DcbtError } from '../../errors.ts';
import { peerIdOfNodeKey } from '../../p2p/index.ts';
import { ensureTestnet, type TestnetNode } from '../../node/testnet.ts';
import { Output } from '../output.ts';
import { port } from './start.ts';

interface TestnetFlags {
  validators: string;
  fullNodes: string;
  dataDir: string;
  basePort: string;
  host: string;
}

/** How long a node may take to open its store and bind its ports. */
const NODE_READY_TIMEOUT_MS = 60_000;
const NODE_STOP_TIMEOUT_MS = 10_000;
const BIN = fileURLToPath(new URL('../../../bin/dcbt.js', import.meta.url));

interface Running {
  readonly node: TestnetNode;
  readonly child: ChildProcess;
  ready?: Record<string, unknown>;
}

export function registerTestnetCommand(program: Command): void {
  program
    .command('testnet')
    .description('run a local multi-validator network on this machine: one genesis, one process per node (validators and full nodes), each with RPC, DNS and p2p on its own ports')
    .option('--validators <n>', 'number of validators', '4')
    .option('--full-nodes <n>', 'number of full nodes', '1')
    .option('--data-dir <dir>', 'where the network keeps its genesis and one folder per node (reused when it exists)', '.dcbt-testnet')
    .option('--base-port <n>', 'first port; each node takes 3 (RPC, DNS, p2p) from here upward', '9100')
    .option('--host <addr>', 'loopback address to listen on', '127.0.0.1')
    .action(async (flags: TestnetFlags, cmd: Command) => {
      const out = new Output({ json: Boolean(cmd.optsWithGlobals().json) });
      const validators = wholeNumber(flags.validators, '--validators');
      const fullNodes = wholeNumber(flags.fullNodes, '--full-nodes');
      const basePort = port(flags.basePort, '--base-port');
      const net = await ensureTestnet(flags.dataDir, { validators, fullNodes, basePort, host: flags.host }, (host, p, key) => `/ip4/${host}/tcp/${p}/p2p/${peerIdOfNodeKey(key.publicKey)}`);
      out.progress(`${net.created ? 'created' : 'loaded'} network "${net.genesis.chainId}" in ${flags.dataDir}: ${net.genesis.validators.length} validators, ${net.nodes.length - net.genesis.validators.length} full nodes; logs in each node's node.log`);

      const running: Running[] = [];
      let stopping = false;
      const stopAll = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        out.progress(`${signal}: stopping ${running.length} nodes…`);
        await Promise.all(running.map((r) => stopChild(r.child)));
        process.exit(0);
      };
      process.on('SIGINT', () => void stopAll('SIGINT'));
      process.on('SIGTERM', () => void stopAll('SIGTERM'));

      for (const node of net.nodes) running.push(spawnNode(node, join(flags.dataDir, 'genesis.json')));
      try {
        await Promise.all(running.map((r) => waitReady(r)));
      } catch (error) {
        await Promise.all(running.map((r) => stopChild(r.child)));
        throw error;
      }
      for (const r of running) {
        r.child.on('exit', (code, signal) => {
          if (stopping) return;
          const event = { event: 'exit', name: r.node.name, pid: r.child.pid, code, signal };
          if (out.json) process.stdout.write(`${JSON.stringify(event)}\n`);
          else process.stderr.write(`${r.node.name} (pid ${r.child.pid}) stopped: ${signal ?? `exit code ${code}`}; the others go on (restart it with: npx dcbt node --data-dir ${r.node.dataDir})\n`);
        });
      }
      if (out.json) {
        for (const r of running) process.stdout.write(`${JSON.stringify({ name: r.node.name, ...r.ready })}\n`);
      } else {
        const lines = running.map((r) => {
          const dns = r.ready!.dns as { host: string; port: number };
          return `  ${r.node.name.padEnd(6)} ${String(r.ready!.role).padEnd(9)} RPC ${r.ready!.rpc}   DNS ${dns.host}:${dns.port}   pid ${r.child.pid}`;
        });
        const first = running[0]!.ready!;
        const dns = running.at(-1)!.ready!.dns as { host: string; port: number };
        out.result(null, [
          `DCBT testnet "${net.genesis.chainId}" is running: ${net.genesis.validators.length} validators, ${net.nodes.length - net.genesis.validators.length} full nodes, apex ${net.genesis.apex}`,
          ...lines,
          '',
          'Try:',
          `  npx dcbt --rpc ${first.rpc} wallet new`,
          `  npx dcbt --rpc ${first.rpc} name register alice --a 192.0.2.1`,
          `  dig @${dns.host} -p ${dns.port} alice.${net.genesis.apex.replace(/\.$/, '')} A +dnssec      (asks the last node)`,
          `  kill -9 ${running[1]?.child.pid ?? running[0]!.child.pid}      (a validator: the others keep finalising)`,
          '',
          'Ctrl-C stops every node; the chain stays in the data dir.',
        ].join('\n'));
      }
    });
}

function wholeNumber(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new DcbtError('BAD_ARGUMENT', `${flag} must be a whole number, not "${value}"`, { flag });
  return n;
}

function spawnNode(node: TestnetNode, genesisPath: string): Running {
  const logFd = openSync(join(node.dataDir, 'node.log'), 'a');
  const child = spawn(process.execPath, [BIN, '--json', 'node', '--data-dir', node.dataDir, '--genesis', genesisPath], { stdio: ['ignore', 'pipe', logFd] });
  closeSync(logFd);
  return { node, child };
}

function waitReady(r: Running): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new DcbtError('NODE_NOT_READY', `${r.node.name} did not start within ${NODE_READY_TIMEOUT_MS} ms; see ${join(r.node.dataDir, 'node.log')}`, { node: r.node.name })), NODE_READY_TIMEOUT_MS);
    const lines = createInterface({ input: r.child.stdout! });
    lines.on('line', (line) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (parsed.event === 'ready') {
        r.ready = parsed;
        clearTimeout(timer);
        resolve();
      } else if (parsed.error) {
        clearTimeout(timer);
        const e = parsed.error as { code?: string; message?: string };
        reject(new DcbtError('NODE_FAILED', `${r.node.name} failed: [${e.code}] ${e.message}`, { node: r.node.name }));
      }
    });
    r.child.once('exit', (code) => {
      clearTimeout(timer);
      if (!r.ready) reject(new DcbtError('NODE_FAILED', `${r.node.name} exited with code ${code} before it was ready; see ${join(r.node.dataDir, 'node.log')}`, { node: r.node.name }));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), NODE_STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
