/**
 * Building queries and reading answers in tests (and in the `dcbt dns` tooling): a tiny stub
 * client over the same codec the server uses.
 */
import { RRType } from './rdata.ts';
import type { Message, ResourceRecord } from './wire.ts';
import { decodeMessage, encodeMessage, nameFromText, nameToText, Opcode, RRClass } from './wire.ts';

export interface QueryOptions {
  readonly id?: number;
  readonly opcode?: number;
  readonly qclass?: number;
  /** Add an OPT record (EDNS0) with this UDP payload size. */
  readonly edns?: number;
  readonly dnssecOk?: boolean;
  readonly ednsVersion?: number;
  readonly rd?: boolean;
  readonly cd?: boolean;
}

export function buildQuery(name: string, type: number, opts: QueryOptions = {}): Uint8Array {
  const additionals: ResourceRecord[] = [];
  if (opts.edns !== undefined || opts.dnssecOk || opts.ednsVersion !== undefined) {
    const ttl = ((opts.ednsVersion ?? 0) << 16) | (opts.dnssecOk ? 0x8000 : 0);
    additionals.push({ name: [], type: RRType.OPT, class: opts.edns ?? 1232, ttl, rdata: new Uint8Array(0) });
  }
  const m: Message = {
    id: opts.id ?? 0x1234,
    qr: false,
    opcode: opts.opcode ?? Opcode.QUERY,
    aa: false,
    tc: false,
    rd: opts.rd ?? false,
    ra: false,
    ad: false,
    cd: opts.cd ?? false,
    rcode: 0,
    questions: [{ name: nameFromText(name), type, class: opts.qclass ?? RRClass.IN }],
    answers: [],
    authorities: [],
    additionals,
  };
  return encodeMessage(m);
}

export interface Reply extends Message {
  /** Full RCODE including the OPT extension. */
  readonly fullRcode: number;
  readonly opt: ResourceRecord | undefined;
}

export function readReply(wire: Uint8Array | null): Reply {
  if (!wire) throw new Error('no reply');
  const m = decodeMessage(wire);
  const opt = m.additionals.find((r) => r.type === RRType.OPT);
  return { ...m, opt, fullRcode: m.rcode | (opt ? (opt.ttl >>> 24) << 4 : 0) };
}

/** Records of a section as 'owner TYPE' strings, for compact assertions. */
export function summary(records: readonly ResourceRecord[]): string[] {
  return records.map((r) => `${nameToText(r.name).toLowerCase()} ${typeName(r.type)}`);
}

const typeNames = new Map<number, string>(Object.entries(RRType).map(([k, v]) => [v, k]));
export function typeName(type: number): string {
  return typeNames.get(type) ?? `TYPE${type}`;
}
