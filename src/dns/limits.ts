/**
 * Every bound the DNS server enforces, with its unit in the name. The node may override any of
 * them (`startDnsServer({ limits })`); docs/DNS.md explains the defaults.
 */
export interface DnsLimits {
  /** Largest UDP response we send and the payload size we advertise (DNS Flag Day 2020). */
  readonly udpPayloadBytesMax: number;
  /** Smallest UDP payload a client may claim (RFC 6891 §6.2.5); also the size without EDNS. */
  readonly udpPayloadBytesMin: number;
  /** Queries longer than this are answered FORMERR without being decoded. */
  readonly queryBytesMax: number;
  /** Records in a query, all sections together (one question + OPT + a few options is normal). */
  readonly queryRecordsMax: number;
  /** CNAMEs followed inside the zone for one answer. */
  readonly cnameChainMax: number;
  /** ZSK signatures kept (LRU), keyed by RRset. */
  readonly signatureCacheEntriesMax: number;
  /** Give up on a chain lookup after this long and answer SERVFAIL. */
  readonly lookupTimeoutMs: number;
  /** UDP queries being answered at once; more are dropped and counted. */
  readonly udpInFlightMax: number;
  /** SO_RCVBUF asked for on the UDP socket (the kernel may cap it at net.core.rmem_max). */
  readonly udpRecvBufferBytes: number;
  /** Open TCP connections; further connections are closed at once. */
  readonly tcpConnectionsMax: number;
  /** A TCP connection with no query in this long is closed (RFC 7766 §6.2.3). */
  readonly tcpIdleTimeoutMs: number;
  /** Queries answered on one TCP connection before it is closed. */
  readonly tcpQueriesPerConnectionMax: number;
  /** Pipelined queries processed at once on one connection; reading pauses above this. */
  readonly tcpInFlightPerConnectionMax: number;
  /** UDP responses per second to one source prefix (token bucket holding one second); 0 turns RRL off. */
  readonly rrlResponsesPerSecond: number;
  /** Every Nth response RRL would drop is sent as an empty TC=1 reply instead; 0 never. */
  readonly rrlSlipEveryNthDrop: number;
  /** Source prefixes RRL tracks at once; the least recently seen is forgotten beyond this. */
  readonly rrlTableEntriesMax: number;
  /** IPv4 sources sharing one RRL bucket: the /N prefix. */
  readonly rrlIpv4PrefixBits: number;
  /** IPv6 sources sharing one RRL bucket: the /N prefix. */
  readonly rrlIpv6PrefixBits: number;
  /** DNS over HTTPS: the largest POST body or decoded GET `dns` parameter (413 / 414 beyond). */
  readonly dohBodyBytesMax: number;
  /**
   * Worker threads serving UDP (`udp-threads.ts`): 0 serves it on the calling thread; 1 moves the
   * socket and the answer cache off it; more share the port (SO_REUSEPORT) to use more cores.
   */
  readonly udpWorkers: number;
  /** How often UDP workers are told about a changed view when nobody calls `viewChanged()`. */
  readonly udpWorkerViewPollMs: number;
  /** Finished UDP replies kept for repeated queries (`answercache.ts`); 0 turns the cache off. */
  readonly answerCacheEntriesMax: number;
  /** A cached reply is rebuilt after 50–100 % of this (spread per entry) even if nothing changed. */
  readonly answerCacheMaxAgeMs: number;
  /**
   * A cached negative reply (NXDOMAIN, NODATA) outlives new serials while the names it was built
   * from stay unchanged; its SOA then shows an older serial, for at most 50–100 % of this.
   */
  readonly answerCacheNegativeMaxAgeMs: number;
}

/**
 * UDP worker threads a node's DNS server (`dcbt node`, `dcbt start`) runs unless told otherwise:
 * one, so cached answers never wait for the chain's work. The library default stays 0.
 */
export const DEFAULT_NODE_UDP_WORKERS = 1;

export const DEFAULT_DNS_LIMITS: DnsLimits = {
  udpPayloadBytesMax: 1232,
  udpPayloadBytesMin: 512,
  queryBytesMax: 4096,
  queryRecordsMax: 8,
  cnameChainMax: 8,
  signatureCacheEntriesMax: 20_000,
  lookupTimeoutMs: 2000,
  udpInFlightMax: 2048,
  udpRecvBufferBytes: 4 * 1024 * 1024,
  tcpConnectionsMax: 512,
  tcpIdleTimeoutMs: 10_000,
  tcpQueriesPerConnectionMax: 10_000,
  tcpInFlightPerConnectionMax: 32,
  rrlResponsesPerSecond: 200,
  rrlSlipEveryNthDrop: 2,
  rrlTableEntriesMax: 100_000,
  rrlIpv4PrefixBits: 24,
  rrlIpv6PrefixBits: 56,
  dohBodyBytesMax: 65_535,
  udpWorkers: 0,
  udpWorkerViewPollMs: 50,
  answerCacheEntriesMax: 50_000,
  answerCacheMaxAgeMs: 300_000,
  answerCacheNegativeMaxAgeMs: 30_000,
};

/** DNS over TCP frames carry a 16-bit length (RFC 1035 §4.2.2). */
export const tcpFrameBytesMax = 0xffff;
