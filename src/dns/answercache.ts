/**
 * The UDP fast path: finished replies kept by the exact bytes of the query after its id (flags,
 * counts, question, OPT with its size and DO bit; hashed, then compared in full), so a repeated
 * query is answered with a copy of the reply and its id patched in, without running the handler
 * chain or touching the signer.
 *
 * An entry is served only while all of these hold:
 *  - nothing it was built from has changed: when the view's serial moves on, the cache asks the
 *    view which names the new blocks changed (`changedSince`) and drops the entries built from
 *    them and the positive answers that carry the serial (the apex SOA); when the view cannot
 *    say, or the serial went backwards, everything goes. A busy chain thus keeps the answers of
 *    the names it did not touch;
 *  - a negative answer (NXDOMAIN, NODATA) whose names did not change is still true at the new
 *    serial; only the serial in its authority SOA is older (a resolver uses that SOA for its
 *    negative-caching TTL, which does not change). It is kept, for a shorter lifetime
 *    (`negativeMaxAgeMs`): rebuilding every negative answer after every block cost a live
 *    chain's server a burst of work per block that showed as its tail latency;
 *  - the view's time is before the earliest `expiresAtMs` of the names consulted to build it (a
 *    name expiring turns its answers into NXDOMAIN at once, as without the cache);
 *  - it is younger than its lifetime, 50–100 % of `maxAgeMs` spread by its key (its signatures,
 *    valid ≥ 5 days when made, stay fresh; entries made together are not rebuilt together).
 * SERVFAIL replies are never kept. The table is bounded (`entriesMax`), oldest entry out first.
 */
import type { DnsEnv } from './chain.ts';
import type { DnsLimits } from './limits.ts';
import { headerBytes } from './wire.ts';
import type { ZoneView } from './zone.ts';

export interface AnswerCacheStats {
  answerCacheHits: number;
  answerCacheMisses: number;
}

interface Entry {
  /** The query from byte 2 on: what the key hashes, compared in full on a hit. */
  readonly query: Buffer;
  readonly wire: Buffer;
  /** Labels looked up to build it (a name changed by a block drops the entry). */
  readonly labels: readonly string[];
  /** Whether it carries the serial in its answer (a positive SOA answer): any new serial drops it. */
  readonly dropOnNewSerial: boolean;
  /** View time (ms) from which the reply may be wrong: the earliest expiry among consulted names. */
  readonly validUntilViewMs: number;
  /** Monotonic time after which it is rebuilt. */
  readonly staleAtMs: number;
}

export interface AnswerCacheOptions {
  readonly entriesMax: number;
  readonly maxAgeMs: number;
  /** Lifetime bound of negative answers, which outlive new serials (see above). Default: maxAgeMs. */
  readonly negativeMaxAgeMs?: number;
  readonly nowMs: () => number;
}

/** What the cache reads of a view: a UDP worker thread has only this much of the node's. */
export type CacheView = Pick<ZoneView, 'serial' | 'timeMs' | 'changedSince'>;

/** How a reply was built, which decides how long it stays right (see the rules above). */
export interface AnswerMeta {
  /** The view serial it was built at. */
  readonly serial: number;
  readonly labels: readonly string[];
  /** It read the serial (an SOA in it): positive ones go at any new serial. */
  readonly usesSerial: boolean;
  /** View time from which it may be wrong: the earliest expiry among consulted names. */
  readonly validUntilViewMs: number;
}

/**
 * An env whose view records what the chain consults while answering one query; `meta()` then
 * tells the cache how long the reply stays right.
 */
export function trackLookups(env: DnsEnv, view: ZoneView): { readonly env: DnsEnv; meta(): AnswerMeta } {
  let validUntilViewMs = Number.POSITIVE_INFINITY;
  const labels: string[] = [];
  let usesSerial = false;
  const tracked = Object.create(view, {
    lookup: {
      value: async (label: string) => {
        labels.push(label);
        const record = await view.lookup(label);
        if (record && record.expiresAtMs > view.timeMs) validUntilViewMs = Math.min(validUntilViewMs, record.expiresAtMs);
        return record;
      },
    },
    serial: {
      get: () => {
        usesSerial = true;
        return view.serial;
      },
    },
  }) as ZoneView;
  return { env: { ...env, view: () => tracked }, meta: () => ({ serial: view.serial, labels, usesSerial, validUntilViewMs }) };
}

/** Queries longer than this are not cached (a query is a question and an OPT: ~50 bytes). */
export const answerCacheQueryBytesMax = 512;
const SERVFAIL = 2;
const NXDOMAIN = 3;

export class AnswerCache {
  private readonly entries = new Map<number, Entry>();
  /** The view serial every stored entry is known to be right at. */
  private serial: number | undefined;
  private readonly opts: AnswerCacheOptions;
  readonly stats: AnswerCacheStats;

  constructor(opts: AnswerCacheOptions, stats: AnswerCacheStats = { answerCacheHits: 0, answerCacheMisses: 0 }) {
    this.opts = opts;
    this.stats = stats;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The cache key of a query: a 32-bit FNV-1a hash of its bytes after the id (the bytes
   * themselves are compared on a hit). Undefined when the query is not one this cache serves (no
   * header, QR=1, opcode ≠ QUERY, long).
   */
  key(packet: Buffer): number | undefined {
    const n = packet.length;
    if (n < headerBytes || n > answerCacheQueryBytesMax || (packet[2]! & 0xf8) !== 0) return undefined;
    let h = 0x811c9dc5;
    for (let i = 2; i < n; i++) h = Math.imul(h ^ packet[i]!, 0x01000193);
    return h >>> 0;
  }

  /**
   * A copy of the cached reply with the query's id, or undefined. The copy is written into
   * `into` when given and large enough (the server's reusable send buffer), else into a new buffer.
   */
  hit(key: number, packet: Buffer, view: CacheView, into?: Buffer): Buffer | undefined {
    if (view.serial !== this.serial) this.advance(view);
    const entry = this.entries.get(key);
    if (entry === undefined || !sameQuery(entry.query, packet)) return undefined;
    if (view.timeMs >= entry.validUntilViewMs || this.opts.nowMs() >= entry.staleAtMs) {
      this.entries.delete(key);
      return undefined;
    }
    this.stats.answerCacheHits++;
    const out = into && into.length >= entry.wire.length ? into.subarray(0, entry.wire.length) : Buffer.allocUnsafe(entry.wire.length);
    entry.wire.copy(out);
    out[0] = packet[0]!;
    out[1] = packet[1]!;
    return out;
  }

  /** Counts a miss (its reply is built under `trackLookups` and handed to `store`). */
  countMiss(view: CacheView): void {
    this.stats.answerCacheMisses++;
    if (view.serial !== this.serial) this.advance(view);
  }

  /** Keeps the reply `wire` to the query `packet`, built with `trackLookups` as `meta` says. */
  store(key: number, packet: Uint8Array, wire: Uint8Array, meta: AnswerMeta): void {
    if (wire.length < headerBytes || (wire[3]! & 0x0f) === SERVFAIL) return;
    // Built at a serial the cache has since moved past (or not reached yet): it may miss a change; not kept.
    if (meta.serial !== this.serial) return;
    while (this.entries.size >= this.opts.entriesMax) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.entries.delete(key);
    // A referral has no answer either, but no SOA: only answers that read the serial are negative ones.
    const negative = meta.usesSerial && isNegative(wire);
    // Lifetime 50–100 % of the maximum age, spread by the key: entries made together (a
    // warm-up, the first queries after a new serial) are not all rebuilt at the same moment later.
    const maxAgeMs = negative ? Math.min(this.opts.maxAgeMs, this.opts.negativeMaxAgeMs ?? this.opts.maxAgeMs) : this.opts.maxAgeMs;
    const lifetimeMs = maxAgeMs * (0.5 + 0.5 * ((key & 0xffff) / 0xffff));
    this.entries.set(key, { query: Buffer.from(packet.subarray(2)), wire: Buffer.from(wire), labels: meta.labels, dropOnNewSerial: meta.usesSerial && !negative, validUntilViewMs: meta.validUntilViewMs, staleAtMs: this.opts.nowMs() + lifetimeMs });
  }

  clear(): void {
    this.entries.clear();
  }

  /** Moves the cache to the view's serial, dropping what the blocks in between may have changed. */
  private advance(view: CacheView): void {
    const from = this.serial;
    this.serial = view.serial;
    const changed = from !== undefined && view.serial > from ? view.changedSince?.(from) : undefined;
    if (changed === undefined) {
      this.entries.clear();
      return;
    }
    for (const [key, entry] of this.entries) {
      if (entry.dropOnNewSerial || entry.labels.some((label) => changed.has(label))) this.entries.delete(key);
    }
  }
}

/** NXDOMAIN, or NOERROR with no answer (NODATA): the serial it carries is in its authority SOA. */
function isNegative(wire: Uint8Array): boolean {
  const rcode = wire[3]! & 0x0f;
  const answerCount = (wire[6]! << 8) | wire[7]!;
  return rcode === NXDOMAIN || (rcode === 0 && answerCount === 0);
}

function sameQuery(stored: Buffer, packet: Buffer): boolean {
  const n = stored.length;
  if (packet.length !== n + 2) return false;
  for (let i = 0; i < n; i++) if (stored[i] !== packet[i + 2]) return false;
  return true;
}

/** The cache the limits ask for, or undefined when `answerCacheEntriesMax` is 0. */
export function answerCacheFromLimits(limits: DnsLimits, stats?: AnswerCacheStats, nowMs: () => number = () => performance.now()): AnswerCache | undefined {
  if (limits.answerCacheEntriesMax === 0) return undefined;
  return new AnswerCache({ entriesMax: limits.answerCacheEntriesMax, maxAgeMs: limits.answerCacheMaxAgeMs, negativeMaxAgeMs: limits.answerCacheNegativeMaxAgeMs, nowMs }, stats);
}
