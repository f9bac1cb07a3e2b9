/**
 * Password hashing with scrypt (node:crypto). The stored string names its parameters, so the
 * cost can be raised later: a hash made with weaker parameters still verifies, and
 * `needsRehash` tells the caller to store a new one at the next successful sign-in.
 *
 *   scrypt$ln=17,r=8,p=1$<salt, base64url>$<hash, base64url>
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { DcbtError } from '../../errors.ts';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  costLog2: number;
  /** Block size r. */
  blockSize: number;
  /** Parallelisation p. */
  parallelization: number;
  keyLengthBytes: number;
  saltLengthBytes: number;
}

/**
 * OWASP's current recommendation for scrypt (N = 2^17, r = 8, p = 1): about 128 MiB and a few
 * hundred milliseconds per hash on a server core.
 */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = { costLog2: 17, blockSize: 8, parallelization: 1, keyLengthBytes: 32, saltLengthBytes: 16 };

/** Cheap parameters for tests only: hashes in about a millisecond. */
export const TEST_SCRYPT: Readonly<ScryptParams> = { costLog2: 10, blockSize: 8, parallelization: 1, keyLengthBytes: 32, saltLengthBytes: 16 };

/** Longer inputs are refused before hashing (the form limits them too). */
export const PASSWORD_LENGTH_MAX = 200;

export class PasswordHashError extends DcbtError<'PASSWORD_HASH'> {
  constructor(message: string) {
    super('PASSWORD_HASH', message);
  }
}

/** scrypt needs 128·N·r bytes; node refuses more than `maxmem` (32 MiB by default). */
function memoryBytes(p: ScryptParams): number {
  return 128 * 2 ** p.costLog2 * p.blockSize * p.parallelization + 1024 * 1024;
}

function derive(password: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: 2 ** p.costLog2, r: p.blockSize, p: p.parallelization, maxmem: memoryBytes(p) };
  return new Promise((resolve, reject) => {
    // The async form runs on libuv's thread pool, so the event loop keeps serving while it hashes.
    scryptCallback(password.normalize('NFC'), salt, p.keyLengthBytes, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  if (password.length > PASSWORD_LENGTH_MAX) throw new PasswordHashError(`passwords are limited to ${PASSWORD_LENGTH_MAX} characters; use a shorter one`);
  const salt = randomBytes(params.saltLengthBytes);
  const key = await derive(password, salt, params);
  return `scrypt$ln=${params.costLog2},r=${params.blockSize},p=${params.parallelization}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

interface Parsed {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

const FORMAT = /^scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9_-]{16,128})\$([A-Za-z0-9_-]{16,256})$/;

export function parseHash(stored: string): Parsed | undefined {
  const m = FORMAT.exec(stored);
  if (m === null) return undefined;
  const salt = Buffer.from(m[4] ?? '', 'base64url');
  const key = Buffer.from(m[5] ?? '', 'base64url');
  const params: ScryptParams = {
    costLog2: Number(m[1]),
    blockSize: Number(m[2]),
    parallelization: Number(m[3]),
    keyLengthBytes: key.length,
    saltLengthBytes: salt.length,
  };
  // Refuse parameters no legitimate hash of ours uses (and that would exhaust memory).
  if (params.costLog2 < 1 || params.costLog2 > 22 || params.blockSize < 1 || params.blockSize > 32 || params.parallelization < 1 || params.parallelization > 16) return undefined;
  return { params, salt, key };
}

/** True when the password matches; compares in constant time. A malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (password.length > PASSWORD_LENGTH_MAX) return false;
  const parsed = parseHash(stored);
  if (parsed === undefined) return false;
  const key = await derive(password, parsed.salt, parsed.params);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/** True when the stored hash was made with parameters weaker than `params` (or is unreadable). */
export function needsRehash(stored: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const parsed = parseHash(stored);
  if (parsed === undefined) return true;
  const p = parsed.params;
  return p.costLog2 < params.costLog2 || p.blockSize < params.blockSize || p.parallelization < params.parallelization || p.keyLengthBytes < params.keyLengthBytes || p.saltLengthBytes < params.saltLengthBytes;
}
