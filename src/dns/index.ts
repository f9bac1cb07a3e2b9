/**
 * The authoritative DNS server with online DNSSEC. What the node and the CLI use; the design is in
 * docs/DNS.md.
 */
export { startDnsServer, createDnsEnv, portBindAttemptsMax } from './server.ts';
export { exportZoneText, exportZoneRecords, buildSignedZone, zoneText, checkSignatureWindow, DEFAULT_SIGNATURE_WINDOW } from './zonefile.ts';
export type { SignedZone, SignatureWindow, ZoneBuildOptions } from './zonefile.ts';
export { startZoneTransfer, DEFAULT_TRANSFER_LIMITS } from './transfer/service.ts';
export type { ZoneTransfer, ZoneTransferOptions, ZoneTransferStats, TransferAcl, TransferEvent, TransferLimits } from './transfer/service.ts';
export type { NotifyTarget, NotifyOutcome } from './transfer/notify.ts';
export type { TsigKeyConfig, TsigAlgorithm } from './transfer/tsig.ts';
export { TransferConfigError } from './transfer/errors.ts';
export type { DnsServer, DnsServerEvent, DnsServerOptions, DnsServiceOptions, DnsServerStats, DnsPacketHook, DnsPacketContext } from './server.ts';
export { handleQuery, CHAIN, runChain } from './chain.ts';
export { registerDoh, dohPath, dohContentType } from './doh.ts';
export type { DohOptions, DohStats } from './doh.ts';
export { ResponseRateLimiter, sourcePrefix } from './rrl.ts';
export type { RrlOptions, RrlStats, RrlDecision } from './rrl.ts';
export type { DnsEnv, DnsStats, DnsTestHooks, Handler, QueryState, ResponseDraft, Transport } from './chain.ts';
export type { ZoneView, ApexConfig, ApexNameserver } from './zone.ts';
export { DEFAULT_DNS_LIMITS, DEFAULT_NODE_UDP_WORKERS, tcpFrameBytesMax } from './limits.ts';
export type { DnsLimits } from './limits.ts';
export type { DnssecKeys } from './signer.ts';
export {
  DnskeyFlags,
  DNSSEC_ALGORITHM,
  generateKeyPair,
  keyPairFromPrivate,
  exportPrivateScalar,
  publicKeyFromBytes,
  parseDnskey,
  dnskeyRdata,
  dnskeyText,
  keyTag,
  dsRdata,
  dsText,
  unboundTrustAnchor,
  signKeyset,
  checkKeyset,
  keysetToJson,
  keysetFromJson,
  signRRset,
  verifyRRset,
} from './dnssec.ts';
export type { DnssecKeyPair, DnssecPublicKey, SignedKeyset, SignedKeysetJson } from './dnssec.ts';
export { DnsWireError, DnssecKeyError, DnsConfigError } from './errors.ts';
