/**
 * A local multi-node network on one machine: one genesis naming every validator, one folder per
 * node with its own keys and its own `node.json` (ports, bootstrap peers). Created once; later
 * runs load it, so a network can be stopped and started again with its chain.
 *
 *   <dir>/genesis.json        shared by every node
 *   <dir>/ksk.key             the network's DNSSEC KSK (a deployment's is held offline by governance)
 *   <dir>/node<i>/validator.key   validators only
 *   <dir>/node<i>/p2p.key     the node's network identity (its libp2p peer id)
 *   <dir>/node<i>/zsk.key     the node's own ZSK, authorised in the genesis key set, never shared
 *   <dir>/node<i>/node.json   { role, ports, bootstrap }
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { generateKeyPair, type KeyPair } from '../chain/crypto.ts';
import { devnetGenesis, genesisFromJson, genesisToJson } from '../chain/genesis.ts';
import type { Genesis } from '../chain/types.ts';
import { DnskeyFlags, keysetToJson, signKeyset } from '../dns/index.ts';
import { DcbtError } from '../errors.ts';
import { readJsonIfExists, writeFileAtomic } from '../files.ts';
import { createDnssecKey, KSK_FILE, loadDnssecKey, ZSK_FILE } from './dns-service.ts';
import { loadKeyFile, writeKeyFile } from './devnet.ts';

export const VALIDATORS_MAX = 64;
export const FULL_NODES_MAX = 64;
/** Ports a node takes from its base: RPC, DNS (UDP and TCP), p2p. */
export const PORTS_PER_NODE = 3;
const KEYSET_VALIDITY_MS = 10 * 365 * 24 * 3600 * 1000;

export const NodeConfigSchema = z.strictObject({
  version: z.literal(1),
  role: z.enum(['validator', 'full']),
  host: z.string().min(1),
  rpcPort: z.number().int().min(0).max(65535),
  dnsPort: z.number().int().min(0).max(65535),
  p2pPort: z.number().int().min(0).max(65535),
  /** Multiaddrs of peers to stay connected to. */
  bootstrap: z.array(z.string().min(1)).max(256),
});
export type NodeConfig = z.infer<typeof NodeConfigSchema>;

export const NODE_CONFIG_FILE = 'node.json';
export const P2P_KEY_FILE = 'p2p.key';
export const VALIDATOR_KEY_FILE = 'validator.key';

export interface TestnetOptions {
  readonly validators: number;
  readonly fullNodes: number;
  readonly basePort: number;
  readonly host?: string;
  readonly timeMs?: number;
  readonly powBits?: number;
  readonly chainId?: string;
}

export interface TestnetNode {
  readonly name: string;
  readonly dataDir: string;
  readonly config: NodeConfig;
}

export interface Testnet {
  readonly dir: string;
  readonly genesis: Genesis;
  readonly nodes: readonly TestnetNode[];
  readonly created: boolean;
}

/** The multiaddr under which a node with this p2p key listens (its peer id is derived from the key). */
export type PeerAddress = (host: string, port: number, p2pKey: KeyPair) => string;

/** Creates the network's files in `dir`, or loads them when they are there. */
export async function ensureTestnet(dir: string, options: TestnetOptions, peerAddress: PeerAddress): Promise<Testnet> {
  const genesisPath = join(dir, 'genesis.json');
  const existing = await readJsonIfExists(genesisPath);
  if (existing !== undefined) return loadTestnet(dir, genesisFromJson(existing));
  checkOptions(options);
  const host = options.host ?? '127.0.0.1';
  const total = options.validators + options.fullNodes;
  const timeMs = options.timeMs ?? Date.now();
  await mkdir(dir, { recursive: true });

  const names = Array.from({ length: total }, (_, i) => `node${i}`);
  const validatorKeys: KeyPair[] = [];
  const p2pKeys: KeyPair[] = [];
  const zsks = [];
  for (const [i, name] of names.entries()) {
    const nodeDir = join(dir, name);
    await mkdir(nodeDir, { recursive: true });
    if (i < options.validators) {
      const key = generateKeyPair();
      await writeKeyFile(join(nodeDir, VALIDATOR_KEY_FILE), key);
      validatorKeys.push(key);
    }
    const p2p = generateKeyPair();
    await writeKeyFile(join(nodeDir, P2P_KEY_FILE), p2p);
    p2pKeys.push(p2p);
    zsks.push(await createDnssecKey(join(nodeDir, ZSK_FILE), DnskeyFlags.ZSK));
  }
  const base = devnetGenesis({
    validators: validatorKeys.map((k) => k.publicKey),
    timeMs,
    chainId: options.chainId ?? 'dcbt-testnet',
    ...(options.powBits === undefined ? {} : { powBits: options.powBits }),
  });
  const ksk = (await loadDnssecKey(join(dir, KSK_FILE), DnskeyFlags.KSK)) ?? (await createDnssecKey(join(dir, KSK_FILE), DnskeyFlags.KSK));
  const keyset = keysetToJson(signKeyset({ apex: base.apex, ksk, zsks, ttlSeconds: 3600, nowMs: timeMs, validityMs: KEYSET_VALIDITY_MS }));
  // NS names for every node; on loopback they share an address (their DNS ports differ).
  const nameservers = names.map((_, i) => ({ host: `ns${i + 1}.${base.apex}`, ipv4: host }));
  const genesis: Genesis = { ...base, nameservers, dnssec: { keyset } };

  const ports = (i: number) => {
    const first = options.basePort + i * PORTS_PER_NODE;
    return { rpcPort: first, dnsPort: first + 1, p2pPort: first + 2 };
  };
  const addresses = names.map((_, i) => peerAddress(host, ports(i).p2pPort, p2pKeys[i]!));
  const nodes: TestnetNode[] = [];
  for (const [i, name] of names.entries()) {
    // Every node keeps a connection to every other one (a small network: a full mesh, from any start order).
    const bootstrap = addresses.filter((_, j) => j !== i);
    const config: NodeConfig = { version: 1, role: i < options.validators ? 'validator' : 'full', host, ...ports(i), bootstrap };
    const dataDir = join(dir, name);
    await writeFileAtomic(join(dataDir, NODE_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`, 0o644);
    nodes.push({ name, dataDir, config });
  }
  // Written last: its presence means the network is complete.
  await writeFileAtomic(genesisPath, `${JSON.stringify(genesisToJson(genesis), null, 2)}\n`, 0o644);
  return { dir, genesis, nodes, created: true };
}

function checkOptions(options: TestnetOptions): void {
  if (!Number.isInteger(options.validators) || options.validators < 1 || options.validators > VALIDATORS_MAX) {
    throw new DcbtError('BAD_ARGUMENT', `--validators must be a whole number from 1 to ${VALIDATORS_MAX}, not ${options.validators}`, { validators: options.validators });
  }
  if (!Number.isInteger(options.fullNodes) || options.fullNodes < 0 || options.fullNodes > FULL_NODES_MAX) {
    throw new DcbtError('BAD_ARGUMENT', `--full-nodes must be a whole number from 0 to ${FULL_NODES_MAX}, not ${options.fullNodes}`, { fullNodes: options.fullNodes });
  }
  const last = options.basePort + (options.validators + options.fullNodes) * PORTS_PER_NODE - 1;
  if (!Number.isInteger(options.basePort) || options.basePort < 1024 || last > 65535) {
    throw new DcbtError('BAD_ARGUMENT', `--base-port must leave room for ${PORTS_PER_NODE} ports per node between 1024 and 65535 (the network would need up to ${last})`, { basePort: options.basePort });
  }
}

export async function loadNodeConfig(dataDir: string): Promise<NodeConfig | undefined> {
  const path = join(dataDir, NODE_CONFIG_FILE);
  const json = await readJsonIfExists(path);
  if (json === undefined) return undefined;
  const parsed = NodeConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new DcbtError('NODE_CONFIG_INVALID', `${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`, { path });
  }
  return parsed.data;
}

async function loadTestnet(dir: string, genesis: Genesis): Promise<Testnet> {
  const nodes: TestnetNode[] = [];
  for (let i = 0; ; i++) {
    const dataDir = join(dir, `node${i}`);
    const config = await loadNodeConfig(dataDir);
    if (!config) break;
    nodes.push({ name: `node${i}`, dataDir, config });
  }
  if (nodes.length === 0) throw new DcbtError('TESTNET_DAMAGED', `${dir} has a genesis.json but no node0/node.json; remove the folder to create a new network`, { dir });
  const validators = nodes.filter((n) => n.config.role === 'validator').length;
  if (validators !== genesis.validators.length) {
    throw new DcbtError('TESTNET_DAMAGED', `${dir}: genesis names ${genesis.validators.length} validators but ${validators} node folders are validators`, { dir });
  }
  return { dir, genesis, nodes, created: false };
}

/** A node's validator key (undefined for a full node) and p2p key, from its folder. */
export async function loadNodeKeys(dataDir: string): Promise<{ validatorKey: KeyPair | undefined; p2pKey: KeyPair }> {
  const validatorKey = await loadKeyFile(join(dataDir, VALIDATOR_KEY_FILE));
  let p2pKey = await loadKeyFile(join(dataDir, P2P_KEY_FILE));
  if (!p2pKey) {
    p2pKey = generateKeyPair();
    await writeKeyFile(join(dataDir, P2P_KEY_FILE), p2pKey);
  }
  return { validatorKey, p2pKey };
}
