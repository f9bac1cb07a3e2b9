/**
 * An in-memory zone for the DNS tests: a few names on chain under dcbt.test. covering every case
 * the server distinguishes (records, CNAMEs, a secure and an insecure delegation, an empty
 * non-terminal, a name in grace, a reserved name).
 */
import type { DnsRecord, NameRecord } from '../chain/types.ts';
import { dsRdata, generateKeyPair, keyPairFromPrivate, signKeyset } from './dnssec.ts';
import type { DnssecKeyPair } from './dnssec.ts';
import { aaaaRdata, aRdata, concat, nameRdata, RRType, u16 } from './rdata.ts';
import type { DnssecKeys } from './signer.ts';
import { nameFromText } from './wire.ts';
import type { ApexConfig, ZoneView } from './zone.ts';

export const APEX = 'dcbt.test.';
export const NOW_MS = Date.UTC(2026, 0, 1);
export const RECORD_TTL = 300;

export function txtRdata(...strings: string[]): Uint8Array {
  return concat(...strings.map((s) => concat(new Uint8Array([Buffer.byteLength(s)]), new TextEncoder().encode(s))));
}

function mx(preference: number, host: string): Uint8Array {
  return concat(u16(preference), nameRdata(nameFromText(host)));
}

const rec = (host: string, type: number, rdata: Uint8Array): DnsRecord => ({ host, type, rdata });

/** The child zone key behind bob's DS (bob.dcbt.test is a secure delegation). */
export const bobKsk: DnssecKeyPair = keyPairFromPrivate(257, new Uint8Array(32).fill(0x42));

/** ~900 bytes of TXT: too big for a 512-byte UDP answer. */
export const BIG_TXT = Array.from({ length: 4 }, (_, i) => String.fromCharCode(97 + i).repeat(220));

export function fixtureRecords(): Map<string, NameRecord> {
  const active = NOW_MS + 365 * 86400_000;
  const name = (label: string, records: DnsRecord[], expiresAtMs = active): NameRecord => ({
    name: label,
    owner: new Uint8Array(32),
    records,
    registeredHeight: 1,
    updatedHeight: 1,
    expiresAtMs,
  });
  return new Map([
    [
      'alice',
      name('alice', [
        rec('', RRType.A, aRdata('192.0.2.1')),
        rec('', RRType.A, aRdata('192.0.2.2')),
        rec('', RRType.AAAA, aaaaRdata('2001:db8::1')),
        rec('', RRType.TXT, txtRdata('hello from alice')),
        rec('', RRType.MX, mx(10, 'mail.alice.dcbt.test.')),
        rec('mail', RRType.A, aRdata('192.0.2.25')),
        rec('www', RRType.CNAME, nameRdata(nameFromText('alice.dcbt.test.'))),
        rec('ext', RRType.CNAME, nameRdata(nameFromText('www.example.org.'))),
        rec('dangling', RRType.CNAME, nameRdata(nameFromText('nothere.dcbt.test.'))),
        rec('loop1', RRType.CNAME, nameRdata(nameFromText('loop2.alice.dcbt.test.'))),
        rec('loop2', RRType.CNAME, nameRdata(nameFromText('loop1.alice.dcbt.test.'))),
        rec('big', RRType.TXT, txtRdata(...BIG_TXT)),
        rec('a.deep', RRType.TXT, txtRdata('below an empty non-terminal')),
      ]),
    ],
    [
      'bob',
      name('bob', [
        rec('', RRType.NS, nameRdata(nameFromText('ns1.bob.dcbt.test.'))),
        rec('', RRType.NS, nameRdata(nameFromText('ns.example.net.'))),
        rec('', RRType.DS, dsRdata(nameFromText('bob.dcbt.test.'), bobKsk.dnskey)),
        rec('ns1', RRType.A, aRdata('192.0.2.53')),
        rec('ns1', RRType.AAAA, aaaaRdata('2001:db8::53')),
      ]),
    ],
    ['carol', name('carol', [rec('', RRType.NS, nameRdata(nameFromText('ns.example.net.')))])],
    ['dave', name('dave', [rec('', RRType.A, aRdata('192.0.2.4'))], NOW_MS - 1000)],
    ['admin', name('admin', [rec('', RRType.A, aRdata('192.0.2.5'))])],
    ['empty', name('empty', [])],
  ]);
}

export const RESERVED = new Set(['admin', 'root', 'ns1']);

export function fixtureView(overrides: Partial<ZoneView> = {}): ZoneView {
  const records = fixtureRecords();
  return {
    apex: APEX,
    serial: 42,
    timeMs: NOW_MS,
    ttlSeconds: RECORD_TTL,
    lookup: async (label: string) => records.get(label),
    isReserved: (label: string) => RESERVED.has(label),
    ...overrides,
  };
}

export function fixtureApex(ns1Address = '127.0.0.1'): ApexConfig {
  return {
    nameservers: [{ host: 'ns1.dcbt.test.', ipv4: ns1Address, ipv6: '::1' }, { host: 'ns.example.net.' }],
    soa: { rname: 'hostmaster.dcbt.test.', refreshSeconds: 3600, retrySeconds: 600, expireSeconds: 604800, minimumSeconds: 120 },
    ttlSeconds: 3600,
  };
}

/** Fresh KSK + ZSK and a keyset signed by the KSK, as governance would publish it. */
export function fixtureKeys(nowMs = Date.now()): DnssecKeys & { ksk: DnssecKeyPair } {
  const ksk = generateKeyPair(257);
  const zsk = generateKeyPair(256);
  const keyset = signKeyset({ apex: APEX, ksk, zsks: [zsk], ttlSeconds: 3600, nowMs });
  return { ksk, zsk, keyset };
}
