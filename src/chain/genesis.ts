/**
 * Genesis: the chain's apex, parameters, validators and reserved names, as a JSON file every node
 * of a network shares. Its hash (over a canonical JSON form) is the parent of block 1.
 */
import { z } from 'zod';
import { DcbtError } from '../errors.ts';
import { fromHex, sha256, toHex, utf8 } from './hash.ts';
import { DEVNET_PARAMS, type Bytes, type Genesis } from './types.ts';

const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 32 bytes as 64 lower-case hex digits');
const int = (min: number) => z.number().int().min(min).max(Number.MAX_SAFE_INTEGER);

/**
 * The most transactions a genesis may allow in one block. A proposal carries 32 bytes per
 * transaction in one gossip message of about 4 MiB (docs/P2P.md, compact proposals), so a
 * block's count stays well under 127,000.
 */
export const BLOCK_TX_COUNT_MAX = 100_000;

export const GenesisFileSchema = z.strictObject({
  chainId: z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and hyphens'),
  apex: z
    .string()
    .max(200)
    .regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+$/, 'a fully qualified lower-case domain name ending in a dot, e.g. "dcbt.test."'),
  timeMs: int(0),
  params: z.strictObject({
    powBits: int(0).max(40),
    commitMinBlocks: int(1),
    commitMaxBlocks: int(1),
    registrationPeriodMs: int(1),
    gracePeriodMs: int(0),
    recordsSizeBytesMax: int(64).max(65_535),
    blockTxCountMax: int(1).max(BLOCK_TX_COUNT_MAX),
    blockIntervalMs: int(10),
    recordTtlSeconds: int(0).max(604_800),
    // Optional: genesis files from before evidence went on chain keep their hash (default 100,000).
    evidenceMaxAgeBlocks: int(1).optional(),
  }),
  validators: z.array(z.strictObject({ publicKey: hex32, power: int(1) })).min(1).max(1024),
  reservedNames: z.array(z.string().min(1).max(63)),
  nameservers: z
    .array(
      z.strictObject({
        host: z.string().regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+$/, 'a fully qualified lower-case host name ending in a dot'),
        ipv4: z.ipv4().optional(),
        ipv6: z.ipv6().optional(),
      }),
    )
    .max(13)
    .optional(),
  dnssec: z
    .strictObject({
      keyset: z.strictObject({
        dnskeys: z.array(z.string().regex(/^([0-9a-f]{2})+$/)).min(1).max(64),
        ttlSeconds: z.number().int().min(0).max(604_800),
        rrsig: z.string().regex(/^([0-9a-f]{2})+$/),
      }),
    })
    .optional(),
});
export type GenesisFile = z.infer<typeof GenesisFileSchema>;

export class GenesisError extends DcbtError<'GENESIS_INVALID', { issues: string[] }> {}

export function genesisFromJson(json: unknown): Genesis {
  const parsed = GenesisFileSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new GenesisError('GENESIS_INVALID', `genesis file is invalid: ${issues.join('; ')}`, { issues });
  }
  const g = parsed.data;
  if (g.params.commitMaxBlocks < g.params.commitMinBlocks) {
    throw new GenesisError('GENESIS_INVALID', 'genesis file is invalid: params.commitMaxBlocks is below commitMinBlocks', { issues: ['params.commitMaxBlocks'] });
  }
  return { ...g, validators: g.validators.map((v) => ({ publicKey: fromHex(v.publicKey), power: v.power })) };
}

export function genesisToJson(g: Genesis): GenesisFile {
  return {
    chainId: g.chainId,
    apex: g.apex,
    timeMs: g.timeMs,
    params: { ...g.params },
    validators: g.validators.map((v) => ({ publicKey: toHex(v.publicKey), power: v.power })),
    reservedNames: [...g.reservedNames],
    ...(g.nameservers ? { nameservers: g.nameservers.map((n) => ({ ...n })) } : {}),
    ...(g.dnssec ? { dnssec: { keyset: { ...g.dnssec.keyset, dnskeys: [...g.dnssec.keyset.dnskeys] } } } : {}),
  };
}

/** JSON with object keys sorted, so equal genesis values hash equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function genesisHash(g: Genesis): Bytes {
  return sha256(utf8('dcbt/genesis\0'), utf8(canonicalJson(genesisToJson(g))));
}

/** Names the devnet keeps back for the coalition and for infrastructure. */
export const DEVNET_RESERVED_NAMES = ['www', 'ns1', 'ns2', 'dcbt', 'igf', 'admin', 'root', 'nic', 'whois'];

export function devnetGenesis(options: { validators: readonly Bytes[]; timeMs: number; chainId?: string; apex?: string; powBits?: number }): Genesis {
  return {
    chainId: options.chainId ?? 'dcbt-devnet',
    apex: options.apex ?? 'dcbt.test.',
    timeMs: options.timeMs,
    params: { ...DEVNET_PARAMS, ...(options.powBits === undefined ? {} : { powBits: options.powBits }) },
    validators: options.validators.map((publicKey) => ({ publicKey, power: 1 })),
    reservedNames: DEVNET_RESERVED_NAMES,
  };
}
