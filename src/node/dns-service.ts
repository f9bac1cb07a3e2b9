/**
 * The node's DNS: the authoritative server of src/dns over this node's finalised state. The zone
 * view reads names through the node's cached finalised lookup, so an update is answered as soon
 * as its block is final. DNSSEC: the key set (KSK + every node's ZSK, signed by the KSK) comes
 * from genesis; this node signs with its own ZSK from `zsk.key` in the data dir; a devnet node
 * that also holds the KSK (`ksk.key`) can re-sign the key set itself.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { fromHex } from '../chain/hash.ts';
import type { Genesis } from '../chain/types.ts';
import { DcbtError } from '../errors.ts';
import { readJsonIfExists, writeFileAtomic } from '../files.ts';
import {
  DnskeyFlags,
  checkKeyset,
  exportPrivateScalar,
  generateKeyPair,
  keyPairFromPrivate,
  keysetFromJson,
  parseDnskey,
  startDnsServer,
  DEFAULT_NODE_UDP_WORKERS,
  exportZoneText,
  startZoneTransfer,
  type NotifyTarget,
  type TsigKeyConfig,
  type ZoneTransfer,
  type ApexConfig,
  type DnsServer,
  type DnsServerEvent,
  type DnssecKeyPair,
  type DnssecKeys,
  type ZoneView,
} from '../dns/index.ts';
import type { ChainNode } from './node.ts';

const DnssecKeyFileSchema = z.strictObject({ version: z.literal(1), algorithm: z.literal(13), flags: z.union([z.literal(256), z.literal(257)]), privateKey: z.string().regex(/^[0-9a-f]{64}$/) });

export async function loadDnssecKey(path: string, flags: DnskeyFlags): Promise<DnssecKeyPair | undefined> {
  const json = await readJsonIfExists(path);
  if (json === undefined) return undefined;
  const parsed = DnssecKeyFileSchema.safeParse(json);
  if (!parsed.success || parsed.data.flags !== flags) throw new DcbtError('KEY_FILE_INVALID', `${path} is not a DNSSEC ${flags === 257 ? 'KSK' : 'ZSK'} key file`, { path });
  return keyPairFromPrivate(flags, fromHex(parsed.data.privateKey));
}

export async function writeDnssecKey(path: string, key: DnssecKeyPair): Promise<void> {
  const privateKey = Buffer.from(exportPrivateScalar(key.privateKey)).toString('hex');
  await writeFileAtomic(path, `${JSON.stringify({ version: 1, algorithm: 13, flags: key.flags, privateKey }, null, 2)}\n`, 0o600);
}

export async function createDnssecKey(path: string, flags: DnskeyFlags): Promise<DnssecKeyPair> {
  const key = generateKeyPair(flags);
  await writeDnssecKey(path, key);
  return key;
}

export const KSK_FILE = 'ksk.key';
export const ZSK_FILE = 'zsk.key';

/** The KSK's DNSKEY from the genesis key set (flags 257). */
export function genesisKsk(genesis: Genesis): Uint8Array | undefined {
  const keyset = genesis.dnssec?.keyset;
  return keyset?.dnskeys.map(fromHex).find((k) => parseDnskey(k).flags === DnskeyFlags.KSK);
}

/** This node's DNSSEC keys, or undefined when the chain has no key set (the zone is then unsigned). */
export async function loadNodeDnssecKeys(dataDir: string, genesis: Genesis, nowMs: number): Promise<DnssecKeys | undefined> {
  const json = genesis.dnssec?.keyset;
  if (!json) return undefined;
  const keyset = keysetFromJson(json);
  const kskDnskey = genesisKsk(genesis);
  if (!kskDnskey) throw new DcbtError('GENESIS_INVALID', 'the genesis key set has no KSK (a DNSKEY with flags 257)', {});
  const zsk = await loadDnssecKey(join(dataDir, ZSK_FILE), DnskeyFlags.ZSK);
  if (!zsk) throw new DcbtError('ZSK_MISSING', `the chain signs its zone but ${join(dataDir, ZSK_FILE)} is missing; restore this node's ZSK, or have governance add a new one to the key set`, {});
  const kskPair = await loadDnssecKey(join(dataDir, KSK_FILE), DnskeyFlags.KSK);
  const ksk = kskPair ?? parseDnskey(kskDnskey);
  if (!kskPair) checkKeyset(keyset, genesis.apex, ksk, zsk, nowMs);
  return { ksk, zsk, keyset };
}

export function apexConfig(genesis: Genesis): ApexConfig {
  return {
    nameservers: (genesis.nameservers ?? []).map((n) => ({ ...n })),
    soa: { rname: `hostmaster.${genesis.apex}`, refreshSeconds: 3600, retrySeconds: 600, expireSeconds: 1_209_600, minimumSeconds: 300 },
    ttlSeconds: 3600,
  };
}

export function zoneViewOf(node: ChainNode): () => ZoneView {
  const { genesis } = node;
  const reserved = new Set(genesis.reservedNames);
  const lookup = (label: string) => node.lookupFinal(label);
  const isReserved = (label: string) => reserved.has(label);
  const allNames = () => node.allNames();
  const changedSince = (serial: number) => node.changedNamesSince(serial);
  return () => ({ apex: genesis.apex, serial: node.tip.height, timeMs: node.statusTimeMs(), ttlSeconds: genesis.params.recordTtlSeconds, lookup, isReserved, allNames, changedSince });
}

/** The whole zone as a signed RFC 1035 master file, as secondaries would serve it. */
export async function exportNodeZone(node: ChainNode): Promise<string> {
  const keys = await loadNodeDnssecKeys(node.dataDir, node.genesis, Date.now());
  return exportZoneText(zoneViewOf(node)(), apexConfig(node.genesis), keys);
}

export interface NodeDnsOptions {
  readonly host: string;
  readonly port: number;
  /** Who may transfer the zone (addresses or CIDR prefixes); empty: nobody. */
  readonly transferAllow?: readonly string[];
  /** When set, transfers must be signed with this TSIG key too. */
  readonly transferTsig?: TsigKeyConfig;
  /** Secondaries to NOTIFY after each finalised block. */
  readonly notify?: readonly NotifyTarget[];
  /** Worker threads serving UDP (default 1: cached answers never wait for the chain's work; `DnsLimits.udpWorkers`). */
  readonly udpWorkers?: number;
  /** Told when a UDP worker dies and how its restart goes; `dnsEventLogger` writes them to a log. */
  readonly onEvent?: (event: DnsServerEvent) => void;
}

interface EventLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** Writes the DNS server's events to the node's log, each at the level an operator needs. */
export function dnsEventLogger(log: EventLog): (event: DnsServerEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'udp-worker-exited':
        log.warn({ worker: event.index, exitCode: event.exitCode }, 'DNS UDP worker stopped; starting it again');
        break;
      case 'udp-worker-restart-failed':
        log.error({ worker: event.index, attempt: event.attempt, retryInMs: event.retryInMs, reason: event.message }, 'DNS UDP worker could not start again; UDP on this port is down until it does (TCP and DoH still answer)');
        break;
      case 'udp-worker-restarted':
        log.info({ worker: event.index, attempts: event.attempts }, 'DNS UDP worker serving again');
        break;
    }
  };
}

export interface NodeDns {
  readonly server: DnsServer;
  readonly transfer: ZoneTransfer | undefined;
  close(): Promise<void>;
}

/**
 * Starts the node's DNS server and, when anyone may transfer the zone, the AXFR/IXFR service;
 * every finalised block makes a new zone version and NOTIFYs the secondaries.
 */
export async function startNodeDns(node: ChainNode, options: NodeDnsOptions): Promise<NodeDns> {
  const keys = await loadNodeDnssecKeys(node.dataDir, node.genesis, Date.now());
  const view = zoneViewOf(node);
  const server = await startDnsServer({ host: options.host, port: options.port, view, apex: apexConfig(node.genesis), ...(keys ? { keys } : {}), limits: { udpWorkers: options.udpWorkers ?? DEFAULT_NODE_UDP_WORKERS }, ...(options.onEvent ? { onEvent: options.onEvent } : {}) });
  // UDP workers hold their own answer caches: tell them of each block as it is final.
  const offView = node.onBlock(() => server.viewChanged());
  let transfer: ZoneTransfer | undefined;
  let unsubscribe = () => void offView();
  if ((options.transferAllow ?? []).length > 0) {
    try {
      transfer = await startZoneTransfer({
        server,
        view,
        ...(keys ? { keys } : {}),
        acl: { allow: options.transferAllow ?? [], ...(options.transferTsig ? { tsig: options.transferTsig } : {}) },
        notify: options.notify ?? [],
        limits: { serialPollMs: 0 },
      });
    } catch (error) {
      offView();
      await server.close();
      throw error;
    }
    const xfr = transfer;
    const off = node.onBlock(() => void xfr.notifyChanged().catch(() => undefined));
    unsubscribe = () => {
      offView();
      off();
    };
  }
  return {
    server,
    transfer,
    async close() {
      unsubscribe();
      await transfer?.close();
      await server.close();
    },
  };
}
