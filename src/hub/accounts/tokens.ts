/**
 * Secrets sent to a browser or a mailbox (session ids, confirmation and reset tokens): 256 random
 * bits, base64url. The database keeps only their SHA-256, so a leaked table cannot be replayed.
 */
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_BYTES = 32;
/** base64url of TOKEN_BYTES bytes, without padding. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** The form stored in the database (hex SHA-256). High-entropy input: no salt or slow hash needed. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function isToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_PATTERN.test(value);
}
