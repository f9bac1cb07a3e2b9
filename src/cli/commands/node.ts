import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { genesisFromJson, genesisHash } from '../../chain/genesis.ts';
import { bytesEqual } from '../../chain/hash.ts';
import { DEFAULT_NODE_UDP_WORKERS, registerDoh } from '../../dns/index.ts';
import { DcbtError } from '../../errors.ts';
import { readJsonIfExists } from '../../files.ts';
import { dnsEventLogger, exportNodeZone, startNodeDns } from '../../node/dns-service.ts';
import { NetworkNode } from '../../node/network.ts';
import { loadNodeConfig, loadNodeKeys } from '../../node/testnet.ts';
import { buildRpc } from '../../rpc/server.ts';
import { Output } from '../output.ts';
import { port, udpWorkers } from './start.ts';

const STALL_REPORT_INTERVAL_MS = 5000;

interface NodeFlags {
  dataDir: string;
  genesis?: string;
  host?: string;
  rpcPort?: string;
  dnsPort?: string;
  dnsUdpWorkers: string;
  p2pPort?: string;
  bootstrap?: string[];
}

export function registerNodeCommand(program: Command): void {
  program
    .command('node')
    .description("run one node of a multi-validator chain from its genesis: consensus (when --data-dir holds a validator.key), the libp2p network, block sync, RPC and DNS")
    .requiredOption('--data-dir <dir>', "the node's folder: keys, node.json (ports, peers), chain data")
    .option('--genesis <file>', "the chain's genesis.json (copied into --data-dir on first start)")
    .option('--host <addr>', 'address to listen on (default from node.json, else 127.0.0.1)')
    .option('--rpc-port <n>', 'RPC port (default from node.json)')
    .option('--dns-port <n>', 'DNS port, UDP and TCP (default from node.json)')
    .option('--p2p-port <n>', 'libp2p TCP port (default from node.json)')
    .option('--dns-udp-workers <n>', 'threads answering DNS over UDP (0 = on the main thread; more than 1 share the port)', String(DEFAULT_NODE_UDP_WORKERS))
    .option('--bootstrap <multiaddr...>', 'peers to connect to (default from node.json)')
    .action(async (flags: NodeFlags, cmd: Command) => {
      const out = new Output({ json: Boolean(cmd.optsWithGlobals().json) });
      const log = pino({ level: process.env.DCBT_LOG_LEVEL ?? 'info' }, pino.destination(2));
      const genesis = await nodeGenesis(flags.dataDir, flags.genesis);
      const config = await loadNodeConfig(flags.dataDir);
      const host = flags.host ?? config?.host ?? '127.0.0.1';
      const rpcPort = port(flags.rpcPort ?? String(config?.rpcPort ?? 0), '--rpc-port');
      const dnsPort = port(flags.dnsPort ?? String(config?.dnsPort ?? 0), '--dns-port');
      const p2pPort = port(flags.p2pPort ?? String(config?.p2pPort ?? 0), '--p2p-port');
      const { validatorKey, p2pKey } = await loadNodeKeys(flags.dataDir);
      if (validatorKey && !genesis.validators.some((v) => bytesEqual(v.publicKey, validatorKey.publicKey))) {
        throw new DcbtError('NOT_A_VALIDATOR', `${join(flags.dataDir, 'validator.key')} is not one of the genesis validators; remove it to run a full node`, {});
      }

      const node = await NetworkNode.start({
        dataDir: flags.dataDir,
        genesis,
        ...(validatorKey ? { validatorKey } : {}),
        p2pKey,
        listen: { host, port: p2pPort },
        bootstrap: flags.bootstrap ?? config?.bootstrap ?? [],
        onError: (error, context) => log.warn({ err: error, context }, 'recovered'),
        log,
      });
      const { chain } = node;
      const dnsNode = await startNodeDns(chain, { host, port: dnsPort, transferAllow: ['127.0.0.1', '::1'], udpWorkers: udpWorkers(flags.dnsUdpWorkers), onEvent: dnsEventLogger(log) });
      const rpc = await buildRpc(chain, undefined, { zoneText: () => exportNodeZone(chain), network: () => node.status() });
      await registerDoh(rpc, dnsNode.server.env);
      await rpc.listen({ host, port: rpcPort });
      const address = rpc.server.address();
      const rpcUrl = `http://${host}:${typeof address === 'object' && address ? address.port : rpcPort}`;
      chain.onBlock((block, commit) => log.info({ height: block.header.height, txs: block.txs.length, round: commit.round, signatures: commit.signatures.length }, 'block final'));

      // Say why nothing happens when nothing happens: the round, the step and how many peers are connected.
      let lastHeight = chain.tip.height;
      const stallCheck = setInterval(() => {
        if (chain.tip.height === lastHeight) {
          const { height, round, step } = node.consensus.status;
          log.warn({ height, round, step, peers: node.p2p.peers().length }, `no block finalised in the last ${STALL_REPORT_INTERVAL_MS / 1000} s`);
        }
        lastHeight = chain.tip.height;
      }, STALL_REPORT_INTERVAL_MS);
      stallCheck.unref();

      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        out.progress(`${signal}: stopping…`);
        await rpc.close();
        await dnsNode.close();
        await node.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));

      const role = validatorKey ? 'validator' : 'full';
      const ready = {
        event: 'ready',
        pid: process.pid,
        dataDir: flags.dataDir,
        role,
        chainId: genesis.chainId,
        height: chain.tip.height,
        rpc: rpcUrl,
        dns: { host, port: dnsNode.server.udpPort },
        p2p: node.p2p.multiaddrs()[0],
        peerId: node.p2p.peerId,
      };
      out.result(ready, () =>
        [
          `DCBT ${role} node of "${genesis.chainId}" at height ${chain.tip.height}, data in ${flags.dataDir}`,
          `  RPC  ${rpcUrl}`,
          `  DNS  ${host} port ${dnsNode.server.udpPort}`,
          `  p2p  ${ready.p2p}`,
          'Ctrl-C stops it; everything final is kept in the data dir.',
        ].join('\n'),
      );
    });
}

/** The genesis in the data dir; on first start the one given with --genesis, copied there. */
async function nodeGenesis(dataDir: string, given: string | undefined) {
  const own = join(dataDir, 'genesis.json');
  const ownJson = await readJsonIfExists(own);
  const givenJson = given === undefined ? undefined : await readJsonIfExists(given);
  if (given !== undefined && givenJson === undefined) throw new DcbtError('GENESIS_MISSING', `--genesis ${given}: no such file`, { path: given });
  if (ownJson === undefined) {
    if (givenJson === undefined) throw new DcbtError('GENESIS_MISSING', `${own} does not exist: pass the chain's genesis with --genesis <file> on the first start`, { path: own });
    const genesis = genesisFromJson(givenJson);
    await copyFile(given!, own);
    return genesis;
  }
  const genesis = genesisFromJson(ownJson);
  if (givenJson !== undefined && !bytesEqual(genesisHash(genesisFromJson(givenJson)), genesisHash(genesis))) {
    throw new DcbtError('GENESIS_MISMATCH', `--genesis ${given} is not the genesis this node's data dir was started with (${own}); use a fresh --data-dir for another chain`, { path: given });
  }
  return genesis;
}
