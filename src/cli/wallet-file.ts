/** The wallet: one Ed25519 key in a JSON file readable only by its owner. */
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { keyPairFromSecret, generateKeyPair, type KeyPair } from '../chain/crypto.ts';
import { fromHex, toHex } from '../chain/hash.ts';
import { DcbtError } from '../errors.ts';
import { readJsonIfExists, writeFileAtomic } from '../files.ts';

export const DEFAULT_WALLET_PATH = '.dcbt/wallet.json';

const WalletSchema = z.strictObject({
  version: z.literal(1),
  publicKey: z.string().regex(/^[0-9a-f]{64}$/),
  secretKey: z.string().regex(/^[0-9a-f]{64}$/),
});

export async function createWallet(path: string, options: { force?: boolean } = {}): Promise<KeyPair> {
  if (!options.force && (await readJsonIfExists(path)) !== undefined) {
    throw new DcbtError('WALLET_EXISTS', `a wallet already exists at ${path}; use it, choose another --wallet FILE, or pass --force to replace it (its names would be lost)`, { path });
  }
  const key = generateKeyPair();
  await writeFileAtomic(path, `${JSON.stringify({ version: 1, publicKey: toHex(key.publicKey), secretKey: toHex(key.secretKey) }, null, 2)}\n`, 0o600);
  return key;
}

export async function loadWallet(path: string): Promise<KeyPair> {
  const json = await readJsonIfExists(path);
  if (json === undefined) throw new DcbtError('WALLET_NOT_FOUND', `no wallet at ${path}; create one with \`dcbt wallet new\` (or pass --wallet FILE)`, { path });
  const parsed = WalletSchema.safeParse(json);
  if (!parsed.success) throw new DcbtError('WALLET_INVALID', `${path} is not a DCBT wallet file`, { path });
  const key = keyPairFromSecret(fromHex(parsed.data.secretKey));
  if (toHex(key.publicKey) !== parsed.data.publicKey) throw new DcbtError('WALLET_INVALID', `${path}: the public key does not belong to the secret key`, { path });
  const mode = (await stat(path)).mode & 0o777;
  if (mode & 0o077) process.stderr.write(`warning: ${path} is readable by others (mode ${mode.toString(8)}); run chmod 600 ${path}\n`);
  return key;
}
