/**
 * The zone: what the apex and the names on chain say, as DNS answers. This module knows nothing
 * about signatures or transports: it turns (qname, qtype) into sections of RRsets plus a
 * description of any negative answer (`Denial`) for the signer to prove.
 */
import type { NameRecord } from '../chain/types.ts';
import { DnsConfigError } from './errors.ts';
import type { Denial } from './denial.ts';
import { aaaaRdata, aRdata, nameRdata, rdataTargetName, RRType, soaRdata } from './rdata.ts';
import type { Name, RRset } from './wire.ts';
import { isSubdomain, lowerLabel, lowerName, nameEquals, nameFromText, nameKey, Rcode } from './wire.ts';

/** A finalised view of the chain, supplied by the node. */
export interface ZoneView {
  /** 'dcbt.test.' */
  readonly apex: string;
  /** Finalised height, used as the SOA serial (mod 2^32). */
  readonly serial: number;
  /** Finalised block time: a name with expiresAtMs <= timeMs does not resolve. */
  readonly timeMs: number;
  /** TTL of records from the chain. */
  readonly ttlSeconds: number;
  /** `label` is the A-label directly under the apex. */
  lookup(label: string): NameRecord | undefined | Promise<NameRecord | undefined>;
  isReserved(label: string): boolean;
  /**
   * Every name on chain (any order, expired and reserved ones included: the zone filters them as
   * `lookup` answers are filtered). Optional: only zone export and transfers (`zonefile.ts`,
   * `transfer/`) need the whole zone; the query path never calls it.
   */
  allNames?(): Iterable<NameRecord> | AsyncIterable<NameRecord>;
  /**
   * The labels whose records changed in the finalised blocks after height `serial` up to this
   * view's serial, or undefined when that is no longer known (too far back). Optional: without it
   * a cache of answers is emptied at every new serial; with it only the answers built from the
   * changed names (and those that carry the serial, in an SOA) are.
   */
  changedSince?(serial: number): ReadonlySet<string> | undefined;
}

export interface ApexNameserver {
  /** Fully qualified host name. In-zone hosts need an address: it is served as glue and as A/AAAA. */
  readonly host: string;
  readonly ipv4?: string;
  readonly ipv6?: string;
}

export interface ApexConfig {
  readonly nameservers: readonly ApexNameserver[];
  readonly soa: {
    /** Primary server; defaults to the first nameserver. */
    readonly mname?: string;
    /** Mailbox as a name: 'hostmaster.dcbt.test.'. */
    readonly rname: string;
    readonly refreshSeconds: number;
    readonly retrySeconds: number;
    readonly expireSeconds: number;
    /** Negative caching TTL (RFC 2308), capped by the SOA TTL. */
    readonly minimumSeconds: number;
  };
  /** TTL of the apex SOA, NS and nameserver addresses. */
  readonly ttlSeconds?: number;
}

export const apexTtlSecondsDefault = 3600;

/** Types the zone never serves from chain data: DNSSEC records it makes itself, meta and apex-only types. */
const typesNeverFromChain = new Set<number>([
  RRType.SOA,
  RRType.OPT,
  RRType.RRSIG,
  RRType.NSEC,
  RRType.NSEC3,
  RRType.NSEC3PARAM,
  RRType.DNSKEY,
  RRType.NXNAME,
  RRType.TKEY,
  RRType.TSIG,
  RRType.IXFR,
  RRType.AXFR,
  RRType.MAILA,
  RRType.MAILB,
  RRType.ANY,
]);

/** An RRset in a response; glue and referral NS sets are not authoritative and are never signed. */
export interface AnswerSet extends RRset {
  readonly signed: boolean;
}

export interface ZoneAnswer {
  readonly rcode: number;
  readonly authoritative: boolean;
  readonly answer: AnswerSet[];
  readonly authority: AnswerSet[];
  readonly additional: AnswerSet[];
  /** Negative answers to prove with NSEC (only when the client asked for DNSSEC). */
  readonly denials: Denial[];
  /** TTL for SOA and NSEC in negative answers: min(SOA TTL, SOA minimum). */
  readonly negativeTtl: number;
}

interface Node {
  readonly name: Name;
  /** type → RDATAs; empty for empty non-terminals. */
  readonly sets: Map<number, Uint8Array[]>;
}

/** A subtree of the zone: one registered name (or the apex's own in-zone hosts). */
class Subtree {
  readonly nodes = new Map<string, Node>();

  add(name: Name, type: number, rdata: Uint8Array, top: Name): void {
    const lower = lowerName(name);
    for (let i = 0; i <= lower.length - top.length; i++) {
      const key = nameKey(lower.slice(i));
      if (!this.nodes.has(key)) this.nodes.set(key, { name: lower.slice(i), sets: new Map() });
    }
    const node = this.nodes.get(nameKey(lower))!;
    const list = node.sets.get(type) ?? [];
    if (!list.some((r) => r.length === rdata.length && r.every((b, i) => b === rdata[i]))) list.push(rdata);
    node.sets.set(type, list);
  }

  get(name: Name): Node | undefined {
    return this.nodes.get(nameKey(name));
  }
}

/** Apex data fixed at startup: names, the NS RRset and the in-zone nameserver hosts. */
export interface Apex {
  readonly name: Name;
  readonly config: ApexConfig;
  readonly ttlSeconds: number;
  readonly nsRdatas: readonly Uint8Array[];
  /** In-zone nameserver hosts, keyed by their label directly under the apex. */
  readonly hostSubtrees: ReadonlyMap<string, Subtree>;
  readonly mname: Name;
  readonly rname: Name;
}

export function prepareApex(apexText: string, config: ApexConfig): Apex {
  const name = lowerName(nameFromText(apexText));
  if (config.nameservers.length === 0) throw new DnsConfigError('the apex needs at least one nameserver');
  const ttlSeconds = config.ttlSeconds ?? apexTtlSecondsDefault;
  const hostSubtrees = new Map<string, Subtree>();
  const nsRdatas: Uint8Array[] = [];
  for (const ns of config.nameservers) {
    const host = lowerName(nameFromText(ns.host));
    nsRdatas.push(nameRdata(host));
    if (!isSubdomain(host, name)) continue;
    if (host.length === name.length) throw new DnsConfigError('a nameserver cannot be the apex itself', { host: ns.host });
    if (!ns.ipv4 && !ns.ipv6) throw new DnsConfigError(`in-zone nameserver ${ns.host} needs an ipv4 or ipv6 address (glue)`, { host: ns.host });
    const label = host[host.length - name.length - 1]!;
    const subtree = hostSubtrees.get(label) ?? new Subtree();
    const top = [label, ...name];
    if (ns.ipv4) subtree.add(host, RRType.A, aRdata(ns.ipv4), top);
    if (ns.ipv6) subtree.add(host, RRType.AAAA, aaaaRdata(ns.ipv6), top);
    hostSubtrees.set(label, subtree);
  }
  const mname = lowerName(nameFromText(config.soa.mname ?? config.nameservers[0]!.host));
  return { name, config, ttlSeconds, nsRdatas, hostSubtrees, mname, rname: lowerName(nameFromText(config.soa.rname)) };
}

export function soaRRset(apex: Apex, serial: number): RRset {
  const s = apex.config.soa;
  const rdata = soaRdata({
    mname: apex.mname,
    rname: apex.rname,
    serial: serial >>> 0,
    refreshSeconds: s.refreshSeconds,
    retrySeconds: s.retrySeconds,
    expireSeconds: s.expireSeconds,
    minimumSeconds: s.minimumSeconds,
  });
  return { name: apex.name, type: RRType.SOA, ttl: apex.ttlSeconds, rdatas: [rdata] };
}

export function negativeTtl(apex: Apex): number {
  return Math.min(apex.ttlSeconds, apex.config.soa.minimumSeconds);
}

/** What the zone needs at query time besides the view. */
export interface ZoneContext {
  readonly apex: Apex;
  readonly view: ZoneView;
  /** The apex DNSKEY RRset (from the signed keyset), or undefined for an unsigned zone. */
  readonly dnskeys?: RRset;
  readonly cnameChainMax: number;
}

const apexTypes = (ctx: ZoneContext): number[] => [RRType.NS, RRType.SOA, ...(ctx.dnskeys ? [RRType.DNSKEY] : [])];

/** The subtree holding `label` (directly under the apex), or undefined when the name does not resolve. */
async function subtreeFor(ctx: ZoneContext, label: string): Promise<Subtree | undefined> {
  const hosts = ctx.apex.hostSubtrees.get(label);
  if (hosts) return hosts;
  if (ctx.view.isReserved(label)) return undefined;
  const record = await ctx.view.lookup(label);
  if (!record || record.expiresAtMs <= ctx.view.timeMs) return undefined;
  return subtreeFromRecord(ctx.apex.name, label, record);
}

/** Subtrees built from chain records, reused while the view hands out the same record object. */
const subtreeCache = new WeakMap<NameRecord, { readonly apexKey: string; readonly subtree: Subtree }>();

export function subtreeFromRecord(apex: Name, label: string, record: NameRecord): Subtree {
  const apexKey = nameKey([label, ...apex]);
  const cached = subtreeCache.get(record);
  if (cached && cached.apexKey === apexKey) return cached.subtree;
  const subtree = buildSubtree(apex, label, record);
  subtreeCache.set(record, { apexKey, subtree });
  return subtree;
}

function buildSubtree(apex: Name, label: string, record: NameRecord): Subtree {
  const top = [label, ...apex];
  const subtree = new Subtree();
  for (const r of record.records) {
    if (typesNeverFromChain.has(r.type)) continue;
    let host: Name;
    try {
      host = r.host === '' ? [] : lowerName(nameFromText(r.host));
    } catch {
      continue;
    }
    // No wildcard synthesis: a '*' owner would make the wildcard denial untrue, so it is not served.
    if (host.includes('*')) continue;
    subtree.add([...host, ...top], r.type, r.rdata, top);
  }
  return subtree;
}

interface Step {
  readonly rcode: number;
  readonly answer: AnswerSet[];
  readonly authority: AnswerSet[];
  readonly additional: AnswerSet[];
  readonly denials: Denial[];
  readonly authoritative: boolean;
  /** Set when the answer is a CNAME whose target should be followed. */
  readonly cnameTarget?: Name;
}

const empty = (): Omit<Step, 'rcode'> => ({ answer: [], authority: [], additional: [], denials: [], authoritative: true });

/** Resolves one question against the zone. `qname` must be at or below the apex. */
export async function resolve(ctx: ZoneContext, qname: Name, qtype: number): Promise<ZoneAnswer> {
  const seen = new Set<string>();
  let name = qname;
  let result: ZoneAnswer = { rcode: Rcode.NOERROR, authoritative: true, answer: [], authority: [], additional: [], denials: [], negativeTtl: negativeTtl(ctx.apex) };
  for (let hop = 0; hop <= ctx.cnameChainMax; hop++) {
    seen.add(nameKey(name));
    const step = await resolveOne(ctx, name, qtype, hop === 0);
    if (hop > 0 && !step.authoritative) break; // a CNAME into a delegation: the resolver follows it
    result = {
      ...result,
      rcode: step.rcode,
      authoritative: hop === 0 ? step.authoritative : result.authoritative,
      answer: [...result.answer, ...step.answer],
      authority: step.authority,
      additional: step.additional,
      denials: step.denials,
    };
    const target = step.cnameTarget;
    if (!target || !isSubdomain(target, ctx.apex.name) || seen.has(nameKey(target))) break;
    name = target;
  }
  return result;
}

function negative(ctx: ZoneContext, rcode: number, denial: Denial): Step {
  // RFC 2308 §3 / RFC 9077: the SOA in a negative answer carries the negative caching TTL.
  const soa = { ...soaRRset(ctx.apex, ctx.view.serial), ttl: negativeTtl(ctx.apex), signed: true };
  return { ...empty(), rcode, authority: [soa], denials: [denial] };
}

function glueFor(subtree: Subtree, targets: readonly Name[], within: Name, ttl: number): AnswerSet[] {
  const glue: AnswerSet[] = [];
  for (const target of targets) {
    if (!isSubdomain(target, within)) continue;
    const node = subtree.get(target);
    for (const type of [RRType.A, RRType.AAAA]) {
      const rdatas = node?.sets.get(type);
      if (rdatas && rdatas.length > 0) glue.push({ name: target, type, ttl, rdatas, signed: false });
    }
  }
  return glue;
}

function nsTargets(rdatas: readonly Uint8Array[]): Name[] {
  const out: Name[] = [];
  for (const r of rdatas) {
    try {
      out.push(lowerName(rdataTargetName(r)));
    } catch {
      // A malformed NS RDATA is skipped for glue; it is still served as it is.
    }
  }
  return out;
}

async function resolveOne(ctx: ZoneContext, qname: Name, qtype: number, first: boolean): Promise<Step> {
  const apex = ctx.apex.name;
  const owner = first ? qname : lowerName(qname);
  if (qname.length === apex.length) return resolveApex(ctx, owner, qtype);

  const label = lowerLabel(qname[qname.length - apex.length - 1]!);
  const subtree = await subtreeFor(ctx, label);
  const top = [label, ...apex];
  const ttl = ctx.apex.hostSubtrees.has(label) ? ctx.apex.ttlSeconds : ctx.view.ttlSeconds;
  if (!subtree || subtree.nodes.size === 0) {
    return negative(ctx, Rcode.NXDOMAIN, { kind: 'nxdomain', qname: lowerName(qname), closestEncloser: apex, ceTypes: apexTypes(ctx) });
  }

  // Zone cut: the highest owner between the registered name and qname that has NS records.
  const lower = lowerName(qname);
  for (let depth = top.length; depth <= lower.length; depth++) {
    const name = lower.slice(lower.length - depth);
    const node = subtree.get(name);
    if (!node) break;
    const ns = node.sets.get(RRType.NS);
    if (!ns || ns.length === 0) continue;
    const atCut = depth === lower.length;
    if (atCut && qtype === RRType.DS) {
      const ds = node.sets.get(RRType.DS);
      if (ds && ds.length > 0) return { ...empty(), rcode: Rcode.NOERROR, answer: [{ name: owner, type: RRType.DS, ttl, rdatas: ds, signed: true }] };
      return negative(ctx, Rcode.NOERROR, { kind: 'nodata', name, types: [RRType.NS] });
    }
    const ds = node.sets.get(RRType.DS);
    const authority: AnswerSet[] = [{ name, type: RRType.NS, ttl, rdatas: ns, signed: false }];
    const denials: Denial[] = [];
    if (ds && ds.length > 0) authority.push({ name, type: RRType.DS, ttl, rdatas: ds, signed: true });
    else denials.push({ kind: 'nodata', name, types: [RRType.NS] });
    return { rcode: Rcode.NOERROR, authoritative: false, answer: [], authority, additional: glueFor(subtree, nsTargets(ns), name, ttl), denials };
  }

  const node = subtree.get(lower);
  if (!node) {
    // Closest encloser: the longest existing ancestor (the apex when even the registered name is absent).
    let ce: Name = apex;
    let ceTypes = apexTypes(ctx);
    for (let depth = lower.length - 1; depth >= top.length; depth--) {
      const candidate = subtree.get(lower.slice(lower.length - depth));
      if (candidate) {
        ce = candidate.name;
        ceTypes = [...candidate.sets.keys()];
        break;
      }
    }
    return negative(ctx, Rcode.NXDOMAIN, { kind: 'nxdomain', qname: lower, closestEncloser: ce, ceTypes });
  }

  const cname = node.sets.get(RRType.CNAME);
  if (cname && cname.length > 0 && qtype !== RRType.CNAME) {
    let target: Name | undefined;
    try {
      target = lowerName(rdataTargetName(cname[0]!));
    } catch {
      target = undefined;
    }
    const step: Step = { ...empty(), rcode: Rcode.NOERROR, answer: [{ name: owner, type: RRType.CNAME, ttl, rdatas: cname.slice(0, 1), signed: true }] };
    return target ? { ...step, cnameTarget: target } : step;
  }
  const type = qtype === RRType.ANY ? [...node.sets.keys()].sort((a, b) => a - b)[0] : qtype;
  const rdatas = type === undefined ? undefined : node.sets.get(type);
  if (type !== undefined && rdatas && rdatas.length > 0) {
    return { ...empty(), rcode: Rcode.NOERROR, answer: [{ name: owner, type, ttl, rdatas, signed: true }] };
  }
  return negative(ctx, Rcode.NOERROR, { kind: 'nodata', name: lower, types: [...node.sets.keys()] });
}

function resolveApex(ctx: ZoneContext, owner: Name, qtype: number): Step {
  const apex = ctx.apex;
  const sets: AnswerSet[] = [
    { ...soaRRset(apex, ctx.view.serial), name: owner, signed: true },
    { name: owner, type: RRType.NS, ttl: apex.ttlSeconds, rdatas: apex.nsRdatas, signed: true },
  ];
  if (ctx.dnskeys) sets.push({ ...ctx.dnskeys, name: owner, signed: true });
  const wanted = qtype === RRType.ANY ? sets.find((s) => s.type === RRType.SOA) : sets.find((s) => s.type === qtype);
  if (!wanted) return negative(ctx, Rcode.NOERROR, { kind: 'nodata', name: apex.name, types: apexTypes(ctx) });
  const step: Step = { ...empty(), rcode: Rcode.NOERROR, answer: [wanted] };
  if (wanted.type !== RRType.NS) return step;
  const glue: AnswerSet[] = [];
  for (const target of nsTargets(apex.nsRdatas)) {
    if (!isSubdomain(target, apex.name) || nameEquals(target, apex.name)) continue;
    const subtree = apex.hostSubtrees.get(target[target.length - apex.name.length - 1]!);
    if (subtree) glue.push(...glueFor(subtree, [target], apex.name, apex.ttlSeconds));
  }
  return { ...step, additional: glue };
}
