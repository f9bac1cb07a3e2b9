/**
 * The IXFR journal (RFC 1995): the current signed zone plus a bounded list of diffs between
 * consecutive versions (records deleted, records added — signatures and NSEC records included,
 * they are records like any other). Serials compare with RFC 1982 arithmetic; a version whose
 * serial is not newer than the current one starts the journal afresh.
 */
import type { ResourceRecord } from '../wire.ts';
import { nameKey } from '../wire.ts';
import type { SignedZone } from '../zonefile.ts';

export interface JournalLimits {
  /** Diffs kept: an IXFR from an older serial gets the whole zone instead. */
  readonly journalVersionsMax: number;
  /** Records (deleted + added) kept over all diffs; the oldest diffs go first. */
  readonly journalRecordsMax: number;
}

/** Condensed diffs kept for the current version (one per client serial asked for). */
export const condensedCacheEntriesMax = 16;

export const DEFAULT_JOURNAL_LIMITS: JournalLimits = { journalVersionsMax: 1000, journalRecordsMax: 200_000 };

/** The changes from one version to a later one. */
export interface ZoneDiff {
  readonly fromSerial: number;
  readonly toSerial: number;
  readonly fromSoa: ResourceRecord;
  readonly toSoa: ResourceRecord;
  readonly deleted: readonly ResourceRecord[];
  readonly added: readonly ResourceRecord[];
}

/** RFC 1982 serial number arithmetic (32 bits): is `a` newer than `b`? */
export function serialGreater(a: number, b: number): boolean {
  const d = ((a >>> 0) - (b >>> 0) + 0x100000000) % 0x100000000;
  return d !== 0 && d < 0x80000000;
}

/** An RR's identity in a zone version: owner, type, TTL and RDATA. */
export function recordKey(rr: ResourceRecord): string {
  return `${nameKey(rr.name)}\u0000${rr.type}\u0000${rr.ttl}\u0000${Buffer.from(rr.rdata).toString('base64')}`;
}

interface KeyedDiff extends ZoneDiff {
  readonly deletedKeys: readonly string[];
  readonly addedKeys: readonly string[];
}

export class ZoneJournal {
  private zone: SignedZone | undefined;
  private index = new Map<string, ResourceRecord>();
  private diffs: KeyedDiff[] = [];
  private records = 0;
  /** Condensed answers for the current version, by client serial (many secondaries ask the same). */
  private condensed = new Map<number, ZoneDiff>();
  private readonly limits: JournalLimits;

  constructor(limits: JournalLimits = DEFAULT_JOURNAL_LIMITS) {
    this.limits = limits;
  }

  get current(): SignedZone | undefined {
    return this.zone;
  }

  /** Serials an IXFR can start from (oldest first), the current one excluded. */
  get serials(): number[] {
    return this.diffs.map((d) => d.fromSerial);
  }

  get recordCount(): number {
    return this.records;
  }

  /** Makes `zone` the current version; returns its diff from the previous one when there is one. */
  push(zone: SignedZone): ZoneDiff | undefined {
    const index = new Map<string, ResourceRecord>();
    for (const rr of zone.records) index.set(recordKey(rr), rr);
    const previous = this.zone;
    this.zone = zone;
    const oldIndex = this.index;
    this.index = index;
    this.condensed.clear();
    if (!previous || !serialGreater(zone.serial, previous.serial)) {
      this.diffs = [];
      this.records = 0;
      return undefined;
    }
    const deletedKeys: string[] = [];
    const deleted: ResourceRecord[] = [];
    for (const [key, rr] of oldIndex) {
      if (!index.has(key)) {
        deletedKeys.push(key);
        deleted.push(rr);
      }
    }
    const addedKeys: string[] = [];
    const added: ResourceRecord[] = [];
    for (const [key, rr] of index) {
      if (!oldIndex.has(key)) {
        addedKeys.push(key);
        added.push(rr);
      }
    }
    const diff: KeyedDiff = { fromSerial: previous.serial, toSerial: zone.serial, fromSoa: previous.soa, toSoa: zone.soa, deleted, added, deletedKeys, addedKeys };
    this.diffs.push(diff);
    this.records += deleted.length + added.length;
    while (this.diffs.length > 0 && (this.diffs.length > this.limits.journalVersionsMax || this.records > this.limits.journalRecordsMax)) {
      const oldest = this.diffs.shift()!;
      this.records -= oldest.deleted.length + oldest.added.length;
    }
    return { fromSerial: diff.fromSerial, toSerial: diff.toSerial, fromSoa: diff.fromSoa, toSoa: diff.toSoa, deleted, added };
  }

  /**
   * The changes from version `serial` to the current one as a single condensed diff (a record
   * added then deleted in between appears in neither list), or undefined when `serial` is not in
   * the journal.
   */
  changesSince(serial: number): ZoneDiff | undefined {
    const from = serial >>> 0;
    const cached = this.condensed.get(from);
    if (cached) return cached;
    const start = this.diffs.findIndex((d) => d.fromSerial === from);
    if (start < 0) return undefined;
    const deleted = new Map<string, ResourceRecord>();
    const added = new Map<string, ResourceRecord>();
    for (const d of this.diffs.slice(start)) {
      d.deleted.forEach((rr, i) => {
        const key = d.deletedKeys[i]!;
        if (!added.delete(key)) deleted.set(key, rr);
      });
      d.added.forEach((rr, i) => {
        const key = d.addedKeys[i]!;
        if (!deleted.delete(key)) added.set(key, rr);
      });
    }
    const first = this.diffs[start]!;
    const last = this.diffs.at(-1)!;
    const diff: ZoneDiff = { fromSerial: from, toSerial: last.toSerial, fromSoa: first.fromSoa, toSoa: last.toSoa, deleted: [...deleted.values()], added: [...added.values()] };
    if (this.condensed.size >= condensedCacheEntriesMax) this.condensed.delete(this.condensed.keys().next().value!);
    this.condensed.set(from, diff);
    return diff;
  }
}
