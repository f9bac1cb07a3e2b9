/**
 * Errors of zone transfers: a configuration error stops `startZoneTransfer` with a message saying
 * which option is wrong. (Peers' protocol errors are answers or NOTIFY outcomes, not exceptions.)
 */
import { DcbtError } from '../../errors.ts';

/** The transfer options (ACL, TSIG key, NOTIFY targets, limits) are unusable. */
export class TransferConfigError extends DcbtError<'DNS_TRANSFER_CONFIG'> {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('DNS_TRANSFER_CONFIG', message, details);
    this.name = 'TransferConfigError';
  }
}
