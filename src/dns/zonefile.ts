/**
 * The whole zone, fully signed, for secondaries (AXFR/IXFR, `transfer/`) and for export as an
 * RFC 1035 master file. Query answers are signed online with white-lie NSECs (docs/DNS.md); a
 * secondary serves what it receives unchanged, so here the zone is built like a classic
 * pre-signed zone:
 *
 *  - apex SOA, NS (+ in-zone nameserver addresses), DNSKEY with the KSK signature of the keyset;
 *  - every authoritative RRset with an RRSIG by this node's ZSK;
 *  - a real NSEC chain over every authoritative name (RFC 4034 §4, RFC 4035 §2.3): no white lies,
 *    because a secondary cannot make them up per query;
 *  - delegations per RFC 4035 §2.2: NS unsigned, DS signed, NSEC signed, glue unsigned and outside
 *    the NSEC chain; data below a zone cut other than glue is left out (it is never served).
 *
 * The content is the same as `resolve()` in zone.ts serves: expired, reserved and record-less names
 * are absent, an in-zone nameserver host takes its label from the chain, a CNAME owner holds only its
 * first CNAME, '*' owners are left out, DS only appears at a delegation.
 *
 * Reproducible per serial: signatures are deterministic ECDSA (RFC 6979, @noble/curves) and every
 * RRset's inception/expiration comes from the view's block time through a fixed re-signing window
 * (`SignatureWindow`), so the same chain state and keys always give byte-identical zone data and
 * consecutive serials differ only in what really changed (IXFR diffs stay small).
 */
import { createHash } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import type { NameRecord } from '../chain/types.ts';
import { canonicalRdatas, checkKeyset, DNSSEC_ALGORITHM, exportPrivateScalar, rrsigLabels, signatureInput } from './dnssec.ts';
import type { DnssecKeyPair, DnssecPublicKey, RrsigFields } from './dnssec.ts';
import { DnsConfigError, DnssecKeyError } from './errors.ts';
import { concat, nsecRdata, rdataTargetName, RRType, u16, u32 } from './rdata.ts';
import { rrsetDigest } from './signer.ts';
import type { DnssecKeys } from './signer.ts';
import type { Name, ResourceRecord, RRset } from './wire.ts';
import { compareNames, isSubdomain, labelBytesMax, lowerLabel, lowerName, nameKey, nameToText, nameToWire, RRClass } from './wire.ts';
import type { Apex, ApexConfig, ZoneView } from './zone.ts';
import { negativeTtl, prepareApex, soaRRset, subtreeFromRecord } from './zone.ts';
import { rrToText } from './zonefile-text.ts';

// ---------------------------------------------------------------------------------------------
// Signature windows

/**
 * When the RRSIGs of a pre-signed zone start and end. Each RRset is re-signed once per `periodMs`
 * at its own offset within the period (from a hash of owner and type), so re-signing is spread
 * evenly instead of changing every signature at once; its signature is valid from the start of
 * its current window minus `backdateMs` until that start plus `validityMs`.
 *
 * A secondary that loses its primary serves the zone until the SOA expire timer runs out, so
 * `validityMs - periodMs` (the least validity a served signature has left) must exceed the SOA
 * expire time; `checkSignatureWindow` enforces it.
 */
export interface SignatureWindow {
  readonly periodMs: number;
  readonly validityMs: number;
  readonly backdateMs: number;
}

export const DEFAULT_SIGNATURE_WINDOW: SignatureWindow = {
  periodMs: 24 * 3600 * 1000,
  validityMs: 21 * 24 * 3600 * 1000,
  backdateMs: 3600 * 1000,
};

export function checkSignatureWindow(window: SignatureWindow, soaExpireSeconds: number): void {
  const { periodMs, validityMs, backdateMs } = window;
  if (!(periodMs > 0 && validityMs > periodMs && backdateMs >= 0)) throw new DnsConfigError('signature window needs 0 < periodMs < validityMs and backdateMs >= 0', { ...window });
  if (validityMs - periodMs <= soaExpireSeconds * 1000) {
    throw new DnsConfigError('signatures of a transferred zone must outlive the SOA expire time: raise validityMs or lower the SOA expire', {
      ...window,
      soaExpireSeconds,
    });
  }
}

function hashU32(...parts: readonly Uint8Array[]): number {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest().readUInt32BE(0);
}

/** The validity of the signature over (owner, type) at block time `timeMs`, in seconds. */
export function signatureTimes(owner: Name, type: number, timeMs: number, window: SignatureWindow): { inception: number; expiration: number } {
  const offsetMs = hashU32(nameToWire(owner, true), u16(type)) % window.periodMs;
  const startMs = Math.floor((timeMs - offsetMs) / window.periodMs) * window.periodMs + offsetMs;
  return { inception: Math.floor((startMs - window.backdateMs) / 1000), expiration: Math.floor((startMs + window.validityMs) / 1000) };
}

// ---------------------------------------------------------------------------------------------
// Deterministic signing

const privateScalars = new WeakMap<DnssecKeyPair, Uint8Array>();

function scalarOf(key: DnssecKeyPair): Uint8Array {
  let scalar = privateScalars.get(key);
  if (!scalar) {
    scalar = exportPrivateScalar(key.privateKey);
    privateScalars.set(key, scalar);
  }
  return scalar;
}

/**
 * RRSIG RDATA made with deterministic ECDSA (RFC 6979): the same RRset, key and times always give
 * the same bytes, whichever node or run signs it.
 */
export function signRRsetDeterministic(set: RRset, key: DnssecKeyPair, signer: Name, inception: number, expiration: number): Uint8Array {
  const fields: RrsigFields = {
    typeCovered: set.type,
    labels: rrsigLabels(set.name),
    originalTtl: set.ttl,
    expiration: expiration >>> 0,
    inception: inception >>> 0,
    keyTag: key.keyTag,
    signer,
  };
  const head = concat(
    u16(fields.typeCovered),
    new Uint8Array([DNSSEC_ALGORITHM, fields.labels]),
    u32(fields.originalTtl),
    u32(fields.expiration),
    u32(fields.inception),
    u16(fields.keyTag),
    nameToWire(signer, true),
  );
  const signature = p256.sign(signatureInput(fields, set), scalarOf(key), { prehash: true, lowS: false });
  return concat(head, signature);
}

/**
 * Signs the RRsets of successive zone versions, keeping the signatures of the last version so an
 * unchanged RRset in the same window is not signed again (the result would be the same bytes).
 */
export class ZoneSigner {
  readonly apex: Name;
  readonly window: SignatureWindow;
  readonly zsk: DnssecKeyPair;
  readonly dnskeySet: RRset;
  /** Signatures made and reused, over the signer's life. */
  readonly stats = { signatures: 0, reused: 0 };
  private readonly keys: DnssecKeys;
  private readonly ksk: DnssecPublicKey | DnssecKeyPair;
  private readonly keysetRrsig: Uint8Array | undefined;
  private previous = new Map<string, Uint8Array>();
  private current = new Map<string, Uint8Array>();

  constructor(apex: Apex, keys: DnssecKeys, window: SignatureWindow = DEFAULT_SIGNATURE_WINDOW) {
    if (keys.zsk.flags !== 256) throw new DnssecKeyError('the ZSK must have DNSKEY flags 256');
    if (keys.ksk.flags !== 257) throw new DnssecKeyError('the KSK must have DNSKEY flags 257');
    this.apex = apex.name;
    this.window = window;
    this.zsk = keys.zsk;
    this.ksk = keys.ksk;
    if (keys.keyset) {
      this.dnskeySet = { name: apex.name, type: RRType.DNSKEY, ttl: keys.keyset.ttlSeconds, rdatas: keys.keyset.dnskeys };
      this.keysetRrsig = keys.keyset.rrsig;
    } else {
      if (!('privateKey' in keys.ksk)) throw new DnssecKeyError('without a signed keyset the KSK private key is needed to sign the DNSKEY RRset');
      this.dnskeySet = { name: apex.name, type: RRType.DNSKEY, ttl: apex.ttlSeconds, rdatas: [keys.ksk.dnskey, keys.zsk.dnskey] };
      this.keysetRrsig = undefined;
    }
    this.keys = keys;
  }

  /** Checks that the keyset (if any) lists our keys and is valid at `timeMs`. */
  check(timeMs: number): void {
    if (this.keys.keyset) checkKeyset(this.keys.keyset, nameToText(this.apex), this.ksk, this.zsk, timeMs);
  }

  /** The RRSIG over `set` for a zone at block time `timeMs`. */
  rrsig(set: RRset, timeMs: number): Uint8Array {
    const isKeyset = set.type === RRType.DNSKEY && compareNames(set.name, this.apex) === 0;
    if (isKeyset && this.keysetRrsig) return this.keysetRrsig;
    const key = isKeyset ? (this.ksk as DnssecKeyPair) : this.zsk;
    const { inception, expiration } = signatureTimes(set.name, set.type, timeMs, this.window);
    const id = `${Buffer.from(rrsetDigest(set, key.keyTag)).toString('base64')}/${inception}/${expiration}`;
    let rrsig = this.current.get(id) ?? this.previous.get(id);
    if (rrsig) {
      this.stats.reused++;
    } else {
      rrsig = signRRsetDeterministic(set, key, this.apex, inception, expiration);
      this.stats.signatures++;
    }
    this.current.set(id, rrsig);
    return rrsig;
  }

  /** Forgets signatures not used since the previous call (call once per zone version). */
  nextVersion(): void {
    this.previous = this.current;
    this.current = new Map();
  }
}

// ---------------------------------------------------------------------------------------------
// The zone

/** A signed zone version: the SOA, then everything else in canonical order. */
export interface SignedZone {
  readonly apex: Name;
  readonly serial: number;
  readonly soa: ResourceRecord;
  /** All records but the SOA itself, by owner in canonical order; each RRset is followed by its RRSIG. */
  readonly records: readonly ResourceRecord[];
  /** Names with authoritative data (the NSEC chain), and all owners including glue. */
  readonly counts: { readonly authoritativeNames: number; readonly owners: number; readonly records: number };
}

export interface ZoneBuildOptions {
  /** A signer kept across versions (transfers); a fresh one is made otherwise. */
  readonly signer?: ZoneSigner;
  readonly window?: SignatureWindow;
  /** Give the event loop a turn after this many RRsets (a large zone is built without blocking queries). */
  readonly rrsetsPerTurn?: number;
}

export const zoneBuildRrsetsPerTurnDefault = 256;

interface OutSet {
  readonly ttl: number;
  readonly rdatas: readonly Uint8Array[];
  readonly signed: boolean;
}

interface OutNode {
  readonly name: Name;
  /** In the NSEC chain: false for glue below a zone cut. */
  readonly authoritative: boolean;
  readonly sets: Map<number, OutSet>;
}

type Subtree = ReturnType<typeof subtreeFromRecord>;

function validLabel(label: string): boolean {
  return label.length > 0 && label.length <= labelBytesMax && !label.includes('.') && label !== '*';
}

/** Adds the nodes of one subtree (a registered name, or the apex's in-zone hosts) to `out`. */
function addSubtree(out: Map<string, OutNode>, subtree: Subtree, ttl: number): void {
  const nodes = [...subtree.nodes.values()].sort((a, b) => a.name.length - b.name.length);
  const cuts: { name: Name; targets: Name[] }[] = [];
  for (const node of nodes) {
    if (cuts.some((c) => isSubdomain(node.name, c.name))) continue; // below a cut: only glue, added below
    const sets = new Map<number, OutSet>();
    const ns = node.sets.get(RRType.NS);
    const cname = node.sets.get(RRType.CNAME);
    if (ns && ns.length > 0) {
      sets.set(RRType.NS, { ttl, rdatas: ns, signed: false });
      const ds = node.sets.get(RRType.DS);
      if (ds && ds.length > 0) sets.set(RRType.DS, { ttl, rdatas: ds, signed: true });
      const targets: Name[] = [];
      for (const r of ns) {
        try {
          targets.push(lowerName(rdataTargetName(r)));
        } catch {
          // malformed NS RDATA: no glue for it (it is still served as it is)
        }
      }
      cuts.push({ name: node.name, targets });
    } else if (cname && cname.length > 0) {
      sets.set(RRType.CNAME, { ttl, rdatas: cname.slice(0, 1), signed: true });
    } else {
      for (const [type, rdatas] of node.sets) if (type !== RRType.DS && rdatas.length > 0) sets.set(type, { ttl, rdatas, signed: true });
    }
    if (sets.size > 0) out.set(nameKey(node.name), { name: node.name, authoritative: true, sets });
  }
  for (const cut of cuts) {
    for (const target of cut.targets) {
      if (!isSubdomain(target, cut.name) || target.length === cut.name.length) continue;
      const node = subtree.get(target);
      if (!node) continue;
      const sets = new Map<number, OutSet>();
      for (const type of [RRType.A, RRType.AAAA]) {
        const rdatas = node.sets.get(type);
        if (rdatas && rdatas.length > 0) sets.set(type, { ttl, rdatas, signed: false });
      }
      if (sets.size > 0) out.set(nameKey(node.name), { name: node.name, authoritative: false, sets });
    }
  }
}

async function* namesOf(view: ZoneView): AsyncIterable<NameRecord> {
  if (!view.allNames) throw new DnsConfigError('the zone view has no allNames(): the whole zone cannot be listed for export or transfer');
  yield* view.allNames();
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Builds the signed zone (unsigned when `keys` is undefined) from the view's full listing. */
export async function buildSignedZone(view: ZoneView, apexConfig: ApexConfig | Apex, keys: DnssecKeys | undefined, opts: ZoneBuildOptions = {}): Promise<SignedZone> {
  const apex = 'hostSubtrees' in apexConfig ? apexConfig : prepareApex(view.apex, apexConfig);
  const signer = keys ? (opts.signer ?? new ZoneSigner(apex, keys, opts.window)) : undefined;
  signer?.check(view.timeMs);
  const rrsetsPerTurn = opts.rrsetsPerTurn ?? zoneBuildRrsetsPerTurnDefault;

  const nodes = new Map<string, OutNode>();
  const apexSets = new Map<number, OutSet>();
  const soa = soaRRset(apex, view.serial);
  apexSets.set(RRType.SOA, { ttl: soa.ttl, rdatas: soa.rdatas, signed: true });
  apexSets.set(RRType.NS, { ttl: apex.ttlSeconds, rdatas: apex.nsRdatas, signed: true });
  if (signer) apexSets.set(RRType.DNSKEY, { ttl: signer.dnskeySet.ttl, rdatas: signer.dnskeySet.rdatas, signed: true });
  nodes.set(nameKey(apex.name), { name: apex.name, authoritative: true, sets: apexSets });
  for (const subtree of apex.hostSubtrees.values()) addSubtree(nodes, subtree, apex.ttlSeconds);

  const seen = new Set<string>();
  let listed = 0;
  for await (const record of namesOf(view)) {
    if (++listed % rrsetsPerTurn === 0) await turn();
    const label = lowerLabel(record.name);
    if (!validLabel(label) || seen.has(label)) continue;
    seen.add(label);
    if (apex.hostSubtrees.has(label) || view.isReserved(label) || record.expiresAtMs <= view.timeMs) continue;
    const subtree = subtreeFromRecord(apex.name, label, record);
    if (subtree.nodes.size > 0) addSubtree(nodes, subtree, view.ttlSeconds);
  }

  const ordered = [...nodes.values()].sort((a, b) => compareNames(a.name, b.name));
  const chain = ordered.filter((n) => n.authoritative);
  if (signer) {
    const nsecTtl = negativeTtl(apex);
    chain.forEach((node, i) => {
      const next = chain[(i + 1) % chain.length]!.name;
      const types = [...node.sets.keys(), RRType.RRSIG, RRType.NSEC];
      node.sets.set(RRType.NSEC, { ttl: nsecTtl, rdatas: [nsecRdata(next, types)], signed: true });
    });
  }

  const records: ResourceRecord[] = [];
  const push = (name: Name, type: number, ttl: number, rdata: Uint8Array): void => {
    records.push({ name, type, class: RRClass.IN, ttl, rdata });
  };
  let soaRecord: ResourceRecord | undefined;
  let rrsets = 0;
  for (const node of ordered) {
    for (const type of [...node.sets.keys()].sort((a, b) => a - b)) {
      const s = node.sets.get(type)!;
      const set: RRset = { name: node.name, type, ttl: s.ttl, rdatas: s.rdatas };
      const rdatas = canonicalRdatas(set);
      if (type === RRType.SOA && node === ordered[0]) soaRecord = { name: node.name, type, class: RRClass.IN, ttl: s.ttl, rdata: rdatas[0]! };
      else for (const rdata of rdatas) push(node.name, type, s.ttl, rdata);
      if (signer && s.signed) push(node.name, RRType.RRSIG, s.ttl, signer.rrsig(set, view.timeMs));
      if (++rrsets % rrsetsPerTurn === 0) await turn();
    }
  }
  signer?.nextVersion();
  return {
    apex: apex.name,
    serial: view.serial >>> 0,
    soa: soaRecord!,
    records,
    counts: { authoritativeNames: chain.length, owners: ordered.length, records: records.length + 1 },
  };
}

/** The zone as an AXFR carries it: SOA, every other record, SOA again (RFC 5936 §2.2). */
export function axfrRecords(zone: SignedZone): ResourceRecord[] {
  return [zone.soa, ...zone.records, zone.soa];
}

/** The zone as a list of records, SOA first. */
export async function exportZoneRecords(view: ZoneView, apex: ApexConfig, keys: DnssecKeys | undefined, opts: ZoneBuildOptions = {}): Promise<ResourceRecord[]> {
  const zone = await buildSignedZone(view, apex, keys, opts);
  return [zone.soa, ...zone.records];
}

/** A signed zone as master-file text (RFC 1035 §5), one record per line, absolute names. */
export function zoneText(zone: SignedZone): string {
  const lines = [`; ${nameToText(zone.apex)} serial ${zone.serial}: ${zone.counts.records} records`, rrToText(zone.soa), ...zone.records.map(rrToText)];
  return lines.join('\n') + '\n';
}

/** The whole zone, signed, as an RFC 1035 master file that secondaries or other servers can load. */
export async function exportZoneText(view: ZoneView, apex: ApexConfig, keys: DnssecKeys | undefined, opts: ZoneBuildOptions = {}): Promise<string> {
  return zoneText(await buildSignedZone(view, apex, keys, opts));
}
