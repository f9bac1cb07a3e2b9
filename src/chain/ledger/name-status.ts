import type { ChainParams, NameRecord, NameStatus } from '../types.ts';

/**
 * active: resolves, owner may do anything. grace: stops resolving, only the owner may renew.
 * expired: the name is free for anyone to register.
 */
export function nameStatus(record: NameRecord, timeMs: number, params: ChainParams): NameStatus {
  if (timeMs < record.expiresAtMs) return 'active';
  if (timeMs < record.expiresAtMs + params.gracePeriodMs) return 'grace';
  return 'expired';
}
