/**
 * Errors of zone transfers. Configuration errors stop `startZoneTransfer` with a message saying
 * which option is wrong; protocol errors are what a client (NOTIFY, tests) reports about a peer.
 */
import { DcbtError } from '../../errors.ts';

/** The transfer options (ACL, TSIG key, NOTIFY targets, limits) are unusable. */
export class TransferConfigError extends DcbtError<'DNS_TRANSFER_CONFIG'> {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('DNS_TRANSFER_CONFIG', message, details);
    this.name = 'TransferConfigError';
  }
}

/** A peer answered a transfer or NOTIFY message wrongly (bad TSIG, wrong ID, error RCODE). */
export class TransferProtocolError extends DcbtError<'DNS_TRANSFER_PROTOCOL'> {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('DNS_TRANSFER_PROTOCOL', message, details);
    this.name = 'TransferProtocolError';
  }
}
