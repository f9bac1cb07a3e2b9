/**
 * The query handler chain, CoreDNS style: every query walks down this list and its response walks
 * back up. Each handler does one job and either calls `next()` or answers by itself.
 *
 *   request →  encode → parse → edns → refuse → dnssec → zone
 *   response ← encode ← parse ← edns ← refuse ← dnssec ← zone
 *
 * So on the way out the order is: zone lookup → DNSSEC signer → EDNS(0) → encode (with UDP
 * truncation). `encode` is outermost so that nothing a handler throws can escape: an unexpected
 * error becomes SERVFAIL, a malformed packet FORMERR, and a packet without a header no reply.
 */
import type { Denial } from './denial.ts';
import { denialNsecs, nsecTypes } from './denial.ts';
import { DnsWireError } from './errors.ts';
import type { DnsLimits } from './limits.ts';
import { tcpFrameBytesMax } from './limits.ts';
import { nsecRdata, RRType } from './rdata.ts';
import type { Signer } from './signer.ts';
import type { Apex, AnswerSet, ZoneAnswer, ZoneContext, ZoneView } from './zone.ts';
import { resolve } from './zone.ts';
import type { Message, Question, ResourceRecord } from './wire.ts';
import { decodeMessage, encodeMessage, isSubdomain, Opcode, rrsetRecords, Rcode, readHeader, RRClass } from './wire.ts';

/** 'doh': DNS over HTTPS (RFC 8484), like TCP never truncated. */
export type Transport = 'udp' | 'tcp' | 'doh';

export interface DnsStats {
  queries: number;
  /** Packets not answered at all (no parseable header, or a response sent to us). */
  dropped: number;
  truncated: number;
  /** Responses by (extended) RCODE. */
  rcodes: Record<number, number>;
}

export function newStats(): DnsStats {
  return { queries: 0, dropped: 0, truncated: 0, rcodes: {} };
}

export interface DnsTestHooks {
  /** Runs after signing, before encoding: tests use it to tamper with signed data. */
  afterSign?(response: ResponseDraft): void;
}

/** Everything the chain needs besides the packet; built once by `createDnsEnv`. */
export interface DnsEnv {
  readonly view: () => ZoneView;
  readonly apex: Apex;
  /** Undefined for an unsigned zone. */
  readonly signer: Signer | undefined;
  readonly limits: DnsLimits;
  readonly nowMs: () => number;
  readonly hooks: DnsTestHooks | undefined;
  readonly stats: DnsStats;
}

/** The response being built, as RRsets; `encode` turns it into wire format. */
export interface ResponseDraft {
  id: number;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  cd: boolean;
  /** Full 12-bit RCODE: the upper 8 bits go into the OPT record. */
  rcode: number;
  questions: Question[];
  answer: AnswerSet[];
  authority: AnswerSet[];
  additional: AnswerSet[];
  /** Set by the EDNS handler when the query had an OPT record. */
  opt?: { readonly payloadBytes: number; readonly dnssecOk: boolean };
}

export interface QueryState {
  readonly raw: Uint8Array;
  readonly transport: Transport;
  readonly env: DnsEnv;
  request?: Message;
  edns?: { readonly payloadBytes: number; readonly dnssecOk: boolean };
  zone?: ZoneAnswer;
  response?: ResponseDraft;
  /** The encoded reply, or null for no reply. */
  wire?: Uint8Array | null;
}

export type Next = () => Promise<void>;
export type Handler = (q: QueryState, next: Next) => Promise<void>;

/** A response echoing the request's id, opcode, RD, CD and question. */
export function replyTo(request: Pick<Message, 'id' | 'opcode' | 'rd' | 'cd'> & { questions?: readonly Question[] }, rcode: number): ResponseDraft {
  return {
    id: request.id,
    opcode: request.opcode,
    aa: false,
    tc: false,
    rd: request.rd,
    cd: request.cd,
    rcode,
    questions: [...(request.questions ?? [])],
    answer: [],
    authority: [],
    additional: [],
  };
}

export function draftToMessage(d: ResponseDraft): Message {
  const additionals: ResourceRecord[] = d.additional.flatMap(rrsetRecords);
  if (d.opt) {
    const ttl = ((d.rcode >> 4) & 0xff) * 0x1000000 + (d.opt.dnssecOk ? 0x8000 : 0);
    additionals.push({ name: [], type: RRType.OPT, class: d.opt.payloadBytes, ttl, rdata: new Uint8Array(0) });
  }
  return {
    id: d.id,
    qr: true,
    opcode: d.opcode,
    aa: d.aa,
    tc: d.tc,
    rd: d.rd,
    ra: false,
    ad: false,
    cd: d.cd,
    rcode: d.rcode & 0xf,
    questions: d.questions,
    answers: d.answer.flatMap(rrsetRecords),
    authorities: d.authority.flatMap(rrsetRecords),
    additionals,
  };
}

// ---------------------------------------------------------------------------------------------
// Handlers

/** Outermost: catches everything, encodes, and truncates to the client's UDP size (TC=1). */
export const encodeHandler: Handler = async (q, next) => {
  try {
    await next();
  } catch {
    const header = q.request ?? readHeader(q.raw);
    q.response = header ? { ...replyTo(header, Rcode.SERVFAIL), ...(q.edns ? { opt: { payloadBytes: q.env.limits.udpPayloadBytesMax, dnssecOk: q.edns.dnssecOk } } : {}) } : undefined;
  }
  const d = q.response;
  if (!d) {
    q.env.stats.dropped++;
    q.wire = null;
    return;
  }
  const { udpPayloadBytesMin, udpPayloadBytesMax } = q.env.limits;
  const limit =
    q.transport === 'udp' ? (q.edns ? Math.min(Math.max(q.edns.payloadBytes, udpPayloadBytesMin), udpPayloadBytesMax) : udpPayloadBytesMin) : tcpFrameBytesMax;
  let wire = encodeMessage(draftToMessage(d));
  if (wire.length > limit) {
    // RFC 2181 §9 / RFC 6891 §7: header and question only (OPT kept), the client retries over TCP.
    q.env.stats.truncated++;
    wire = encodeMessage(draftToMessage({ ...d, tc: true, answer: [], authority: [], additional: [] }));
  }
  q.env.stats.rcodes[d.rcode] = (q.env.stats.rcodes[d.rcode] ?? 0) + 1;
  q.wire = wire;
};

/** Bytes → message. No header or a response (QR=1): no reply. Anything malformed: FORMERR. */
export const parseHandler: Handler = async (q, next) => {
  q.env.stats.queries++;
  const header = readHeader(q.raw);
  if (!header || header.qr) return;
  if (q.raw.length > q.env.limits.queryBytesMax) {
    q.response = replyTo(header, Rcode.FORMERR);
    return;
  }
  try {
    q.request = decodeMessage(q.raw, { recordsMax: q.env.limits.queryRecordsMax });
  } catch (error) {
    if (!(error instanceof DnsWireError)) throw error;
    q.response = replyTo(header, Rcode.FORMERR);
    return;
  }
  await next();
};

/** EDNS(0), RFC 6891: one OPT at the root, version 0 (else BADVERS); the DO bit (RFC 3225). */
export const ednsHandler: Handler = async (q, next) => {
  const request = q.request!;
  const opts = request.additionals.filter((rr) => rr.type === RRType.OPT);
  const opt = opts[0];
  if (opts.length > 1 || (opt && opt.name.length !== 0)) {
    q.response = replyTo(request, Rcode.FORMERR);
    return;
  }
  if (opt) {
    q.edns = { payloadBytes: opt.class, dnssecOk: (opt.ttl & 0x8000) !== 0 };
    const version = (opt.ttl >>> 16) & 0xff;
    if (version !== 0) q.response = replyTo(request, Rcode.BADVERS);
    else await next();
  } else {
    await next();
  }
  if (q.edns && q.response) q.response.opt = { payloadBytes: q.env.limits.udpPayloadBytesMax, dnssecOk: q.edns.dnssecOk };
};

/** Only standard queries, one question, class IN, at or below the apex. */
export const refuseHandler: Handler = async (q, next) => {
  const request = q.request!;
  if (request.opcode !== Opcode.QUERY) {
    q.response = replyTo(request, Rcode.NOTIMP);
    return;
  }
  const question = request.questions[0];
  if (request.questions.length !== 1 || !question || question.type === RRType.OPT) {
    q.response = replyTo(request, Rcode.FORMERR);
    return;
  }
  if (question.class !== RRClass.IN || !isSubdomain(question.name, q.env.apex.name)) {
    q.response = replyTo(request, Rcode.REFUSED);
    return;
  }
  if (question.type === RRType.AXFR || question.type === RRType.IXFR) {
    q.response = replyTo(request, Rcode.REFUSED);
    return;
  }
  if (question.type === RRType.MAILA || question.type === RRType.MAILB || question.type === RRType.TKEY || question.type === RRType.TSIG) {
    q.response = replyTo(request, Rcode.NOTIMP);
    return;
  }
  await next();
};

/** With DO=1: an RRSIG after every authoritative RRset, and NSEC records proving denials. */
export const dnssecHandler: Handler = async (q, next) => {
  await next();
  const { signer } = q.env;
  const zone = q.zone;
  const d = q.response;
  if (!signer || !zone || !d || !q.edns?.dnssecOk) return;
  const nowMs = q.env.nowMs();
  const withSigs = (sets: readonly AnswerSet[]): AnswerSet[] =>
    sets.flatMap((s) => (s.signed ? [s, { name: s.name, type: RRType.RRSIG, ttl: s.ttl, rdatas: [signer.rrsig(s, nowMs)], signed: false }] : [s]));
  d.answer = withSigs(zone.answer);
  d.authority = withSigs([...zone.authority, ...nsecSets(zone.denials, zone.negativeTtl)]);
  q.env.hooks?.afterSign?.(d);
};

function nsecSets(denials: readonly Denial[], ttl: number): AnswerSet[] {
  return denials.flatMap(denialNsecs).map((spec) => ({ name: spec.owner, type: RRType.NSEC, ttl, rdatas: [nsecRdata(spec.next, nsecTypes(spec))], signed: true }));
}

/** The answer from the zone (chain view + apex data). */
export const zoneHandler: Handler = async (q) => {
  const request = q.request!;
  const question = request.questions[0]!;
  const { env } = q;
  const ctx: ZoneContext = {
    apex: env.apex,
    view: env.view(),
    ...(env.signer ? { dnskeys: env.signer.dnskeySet } : {}),
    cnameChainMax: env.limits.cnameChainMax,
  };
  const zone = await withTimeout(resolve(ctx, question.name, question.type), env.limits.lookupTimeoutMs);
  q.zone = zone;
  q.response = {
    ...replyTo(request, zone.rcode),
    aa: zone.authoritative,
    answer: [...zone.answer],
    authority: [...zone.authority],
    additional: [...zone.additional],
  };
};

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`zone lookup took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// The chain

/** The order of the chain. Change it here and only here. */
export const CHAIN: readonly { readonly name: string; readonly handler: Handler }[] = [
  { name: 'encode', handler: encodeHandler },
  { name: 'parse', handler: parseHandler },
  { name: 'edns', handler: ednsHandler },
  { name: 'refuse', handler: refuseHandler },
  { name: 'dnssec', handler: dnssecHandler },
  { name: 'zone', handler: zoneHandler },
];

/** Runs `handlers` in order on one query state. */
export function runChain(handlers: readonly { readonly handler: Handler }[], q: QueryState): Promise<void> {
  const dispatch = (i: number): Promise<void> => (i < handlers.length ? handlers[i]!.handler(q, () => dispatch(i + 1)) : Promise.resolve());
  return dispatch(0);
}

/**
 * Answers one DNS message. Returns the reply in wire format, or null when the packet must not be
 * answered (no parseable header, or it is itself a response). Never throws.
 */
export async function handleQuery(packet: Uint8Array, ctx: { readonly transport: Transport; readonly env: DnsEnv }): Promise<Uint8Array | null> {
  const q: QueryState = { raw: packet, transport: ctx.transport, env: ctx.env };
  try {
    await runChain(CHAIN, q);
  } catch {
    return null;
  }
  return q.wire ?? null;
}
