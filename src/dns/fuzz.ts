/**
 * Fuzzing support for the DNS server: a corpus of hand-made packets (valid queries and every kind
 * of malformed one the parser distinguishes), fast-check generators that build, mutate and
 * randomise packets, and `checkReply`, the properties every reply must have whatever was sent.
 *
 * Used by `fuzz.test.ts` (CI, fixed seed) and `bench/dns-fuzz.ts` (long campaigns). The corpus
 * lives in `src/dns/fuzz-corpus/` as raw `.bin` packets; `npx node bench/dns-fuzz.ts --write-corpus`
 * regenerates the hand-made part, and a campaign adds any packet that broke a property as
 * `crash-<sha256 prefix>.bin` so that CI replays it from then on.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { DcbtError } from '../errors.ts';
import type { DnsEnv, Transport } from './chain.ts';
import { handleQuery } from './chain.ts';
import type { DnsLimits } from './limits.ts';
import { RRType } from './rdata.ts';
import type { Message } from './wire.ts';
import { decodeMessage, headerBytes, nameEquals, Opcode, Rcode, readHeader, RRClass } from './wire.ts';

export const corpusDir = join(import.meta.dirname, 'fuzz-corpus');

/** A reply broke one of the properties in `checkReply`. */
export class DnsFuzzError extends DcbtError<'DNS_FUZZ'> {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('DNS_FUZZ', message, details);
    this.name = 'DnsFuzzError';
  }
}

// ---------------------------------------------------------------------------------------------
// Building packets byte by byte (so that invalid lengths and pointers can be written)

class Bytes {
  readonly out: number[] = [];
  u8(v: number): this {
    this.out.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    return this.u16(Math.floor(v / 0x10000) & 0xffff).u16(v & 0xffff);
  }
  raw(bytes: Iterable<number>): this {
    for (const b of bytes) this.u8(b);
    return this;
  }
  /** Labels as given (lengths are not checked), then the root label. */
  name(labels: readonly string[]): this {
    for (const l of labels) this.u8(l.length).raw(Array.from(l, (c) => c.charCodeAt(0)));
    return this.u8(0);
  }
  header(h: { id?: number; flags?: number; qd?: number; an?: number; ns?: number; ar?: number }): this {
    return this.u16(h.id ?? 0x1234)
      .u16(h.flags ?? 0)
      .u16(h.qd ?? 1)
      .u16(h.an ?? 0)
      .u16(h.ns ?? 0)
      .u16(h.ar ?? 0);
  }
  question(labels: readonly string[], type: number, klass: number = RRClass.IN): this {
    return this.name(labels).u16(type).u16(klass);
  }
  /** An OPT record: payload size in CLASS, extended RCODE / version / DO / Z in TTL, options in RDATA. */
  opt(o: { payload?: number; extRcode?: number; version?: number; dnssecOk?: boolean; z?: number; options?: readonly { code: number; data: readonly number[]; length?: number }[]; owner?: readonly string[] }): this {
    const rdata = new Bytes();
    for (const opt of o.options ?? []) rdata.u16(opt.code).u16(opt.length ?? opt.data.length).raw(opt.data);
    this.name(o.owner ?? [])
      .u16(RRType.OPT)
      .u16(o.payload ?? 1232);
    this.u8(o.extRcode ?? 0)
      .u8(o.version ?? 0)
      .u16((o.dnssecOk ? 0x8000 : 0) | ((o.z ?? 0) & 0x7fff));
    return this.u16(rdata.out.length).raw(rdata.out);
  }
  rr(labels: readonly string[], type: number, rdata: readonly number[], klass: number = RRClass.IN, ttl = 300): this {
    return this.name(labels).u16(type).u16(klass).u32(ttl).u16(rdata.length).raw(rdata);
  }
  done(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

const apex = ['dcbt', 'test'];
const q = (labels: readonly string[]): string[] => [...labels, ...apex];
const RD = 0x0100;
const CD = 0x0010;

/** The hand-made corpus: name → packet. Covers each branch of the parser and of the chain. */
export function seedCorpus(): Map<string, Uint8Array> {
  const c = new Map<string, Uint8Array>();
  const add = (name: string, b: Bytes | Uint8Array): void => void c.set(name, b instanceof Bytes ? b.done() : b);
  const query = (labels: readonly string[], type: number, opt?: Parameters<Bytes['opt']>[0], flags = 0): Bytes => {
    const b = new Bytes().header({ flags, ar: opt ? 1 : 0 }).question(labels, type);
    return opt ? b.opt(opt) : b;
  };
  // Valid queries, with and without EDNS / DO, over every kind of answer.
  const names: Record<string, readonly string[]> = {
    apex,
    alice: q(['alice']),
    www: q(['www', 'alice']),
    mail: q(['mail', 'alice']),
    deep: q(['a', 'deep', 'alice']),
    ent: q(['deep', 'alice']),
    big: q(['big', 'alice']),
    loop: q(['loop1', 'alice']),
    dangling: q(['dangling', 'alice']),
    referral: q(['www', 'bob']),
    bob: q(['bob']),
    carol: q(['carol']),
    expired: q(['dave']),
    reserved: q(['admin']),
    empty: q(['empty']),
    ns1: q(['ns1']),
    nx: q(['nobody']),
    nxdeep: q(['x', 'y', 'nobody']),
    zerolabel: q(['\x00', 'alice']),
    ff: q(['\xff\xff', 'alice']),
    mixedcase: ['AlIcE', 'DCBT', 'Test'],
    outside: ['example', 'org'],
    root: [],
  };
  const types: Record<string, number> = {
    a: RRType.A,
    aaaa: RRType.AAAA,
    txt: RRType.TXT,
    mx: RRType.MX,
    ns: RRType.NS,
    ds: RRType.DS,
    soa: RRType.SOA,
    dnskey: RRType.DNSKEY,
    any: RRType.ANY,
    rrsig: RRType.RRSIG,
    nsec: RRType.NSEC,
    cname: RRType.CNAME,
  };
  for (const [n, labels] of Object.entries(names)) {
    for (const [t, type] of Object.entries(types)) {
      if (n !== 'alice' && n !== 'apex' && !['a', 'txt', 'ds'].includes(t)) continue;
      add(`valid-${n}-${t}`, query(labels, type));
      add(`valid-${n}-${t}-do`, query(labels, type, { dnssecOk: true }, RD | CD));
    }
  }
  add('valid-big-txt-edns512', query(q(['big', 'alice']), RRType.TXT, { payload: 512, dnssecOk: true }));
  // EDNS / OPT edge cases.
  for (const payload of [0, 1, 511, 512, 513, 1232, 4096, 65535]) add(`edns-payload-${payload}`, query(q(['alice']), RRType.A, { payload, dnssecOk: true }));
  add('edns-version-1', query(q(['alice']), RRType.A, { version: 1 }));
  add('edns-version-255-do', query(q(['alice']), RRType.A, { version: 255, dnssecOk: true }));
  add('edns-ext-rcode-in-query', query(q(['alice']), RRType.A, { extRcode: 0xff }));
  add('edns-z-bits', query(q(['alice']), RRType.A, { z: 0x7fff, dnssecOk: true }));
  add('edns-owner-not-root', query(q(['alice']), RRType.A, { owner: ['x'] }));
  add('edns-cookie', query(q(['alice']), RRType.A, { options: [{ code: 10, data: [1, 2, 3, 4, 5, 6, 7, 8] }] }));
  add('edns-padding', query(q(['alice']), RRType.A, { options: [{ code: 12, data: new Array<number>(200).fill(0) }] }));
  add('edns-ecs', query(q(['alice']), RRType.A, { options: [{ code: 8, data: [0, 1, 24, 0, 192, 0, 2] }] }));
  add('edns-option-length-overruns', query(q(['alice']), RRType.A, { options: [{ code: 10, data: [1, 2], length: 200 }] }));
  add('edns-option-truncated-header', new Bytes().header({ ar: 1 }).question(q(['alice']), RRType.A).name([]).u16(RRType.OPT).u16(1232).u32(0).u16(3).raw([0, 10, 0]));
  add('edns-two-opts', new Bytes().header({ ar: 2 }).question(q(['alice']), RRType.A).opt({}).opt({ dnssecOk: true }));
  add('edns-opt-in-answer', new Bytes().header({ an: 1 }).question(q(['alice']), RRType.A).opt({}));
  add('edns-opt-rdlength-past-end', new Bytes().header({ ar: 1 }).question(q(['alice']), RRType.A).name([]).u16(RRType.OPT).u16(1232).u32(0).u16(500));
  add('edns-opt-missing', new Bytes().header({ ar: 1 }).question(q(['alice']), RRType.A));
  add('qtype-opt', query(q(['alice']), RRType.OPT));
  // Header edge cases.
  add('header-only', new Bytes().header({ qd: 0 }));
  add('header-11-bytes', new Bytes().header({}).done().subarray(0, 11));
  add('empty', new Uint8Array(0));
  add('qr-set', query(q(['alice']), RRType.A, undefined, 0x8000));
  add('tc-set', query(q(['alice']), RRType.A, undefined, 0x0200));
  add('rcode-set', query(q(['alice']), RRType.A, undefined, 0x000f));
  add('aa-ad-ra-set', query(q(['alice']), RRType.A, undefined, 0x04a0));
  for (const [name, opcode] of Object.entries({ iquery: Opcode.IQUERY, status: Opcode.STATUS, notify: Opcode.NOTIFY, update: Opcode.UPDATE, fifteen: 15 })) {
    add(`opcode-${name}`, query(q(['alice']), RRType.SOA, undefined, opcode << 11));
  }
  for (const [name, type] of Object.entries({ axfr: RRType.AXFR, ixfr: RRType.IXFR, maila: RRType.MAILA, mailb: RRType.MAILB, tkey: RRType.TKEY, tsig: RRType.TSIG, zero: 0, max: 0xffff })) {
    add(`qtype-${name}`, query(apex, type));
  }
  for (const [name, klass] of Object.entries({ ch: RRClass.CH, any: RRClass.ANY, none: RRClass.NONE, zero: 0 })) {
    add(`qclass-${name}`, new Bytes().header({}).question(q(['alice']), RRType.A, klass));
  }
  // Bad counts.
  add('counts-qd0-with-question', new Bytes().header({ qd: 0 }).question(q(['alice']), RRType.A));
  add('counts-qd2', new Bytes().header({ qd: 2 }).question(q(['alice']), RRType.A).question(q(['bob']), RRType.A));
  add('counts-qd2-one-present', new Bytes().header({ qd: 2 }).question(q(['alice']), RRType.A));
  add('counts-qd-max', new Bytes().header({ qd: 0xffff }).question(q(['alice']), RRType.A));
  add('counts-all-max', new Bytes().header({ qd: 0xffff, an: 0xffff, ns: 0xffff, ar: 0xffff }).question(q(['alice']), RRType.A));
  add('counts-an-claims-more', new Bytes().header({ an: 3 }).question(q(['alice']), RRType.A).rr(q(['alice']), RRType.A, [1, 2, 3, 4]));
  add('counts-too-many-records', (() => {
    const b = new Bytes().header({ ar: 9 }).question(q(['alice']), RRType.A);
    for (let i = 0; i < 9; i++) b.rr([], RRType.TXT, [0]);
    return b;
  })());
  add('records-in-answer-and-authority', new Bytes().header({ an: 1, ns: 1 }).question(q(['alice']), RRType.A).rr(q(['alice']), RRType.A, [1, 2, 3, 4]).rr(apex, RRType.NS, [0]));
  add('tsig-in-additional', new Bytes().header({ ar: 1 }).question(q(['alice']), RRType.A).rr(['key'], RRType.TSIG, new Array<number>(40).fill(7), RRClass.ANY, 0));
  add('trailing-garbage', new Bytes().header({}).question(q(['alice']), RRType.A).raw([1, 2, 3]));
  // Truncated.
  const full = query(q(['alice']), RRType.A, { dnssecOk: true }).done();
  for (const cut of [12, 13, 17, 18, 27, 28, 29, 30, 32, 35, 39]) if (cut < full.length) add(`truncated-at-${cut}`, full.subarray(0, cut));
  // Names: compression loops, forward pointers and label types.
  add('pointer-self-loop', new Bytes().header({}).u8(0xc0).u8(12).u16(1).u16(1));
  add('pointer-forward', new Bytes().header({}).u8(0xc0).u8(14).u8(0).u16(1).u16(1));
  add('pointer-into-header', new Bytes().header({}).u8(0xc0).u8(2).u16(1).u16(1));
  add('pointer-two-step-loop', new Bytes().header({}).u8(1).u8(0x61).u8(0xc0).u8(15).u8(0xc0).u8(12).u16(1).u16(1));
  add('pointer-max-offset', new Bytes().header({}).u8(0xff).u8(0xff).u16(1).u16(1));
  add('pointer-truncated', new Bytes().header({}).u8(0xc0));
  add('pointer-backward-valid', new Bytes().header({ an: 1 }).question(q(['alice']), RRType.A).u8(0xc0).u8(12).u16(1).u16(1).u32(300).u16(4).raw([1, 2, 3, 4]));
  add('pointer-chain-backward', (() => {
    // A name built from a long chain of pointers, each one step back: terminates, but is long.
    const b = new Bytes().header({ an: 1 }).question(q(['alice']), RRType.A);
    const first = b.out.length;
    b.u8(1).u8(0x62).u8(0xc0).u8(12);
    for (let i = 0; i < 60; i++) b.u8(1).u8(0x63).u8(0xc0).u8(first + i * 4);
    return b.u16(1).u16(1).u32(0).u16(0);
  })());
  add('label-type-01', new Bytes().header({}).u8(0x41).raw(new Array<number>(10).fill(0x61)).u8(0).u16(1).u16(1));
  add('label-type-10', new Bytes().header({}).u8(0x80).u8(0).u16(1).u16(1));
  add('label-63', new Bytes().header({}).question(['x'.repeat(63), ...apex], RRType.A));
  add('label-64', new Bytes().header({}).question(['x'.repeat(64), ...apex], RRType.A));
  add('name-255', new Bytes().header({}).question([...Array.from({ length: 3 }, () => 'x'.repeat(63)), 'x'.repeat(50), 'dcbt', 'test'], RRType.A));
  add('name-256', new Bytes().header({}).question([...Array.from({ length: 3 }, () => 'x'.repeat(63)), 'x'.repeat(52), 'dcbt', 'test'], RRType.A));
  add('name-many-empty-pointers', new Bytes().header({}).question(Array.from({ length: 127 }, () => 'a'), RRType.A));
  add('label-past-end', new Bytes().header({}).u8(40).raw([0x61, 0x62]));
  // Oversized.
  const padded = (total: number): Uint8Array => {
    const base = query(q(['alice']), RRType.A, { options: [{ code: 12, data: new Array<number>(Math.max(0, total - full.length - 4)).fill(0) }] }).done();
    return base;
  };
  add('oversized-4096', padded(4096));
  add('oversized-4097', padded(4097));
  add('oversized-65535', padded(65535));
  add('random-bytes-header-query', Uint8Array.from({ length: 64 }, (_, i) => (i === 2 ? 0x01 : (i * 73 + 11) & 0xff)));
  return c;
}

/** Writes the hand-made corpus (keeps any `crash-*.bin` a campaign saved). */
export function writeSeedCorpus(dir = corpusDir): number {
  mkdirSync(dir, { recursive: true });
  const seeds = seedCorpus();
  for (const [name, bytes] of seeds) writeFileSync(join(dir, `${name}.bin`), bytes);
  return seeds.size;
}

/** Every packet in the corpus directory, sorted by file name. */
export function loadCorpus(dir = corpusDir): { readonly name: string; readonly bytes: Uint8Array }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bin'))
    .sort()
    .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(dir, f))) }));
}

/** Saves a packet that broke a property so that the corpus (and CI) replays it. */
export function saveCrash(bytes: Uint8Array, dir = corpusDir): string {
  const name = `crash-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.bin`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), bytes);
  return join(dir, name);
}

// ---------------------------------------------------------------------------------------------
// Generators

const labelPool = ['alice', 'bob', 'carol', 'dave', 'admin', 'empty', 'nobody', 'www', 'mail', 'ns1', 'big', 'a', 'deep', 'loop1', 'dangling', 'ext', 'ALICE', 'Bob', '\x00', '\xff', '*', 'dcbt', 'test', 'xn--bcher-kva'];
const typePool = [...Object.values(RRType), 0, 3, 99, 256, 1234, 65280, 65535];

const labelArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...labelPool) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 70 }).map((b) => String.fromCharCode(...b)) },
);

/** Names mostly under the apex, sometimes outside or over-long. */
const nameArb: fc.Arbitrary<string[]> = fc.tuple(fc.array(labelArb, { maxLength: 6 }), fc.nat(9)).map(([labels, r]) => (r < 7 ? [...labels, ...apex] : r < 8 ? labels : [...labels, 'org']));

const optArb = fc.record({
  payload: fc.oneof(fc.constantFrom(0, 1, 511, 512, 1232, 4096, 65535), fc.integer({ min: 0, max: 0xffff })),
  extRcode: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 255 })),
  version: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }),
  dnssecOk: fc.boolean(),
  z: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0x7fff })),
  options: fc.array(
    fc.record({
      code: fc.oneof(fc.constantFrom(3, 8, 10, 11, 12, 15), fc.integer({ min: 0, max: 0xffff })),
      data: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }),
      length: fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) }),
    }),
    { maxLength: 4 },
  ),
  owner: fc.oneof({ weight: 8, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: fc.array(labelArb, { maxLength: 2 }) }),
});

const questionArb = fc.record({
  name: nameArb,
  type: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...typePool) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) }),
  klass: fc.oneof({ weight: 6, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) }),
});

interface ExtraRecord {
  readonly name: string[];
  readonly type: number;
  readonly rdata: number[];
}
const extraRecordArb: fc.Arbitrary<ExtraRecord> = fc.record({ name: nameArb, type: fc.constantFrom(...typePool), rdata: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 30 }) });

/** A structurally plausible query with random header bits, counts that may lie, OPT edge cases and extra records. */
export const structuredQueryArb: fc.Arbitrary<Uint8Array> = fc
  .record({
    id: fc.integer({ min: 0, max: 0xffff }),
    flags: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(0, RD, RD | CD, CD) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) }),
    questions: fc.oneof({ weight: 6, arbitrary: fc.tuple(questionArb) }, { weight: 1, arbitrary: fc.array(questionArb, { maxLength: 3 }) }),
    opts: fc.oneof({ weight: 6, arbitrary: fc.array(optArb, { maxLength: 1 }) }, { weight: 1, arbitrary: fc.array(optArb, { minLength: 2, maxLength: 2 }) }),
    extra: fc.oneof({ weight: 6, arbitrary: fc.constant<ExtraRecord[]>([]) }, { weight: 1, arbitrary: fc.array(extraRecordArb, { maxLength: 2 }) }),
    /** Counts that lie, one time in ten. */
    counts: fc.oneof(
      { weight: 9, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff })) },
    ),
  })
  .map((p) => {
    const optFirst = p.questions.length % 2 === 0;
    const ar = p.opts.length + (optFirst ? 0 : p.extra.length);
    const an = optFirst ? p.extra.length : 0;
    const [qd, ...rest] = p.counts ?? [p.questions.length, an, 0, ar];
    const b = new Bytes().header({ id: p.id, flags: p.flags & 0x7fff, qd, an: rest[0], ns: rest[1], ar: rest[2] });
    for (const qu of p.questions) b.question(qu.name, qu.type, qu.klass);
    const extras = (): void => void p.extra.forEach((e) => b.rr(e.name, e.type, e.rdata));
    if (optFirst) extras();
    for (const o of p.opts) b.opt(o);
    if (!optFirst) extras();
    return b.done();
  });

type Mutation =
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'pointer'; readonly at: number; readonly target: number }
  | { readonly kind: 'count'; readonly which: number; readonly value: number }
  | { readonly kind: 'duplicate'; readonly at: number; readonly length: number };

const posArb = fc.integer({ min: 0, max: 0xffff });
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: posArb, value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('flip' as const), at: posArb, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: posArb, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: posArb, length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: posArb }),
  fc.record({ kind: fc.constant('pointer' as const), at: posArb, target: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 0x3fff })) }),
  fc.record({ kind: fc.constant('count' as const), which: fc.integer({ min: 0, max: 3 }), value: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constant(0xffff)) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: posArb, length: fc.integer({ min: 1, max: 40 }) }),
);

export function mutate(packet: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = Array.from(packet);
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.kind === 'count' ? 0 : 'at' in m ? m.at % (b.length + (m.kind === 'insert' ? 1 : 0)) : 0;
    switch (m.kind) {
      case 'set':
        if (b.length > 0) b[at] = m.value;
        break;
      case 'flip':
        if (b.length > 0) b[at] = b[at]! ^ (1 << m.bit);
        break;
      case 'insert':
        b.splice(at, 0, ...m.bytes);
        break;
      case 'delete':
        b.splice(at, m.length);
        break;
      case 'truncate':
        b = b.slice(0, at);
        break;
      case 'pointer':
        b.splice(at, 2, 0xc0 | ((m.target >> 8) & 0x3f), m.target & 0xff);
        break;
      case 'count':
        if (b.length >= headerBytes) {
          b[4 + m.which * 2] = m.value >> 8;
          b[5 + m.which * 2] = m.value & 0xff;
        }
        break;
      case 'duplicate':
        b.splice(at, 0, ...b.slice(at, at + m.length));
        break;
    }
  }
  return Uint8Array.from(b);
}

/** A corpus packet with a few mutations, sometimes spliced with another corpus packet. */
export function mutatedArb(corpus: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const pick = fc.integer({ min: 0, max: corpus.length - 1 }).map((i) => corpus[i]!);
  return fc.oneof(
    { weight: 5, arbitrary: fc.tuple(pick, fc.oneof({ weight: 3, arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 2 }) }, { weight: 1, arbitrary: fc.array(mutationArb, { minLength: 3, maxLength: 8 }) })).map(([p, ms]) => mutate(p, ms)) },
    { weight: 1, arbitrary: fc.tuple(pick, pick, posArb, posArb).map(([a, b, i, j]) => Uint8Array.from([...a.subarray(0, i % (a.length + 1)), ...b.subarray(j % (b.length + 1))])) },
  );
}

/** Random bytes, mostly with a query header (QR=0) so that they reach the parser. */
export const randomBytesArb: fc.Arbitrary<Uint8Array> = fc.tuple(fc.uint8Array({ maxLength: 600 }), fc.boolean()).map(([b, asQuery]) => {
  if (asQuery && b.length > 2) b[2] = b[2]! & 0x7f;
  return b;
});

/** Oversized packets: past queryBytesMax, up to the largest TCP frame. */
export const oversizedArb: fc.Arbitrary<Uint8Array> = fc.tuple(fc.integer({ min: 4000, max: 65535 }), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([length, fill, withHeader]) => {
  const b = new Uint8Array(length).fill(fill);
  if (withHeader) b.set([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  return b;
});

/** Every kind of packet, weighted towards the ones that get deep into the chain. */
export function packetArb(corpus: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 4, arbitrary: mutatedArb(corpus) },
    { weight: 3, arbitrary: structuredQueryArb },
    { weight: 2, arbitrary: randomBytesArb },
    { weight: 1, arbitrary: fc.constantFrom(...corpus) },
  );
}

// ---------------------------------------------------------------------------------------------
// The properties of a reply

export interface ReplyCheckContext {
  readonly transport: Transport;
  readonly limits: DnsLimits;
}

function tryDecode(bytes: Uint8Array): Message | undefined {
  try {
    return decodeMessage(bytes);
  } catch {
    return undefined;
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/**
 * Throws DnsFuzzError unless `reply` is what the server may answer to `packet`: nothing exactly
 * when there is no header or QR=1; otherwise a well-formed response echoing id, opcode, RD, CD and
 * the question (several only with FORMERR), within the transport's size limit.
 */
export function checkReply(packet: Uint8Array, reply: Uint8Array | null, ctx: ReplyCheckContext): void {
  const fail = (why: string): never => {
    throw new DnsFuzzError(`${why} (transport ${ctx.transport}; query ${hex(packet)}; reply ${reply ? hex(reply) : 'none'})`, { transport: ctx.transport });
  };
  const header = readHeader(packet);
  const silent = !header || header.qr;
  if (silent) {
    if (reply !== null) fail('answered a packet without a header or with QR=1');
    return;
  }
  if (reply === null) return fail('no reply to a packet with a query header');
  let m: Message;
  try {
    m = decodeMessage(reply);
  } catch (error) {
    return fail(`reply does not decode: ${String(error)}`);
  }
  if (!m.qr) fail('reply has QR=0');
  if (m.id !== header.id) fail('reply id differs from the query id');
  if (m.opcode !== header.opcode) fail('reply opcode differs');
  if (m.rd !== header.rd || m.cd !== header.cd) fail('RD/CD not echoed');
  const opts = m.additionals.filter((r) => r.type === RRType.OPT);
  if (opts.length > 1) fail('more than one OPT in the reply');
  const query = tryDecode(packet);
  if (m.questions.length > 0) {
    // Answers carry the one question; FORMERR for several questions may echo them all.
    const asked = query?.questions ?? [];
    const same = m.questions.length === asked.length && m.questions.every((rq, i) => nameEquals(rq.name, asked[i]!.name) && rq.type === asked[i]!.type && rq.class === asked[i]!.class);
    if (!same) fail('reply questions are not the query questions');
    const fullRcode = m.rcode | (opts[0] ? (opts[0].ttl >>> 24) << 4 : 0);
    if (m.questions.length > 1 && ![Rcode.FORMERR, Rcode.NOTIMP, Rcode.BADVERS].includes(fullRcode as 1)) fail(`several questions answered with RCODE ${fullRcode}`);
  }
  if (ctx.transport === 'udp') {
    const limit = opts.length === 0 ? ctx.limits.udpPayloadBytesMin : ctx.limits.udpPayloadBytesMax;
    if (reply.length > limit) fail(`UDP reply of ${reply.length} bytes over ${limit}`);
    const queryOpt = query?.additionals.find((r) => r.type === RRType.OPT);
    if (queryOpt && opts.length === 1 && reply.length > Math.max(queryOpt.class, ctx.limits.udpPayloadBytesMin)) fail('UDP reply larger than the client asked for');
  } else if (reply.length > 0xffff) {
    fail('reply longer than 65535 bytes');
  }
}

// ---------------------------------------------------------------------------------------------
// The property run by the test and by campaigns

/** Extra time, past the chain's own lookup timeout, before a pending query counts as a hang. */
export const fuzzStallGraceMs = 3000;

/** handleQuery, failing with DnsFuzzError if it rejects or has not settled after `stallMs`. */
export async function handleWithGuard(packet: Uint8Array, transport: Transport, env: DnsEnv, stallMs: number): Promise<Uint8Array | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stall = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DnsFuzzError(`handleQuery did not settle within ${stallMs} ms (query ${hex(packet)})`)), stallMs);
  });
  try {
    return await Promise.race([handleQuery(packet, { transport, env }), stall]);
  } catch (error) {
    if (error instanceof DnsFuzzError) throw error;
    throw new DnsFuzzError(`handleQuery rejected: ${String(error)} (query ${hex(packet)})`);
  } finally {
    clearTimeout(timer);
  }
}

/** For every generated packet and every transport: handleQuery settles, and its reply passes `checkReply`. */
export function chainProperty(env: DnsEnv, arbitrary: fc.Arbitrary<Uint8Array>, transports: readonly Transport[] = ['udp', 'tcp']): fc.IAsyncPropertyWithHooks<[Uint8Array]> {
  const stallMs = env.limits.lookupTimeoutMs + fuzzStallGraceMs;
  return fc.asyncProperty(arbitrary, async (packet) => {
    for (const transport of transports) {
      const reply = await handleWithGuard(packet, transport, env, stallMs);
      checkReply(packet, reply, { transport, limits: env.limits });
    }
  });
}
