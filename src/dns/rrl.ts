/**
 * Response rate limiting for UDP (in the spirit of BIND's and NSD's RRL): a forged-source flood
 * must not turn the server into an amplifier. Each source prefix (/24 for IPv4, /56 for IPv6 by
 * default) has a token bucket of `responsesPerSecond` tokens refilled continuously, holding at
 * most one second's worth. A response that finds the bucket empty is dropped, except every
 * `slipEveryNthDrop`-th one, which is answered with an empty TC=1 reply so that a real client
 * behind a busy prefix retries over TCP (TCP is never limited: its source cannot be forged).
 *
 * The table of prefixes is bounded (`tableEntriesMax`); when full, the least recently seen prefix
 * is forgotten. Keying is per prefix only, not per (prefix, name, type) as in BIND.
 */
import { isIPv4 } from 'node:net';
import { DnsConfigError } from './errors.ts';
import type { DnsLimits } from './limits.ts';
import { headerBytes, nameToWire, readName } from './wire.ts';

export type RrlDecision = 'send' | 'drop' | 'slip';

export interface RrlOptions {
  /** Responses per second allowed to one prefix; also the bucket size (one second of burst). */
  readonly responsesPerSecond: number;
  /** Every Nth dropped response is sent as TC=1 instead; 0 never slips, 1 slips every drop. */
  readonly slipEveryNthDrop: number;
  /** Prefixes tracked at once; the least recently seen is forgotten beyond this. */
  readonly tableEntriesMax: number;
  readonly ipv4PrefixBits: number;
  readonly ipv6PrefixBits: number;
  /** Monotonic clock in milliseconds (injected by tests). */
  readonly nowMs: () => number;
}

export interface RrlStats {
  sent: number;
  dropped: number;
  slipped: number;
  /** Prefixes forgotten because the table was full. */
  evicted: number;
}

interface Bucket {
  tokens: number;
  lastMs: number;
  drops: number;
}

export class ResponseRateLimiter {
  readonly stats: RrlStats = { sent: 0, dropped: 0, slipped: 0, evicted: 0 };
  private readonly table = new Map<string, Bucket>();
  private readonly opts: RrlOptions;

  constructor(opts: RrlOptions) {
    const positive = (n: number): boolean => Number.isFinite(n) && n > 0;
    if (!positive(opts.responsesPerSecond)) throw new DnsConfigError('RRL responses per second must be positive', { responsesPerSecond: opts.responsesPerSecond });
    if (!Number.isSafeInteger(opts.slipEveryNthDrop) || opts.slipEveryNthDrop < 0) throw new DnsConfigError('RRL slip must be a non-negative integer', { slip: opts.slipEveryNthDrop });
    if (!Number.isSafeInteger(opts.tableEntriesMax) || opts.tableEntriesMax < 1) throw new DnsConfigError('RRL table size must be a positive integer', { tableEntriesMax: opts.tableEntriesMax });
    if (!(opts.ipv4PrefixBits >= 0 && opts.ipv4PrefixBits <= 32 && opts.ipv6PrefixBits >= 0 && opts.ipv6PrefixBits <= 128)) {
      throw new DnsConfigError('RRL prefix lengths out of range', { ipv4PrefixBits: opts.ipv4PrefixBits, ipv6PrefixBits: opts.ipv6PrefixBits });
    }
    this.opts = opts;
  }

  get size(): number {
    return this.table.size;
  }

  /**
   * For the UDP transport, before answering `query` from `address`: undefined to answer it as
   * usual; null when the response is dropped; the TC=1 reply to send instead when it slips.
   * Packets that get no reply anyway (no header, QR=1) are not counted.
   */
  check(query: Uint8Array, address: string): Uint8Array | null | undefined {
    if (query.length < headerBytes || (query[2]! & 0x80) !== 0) return undefined;
    const decision = this.decide(address);
    if (decision === 'send') return undefined;
    return decision === 'slip' ? (slipReply(query) ?? null) : null;
  }

  /** Whether a response to `address` may be sent now; takes a token when it may. */
  decide(address: string): RrlDecision {
    const { responsesPerSecond, slipEveryNthDrop, tableEntriesMax } = this.opts;
    const key = sourcePrefix(address, this.opts.ipv4PrefixBits, this.opts.ipv6PrefixBits);
    const now = this.opts.nowMs();
    let bucket = this.table.get(key);
    if (bucket) {
      // Move to the most recently seen end.
      this.table.delete(key);
      const elapsedMs = Math.max(0, now - bucket.lastMs);
      bucket.tokens = Math.min(responsesPerSecond, bucket.tokens + (elapsedMs * responsesPerSecond) / 1000);
      bucket.lastMs = now;
    } else {
      while (this.table.size >= tableEntriesMax) {
        const oldest = this.table.keys().next().value;
        if (oldest === undefined) break;
        this.table.delete(oldest);
        this.stats.evicted++;
      }
      bucket = { tokens: responsesPerSecond, lastMs: now, drops: 0 };
    }
    this.table.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.stats.sent++;
      return 'send';
    }
    bucket.drops++;
    if (slipEveryNthDrop > 0 && bucket.drops % slipEveryNthDrop === 0) {
      this.stats.slipped++;
      return 'slip';
    }
    this.stats.dropped++;
    return 'drop';
  }
}

/** The limiter the server's limits ask for, or undefined when `rrlResponsesPerSecond` is 0. */
export function rrlFromLimits(limits: DnsLimits, nowMs: () => number = () => performance.now()): ResponseRateLimiter | undefined {
  if (limits.rrlResponsesPerSecond === 0) return undefined;
  return new ResponseRateLimiter({
    responsesPerSecond: limits.rrlResponsesPerSecond,
    slipEveryNthDrop: limits.rrlSlipEveryNthDrop,
    tableEntriesMax: limits.rrlTableEntriesMax,
    ipv4PrefixBits: limits.rrlIpv4PrefixBits,
    ipv6PrefixBits: limits.rrlIpv6PrefixBits,
    nowMs,
  });
}

/** Bytes of an IPv6 address in text form (with '::', an embedded IPv4 tail, a zone id), or undefined. */
export function ipv6Bytes(address: string): Uint8Array | undefined {
  let text = address;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const words: number[] = [];
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const groups = part.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      if (i === groups.length - 1 && g.includes('.')) {
        if (!isIPv4(g)) return undefined;
        const [a, b, c, d] = g.split('.').map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 2) {
    if (head.length + tail.length > 7) return undefined;
    words.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  } else {
    if (head.length !== 8) return undefined;
    words.push(...head);
  }
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

function maskedHex(bytes: Uint8Array, bits: number): string {
  let out = '';
  for (let i = 0; i < bytes.length && i * 8 < bits; i++) {
    const keep = Math.min(8, bits - i * 8);
    out += (bytes[i]! & ((0xff << (8 - keep)) & 0xff)).toString(16).padStart(2, '0');
  }
  return out;
}

/**
 * The rate-limiting key of a source address: its /`ipv4Bits` or /`ipv6Bits` prefix. IPv4-mapped
 * IPv6 addresses (::ffff:192.0.2.1) count as IPv4; anything unparseable is its own key.
 */
export function sourcePrefix(address: string, ipv4Bits = 24, ipv6Bits = 56): string {
  if (isIPv4(address)) return `4/${maskedHex(Uint8Array.from(address.split('.').map(Number)), ipv4Bits)}`;
  const v6 = ipv6Bytes(address);
  if (!v6) return `?/${address}`;
  const mapped = v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  if (mapped) return `4/${maskedHex(v6.subarray(12), ipv4Bits)}`;
  return `6/${maskedHex(v6, ipv6Bits)}`;
}

/**
 * The "slip" reply to a query: header and question only, TC=1, so the client retries over TCP.
 * Undefined when the query has no single readable question (it is then dropped instead).
 */
export function slipReply(query: Uint8Array): Uint8Array | undefined {
  if (query.length < headerBytes || (query[2]! & 0x80) !== 0) return undefined;
  const qdcount = (query[4]! << 8) | query[5]!;
  if (qdcount !== 1) return undefined;
  let question: { name: readonly string[]; end: number };
  try {
    question = readName(query, headerBytes);
  } catch {
    return undefined;
  }
  if (question.end + 4 > query.length) return undefined;
  const name = nameToWire(question.name);
  const out = new Uint8Array(headerBytes + name.length + 4);
  out[0] = query[0]!;
  out[1] = query[1]!;
  // QR=1, the query's opcode and RD, TC=1; CD kept; RCODE 0.
  out[2] = 0x80 | (query[2]! & 0x79) | 0x02;
  out[3] = query[3]! & 0x10;
  out[5] = 1;
  out.set(name, headerBytes);
  out.set(query.subarray(question.end, question.end + 4), headerBytes + name.length);
  return out;
}
