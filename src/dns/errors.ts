/**
 * Errors the DNS server raises on purpose. Wire errors become FORMERR answers; key errors stop the
 * server from starting with a message that says which key or signature is wrong.
 */
import { DcbtError } from '../errors.ts';

/** A DNS message (or a name inside one) is not valid DNS wire format. */
export class DnsWireError extends DcbtError<'DNS_WIRE'> {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('DNS_WIRE', `malformed DNS data: ${message}`, details);
    this.name = 'DnsWireError';
  }
}

/** A DNSSEC key, keyset or signature given to the server is unusable. */
export class DnssecKeyError extends DcbtError<'DNSSEC_KEY'> {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('DNSSEC_KEY', message, details);
    this.name = 'DnssecKeyError';
  }
}

/** The server options (apex, nameservers, limits) are inconsistent. */
export class DnsConfigError extends DcbtError<'DNS_CONFIG'> {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('DNS_CONFIG', message, details);
    this.name = 'DnsConfigError';
  }
}
