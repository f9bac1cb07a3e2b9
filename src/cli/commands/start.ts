import type { Command } from 'commander';
import { pino } from 'pino';
import { ChainNode } from '../../node/node.ts';
import { ensureDevnet } from '../../node/devnet.ts';
import { buildRpc } from '../../rpc/server.ts';
import { dnsEventLogger, exportNodeZone, genesisKsk, startNodeDns } from '../../node/dns-service.ts';
import { DEFAULT_NODE_UDP_WORKERS, registerDoh, unboundTrustAnchor } from '../../dns/index.ts';
import { startHub } from '../../hub/server.ts';
import { DcbtError } from '../../errors.ts';
import { Output } from '../output.ts';

export const DEFAULT_PORTS = { rpc: 8645, dns: 8653, hub: 8646 } as const;

interface StartFlags {
  xfrAllow: string[];
  notify?: string[];
  tsig?: string;
  dataDir: string;
  host: string;
  rpcPort: string;
  dnsPort: string;
  dnsUdpWorkers: string;
  hubPort: string;
  json?: boolean;
}

export function port(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new DcbtError('BAD_ARGUMENT', `${flag} must be a port number 0–65535 (0 picks a free one), not "${value}"`, { flag });
  return n;
}

/** Threads for DNS over UDP: a small whole number (each is a thread with its own answer cache). */
export function udpWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > UDP_WORKERS_MAX) throw new DcbtError('BAD_ARGUMENT', `--dns-udp-workers must be a whole number 0–${UDP_WORKERS_MAX}, not "${value}"`, { flag: '--dns-udp-workers' });
  return n;
}
const UDP_WORKERS_MAX = 64;

function transferOptions(flags: StartFlags) {
  const transferAllow = flags.xfrAllow.includes('none') ? [] : flags.xfrAllow;
  const notify = (flags.notify ?? []).map((target) => {
    const m = /^(.+):(\d+)$/.exec(target);
    if (!m) throw new DcbtError('BAD_ARGUMENT', `--notify ${target}: expected host:port, e.g. 127.0.0.1:5300`, {});
    return { host: m[1]!.replace(/^\[|\]$/g, ''), port: port(m[2]!, '--notify') };
  });
  let transferTsig;
  if (flags.tsig) {
    const m = /^([^:]+):([A-Za-z0-9+/=]+)$/.exec(flags.tsig);
    if (!m) throw new DcbtError('BAD_ARGUMENT', '--tsig expects name:base64secret, e.g. xfr-key:c2VjcmV0IHNlY3JldA==', {});
    transferTsig = { name: m[1]!, algorithm: 'hmac-sha256' as const, secretBase64: m[2]! };
  }
  return { transferAllow, notify, ...(transferTsig ? { transferTsig } : {}) };
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run everything on this machine: a single-validator devnet, its RPC, its DNS server (DNSSEC) and the hub, data in --data-dir')
    .option('--data-dir <dir>', 'where the chain keeps its data', '.dcbt')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--rpc-port <n>', 'RPC port (0 = any free port)', String(DEFAULT_PORTS.rpc))
    .option('--dns-port <n>', 'DNS port, UDP and TCP (0 = any free port)', String(DEFAULT_PORTS.dns))
    .option('--hub-port <n>', 'hub port (0 = any free port)', String(DEFAULT_PORTS.hub))
    .option('--dns-udp-workers <n>', 'threads answering DNS over UDP (0 = on the main thread; more than 1 share the port)', String(DEFAULT_NODE_UDP_WORKERS))
    .option('--xfr-allow <cidr...>', 'who may transfer the zone by AXFR/IXFR (addresses or prefixes; "none" for nobody)', ['127.0.0.1', '::1'])
    .option('--notify <host:port...>', 'secondaries to NOTIFY after each block, e.g. 127.0.0.1:5300')
    .option('--tsig <name:base64secret>', 'require transfers signed with this hmac-sha256 TSIG key')
    .action(async (flags: StartFlags, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals().json);
      const out = new Output({ json });
      const log = pino({ level: process.env.DCBT_LOG_LEVEL ?? 'info' }, pino.destination(2));
      const rpcPort = port(flags.rpcPort, '--rpc-port');
      const dnsPort = port(flags.dnsPort, '--dns-port');
      const hubPort = port(flags.hubPort, '--hub-port');

      const devnet = await ensureDevnet(flags.dataDir);
      if (devnet.created) out.progress(`created a new devnet in ${flags.dataDir} (genesis.json, validator.key)`);
      const node = await ChainNode.open({ dataDir: flags.dataDir, genesis: devnet.genesis, validatorKey: devnet.validatorKey });
      const dnsNode = await startNodeDns(node, { host: flags.host, port: dnsPort, ...transferOptions(flags), udpWorkers: udpWorkers(flags.dnsUdpWorkers), onEvent: dnsEventLogger(log) });
      const dns = dnsNode.server;
      const rpc = await buildRpc(node, undefined, { zoneText: () => exportNodeZone(node) });
      // DNS over HTTPS (RFC 8484) on the node's HTTP port, answered by the same handler chain.
      await registerDoh(rpc, dns.env);
      await rpc.listen({ host: flags.host, port: rpcPort });
      const address = rpc.server.address();
      const rpcUrl = `http://${flags.host}:${typeof address === 'object' && address ? address.port : rpcPort}`;
      const ksk = genesisKsk(devnet.genesis);
      const trustAnchor = ksk ? unboundTrustAnchor(devnet.genesis.apex, ksk) : undefined;
      // Hub logs stay off stdout, which carries only the result (one JSON line with --json).
      const hub = await startHub({ dataDir: flags.dataDir, port: hubPort, host: flags.host, rpcUrl, dnsServer: { host: dns.host, port: dns.udpPort }, logger: false });
      node.onBlock((block) => log.info({ height: block.header.height, txs: block.txs.length }, 'block final'));
      node.start((error) => log.error({ err: error }, 'block production failed'));

      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        out.progress(`\n${signal}: stopping…`);
        await hub.close();
        await rpc.close();
        await dnsNode.close();
        await node.close();
        out.progress('stopped cleanly');
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));

      const apexName = devnet.genesis.apex.replace(/\.$/, '');
      const dig = `dig @${dns.host} -p ${dns.udpPort} alice.${apexName} A +dnssec`;
      const ready = { event: 'ready', chainId: devnet.genesis.chainId, apex: devnet.genesis.apex, dataDir: flags.dataDir, height: node.tip.height, rpc: rpcUrl, dns: { host: dns.host, port: dns.udpPort, doh: `${rpcUrl}/dns-query` }, hub: hub.url, trustAnchor, dig };
      out.result(ready, () =>
        [
          `DCBT devnet "${devnet.genesis.chainId}" is running — apex ${devnet.genesis.apex}, height ${node.tip.height}, data in ${flags.dataDir}`,
          `  RPC  ${rpcUrl}   (try: curl ${rpcUrl}/v1/status)`,
          `  hub  ${hub.url}/en/   (glossary, explainers, resources; also /fr/ /es/ /ar/)`,
          `  DNS  ${dns.host} port ${dns.udpPort}, UDP and TCP, DNSSEC-signed; DNS over HTTPS at ${rpcUrl}/dns-query`,
          ...(trustAnchor ? [`       trust anchor for Unbound: ${trustAnchor}`] : []),
          '',
          'In another terminal:',
          '  npx dcbt wallet new',
          '  npx dcbt name register alice --a 192.0.2.1',
          '  npx dcbt name show alice',
          `  ${dig}`,
          '',
          'Ctrl-C stops the node; everything final is kept in the data dir.',
        ].join('\n'),
      );
    });
}
