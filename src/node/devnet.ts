/**
 * A devnet on one machine: on first start, a validator key and a genesis naming it are created in
 * the data dir; later starts load them. Both are plain files so a user can inspect or back them up.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { generateKeyPair, keyPairFromSecret, type KeyPair } from '../chain/crypto.ts';
import { devnetGenesis, genesisFromJson, genesisToJson } from '../chain/genesis.ts';
import { bytesEqual, fromHex, toHex } from '../chain/hash.ts';
import type { Genesis } from '../chain/types.ts';
import { DcbtError } from '../errors.ts';
import { DnskeyFlags, keysetToJson, signKeyset } from '../dns/index.ts';
import { createDnssecKey, KSK_FILE, loadDnssecKey, ZSK_FILE } from './dns-service.ts';

/** The devnet's key set signature lasts long; its node holds the KSK and can re-sign anyway. */
const DEVNET_KEYSET_VALIDITY_MS = 10 * 365 * 24 * 3600 * 1000;
import { readJsonIfExists, writeFileAtomic } from '../files.ts';

const KeyFileSchema = z.strictObject({ version: z.literal(1), publicKey: z.string().regex(/^[0-9a-f]{64}$/), secretKey: z.string().regex(/^[0-9a-f]{64}$/) });

export async function loadKeyFile(path: string): Promise<KeyPair | undefined> {
  const json = await readJsonIfExists(path);
  if (json === undefined) return undefined;
  const parsed = KeyFileSchema.safeParse(json);
  if (!parsed.success) throw new DcbtError('KEY_FILE_INVALID', `${path} is not a DCBT key file`, { path });
  return keyPairFromSecret(fromHex(parsed.data.secretKey));
}

export async function writeKeyFile(path: string, key: KeyPair): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify({ version: 1, publicKey: toHex(key.publicKey), secretKey: toHex(key.secretKey) }, null, 2)}\n`, 0o600);
}

export interface Devnet {
  readonly genesis: Genesis;
  readonly validatorKey: KeyPair;
  readonly created: boolean;
}

export async function ensureDevnet(dataDir: string, options: { timeMs?: number; powBits?: number } = {}): Promise<Devnet> {
  const keyPath = join(dataDir, 'validator.key');
  const genesisPath = join(dataDir, 'genesis.json');
  let key = await loadKeyFile(keyPath);
  const genesisJson = await readJsonIfExists(genesisPath);
  if (genesisJson !== undefined) {
    const genesis = genesisFromJson(genesisJson);
    if (!key) throw new DcbtError('KEY_FILE_MISSING', `${genesisPath} exists but ${keyPath} does not; restore the validator key or start from an empty --data-dir`, { keyPath });
    if (!genesis.validators.some((v) => bytesEqual(v.publicKey, key!.publicKey))) {
      throw new DcbtError('NOT_A_VALIDATOR', `the key in ${keyPath} is not a validator in ${genesisPath}`, { keyPath });
    }
    return { genesis, validatorKey: key, created: false };
  }
  key ??= generateKeyPair();
  await writeKeyFile(keyPath, key);
  const timeMs = options.timeMs ?? Date.now();
  const base = devnetGenesis({ validators: [key.publicKey], timeMs, ...(options.powBits === undefined ? {} : { powBits: options.powBits }) });
  // The devnet holds its own KSK (a deployment's KSK is held by governance, offline).
  const ksk = (await loadDnssecKey(join(dataDir, KSK_FILE), DnskeyFlags.KSK)) ?? (await createDnssecKey(join(dataDir, KSK_FILE), DnskeyFlags.KSK));
  const zsk = (await loadDnssecKey(join(dataDir, ZSK_FILE), DnskeyFlags.ZSK)) ?? (await createDnssecKey(join(dataDir, ZSK_FILE), DnskeyFlags.ZSK));
  const keyset = keysetToJson(signKeyset({ apex: base.apex, ksk, zsks: [zsk], ttlSeconds: 3600, nowMs: timeMs, validityMs: DEVNET_KEYSET_VALIDITY_MS }));
  const genesis: Genesis = { ...base, nameservers: [{ host: `ns1.${base.apex}`, ipv4: '127.0.0.1' }], dnssec: { keyset } };
  await writeFileAtomic(genesisPath, `${JSON.stringify(genesisToJson(genesis), null, 2)}\n`, 0o644);
  return { genesis, validatorKey: key, created: true };
}
