/**
 * Test support: a small zone on an in-memory "chain" whose names can be changed between serials,
 * with the full listing (`allNames`) zone export and transfers need. Built from the records of
 * src/dns/fixtures.ts, with expiry dates relative to now, plus a few cases the transfer code cares
 * about (a delegation inside a registered name with glue and occluded data, a '*' owner).
 */
import type { DnsRecord, NameRecord } from '../../chain/types.ts';
import { fixtureRecords, RESERVED, RECORD_TTL, APEX, txtRdata } from '../fixtures.ts';
import { aRdata, nameRdata, RRType } from '../rdata.ts';
import { nameFromText } from '../wire.ts';
import type { ZoneView } from '../zone.ts';

const yearMs = 365 * 86400_000;

export class TestZone {
  readonly records = new Map<string, NameRecord>();
  serial: number;
  timeMs: number;

  constructor(opts: { serial?: number; timeMs?: number } = {}) {
    this.serial = opts.serial ?? 100;
    this.timeMs = opts.timeMs ?? Date.now();
    for (const [label, record] of fixtureRecords()) {
      this.records.set(label, { ...record, expiresAtMs: label === 'dave' ? this.timeMs - 1000 : this.timeMs + yearMs });
    }
    this.put('zed', [
      { host: '', type: RRType.TXT, rdata: txtRdata('zed') },
      { host: '*', type: RRType.A, rdata: aRdata('192.0.2.99') },
      { host: 'sub', type: RRType.NS, rdata: nameRdata(nameFromText('ns.sub.zed.dcbt.test.')) },
      { host: 'ns.sub', type: RRType.A, rdata: aRdata('192.0.2.77') },
      { host: 'hidden.sub', type: RRType.TXT, rdata: txtRdata('occluded by the cut') },
    ]);
    // Registered but shadowed: ns1 is an in-zone nameserver host of the apex (and reserved).
    this.put('ns1', [{ host: '', type: RRType.A, rdata: aRdata('192.0.2.200') }]);
  }

  /** Sets (or replaces) a name's records; does not change the serial. */
  put(label: string, records: readonly DnsRecord[], expiresAtMs = this.timeMs + yearMs): void {
    this.records.set(label, { name: label, owner: new Uint8Array(32), records, registeredHeight: 1, updatedHeight: this.serial, expiresAtMs });
  }

  /** A finalised block: the serial goes up and the block time moves on. */
  commit(advanceMs = 1000): void {
    this.serial++;
    this.timeMs += advanceMs;
  }

  view(): ZoneView {
    const snapshot = [...this.records.values()];
    const byLabel = new Map(this.records);
    return {
      apex: APEX,
      serial: this.serial,
      timeMs: this.timeMs,
      ttlSeconds: RECORD_TTL,
      lookup: (label) => byLabel.get(label),
      isReserved: (label) => RESERVED.has(label),
      async *allNames() {
        yield* snapshot;
      },
    };
  }
}
