/**
 * AXFR (RFC 5936) and IXFR (RFC 1995) answers: which records, in which order, packed into DNS
 * messages under a size limit. Signing (TSIG) and sending are the service's job (service.ts).
 *
 *  - AXFR: SOA, every other record, SOA.
 *  - IXFR from a serial in the journal: SOA(current), then the condensed diff as one sequence
 *    SOA(client's) deleted… SOA(current) added…, then SOA(current).
 *  - IXFR from the current serial or a newer one: the current SOA alone ("up to date").
 *  - IXFR from a serial not in the journal: the whole zone as for AXFR (RFC 1995 §4).
 */
import { RRType } from '../rdata.ts';
import type { Message, Question, ResourceRecord } from '../wire.ts';
import { encodeMessage, headerBytes, nameWireLength, Opcode, Rcode } from '../wire.ts';
import type { SignedZone } from '../zonefile.ts';
import type { ZoneDiff } from './journal.ts';
import { serialGreater } from './journal.ts';

export interface XfrLimits {
  /** Largest transfer message before TSIG (well under the 65 535-byte TCP frame). */
  readonly transferMessageBytesMax: number;
  /** Records in one transfer message. */
  readonly transferRecordsPerMessageMax: number;
}

export const DEFAULT_XFR_LIMITS: XfrLimits = { transferMessageBytesMax: 16_384, transferRecordsPerMessageMax: 500 };

export type XfrKind = 'axfr' | 'ixfr' | 'ixfr-full' | 'ixfr-current';

export interface XfrPlan {
  readonly kind: XfrKind;
  readonly records: readonly ResourceRecord[];
}

export function axfrPlan(zone: SignedZone): XfrPlan {
  return { kind: 'axfr', records: [zone.soa, ...zone.records, zone.soa] };
}

/**
 * The serial in the SOA an IXFR request carries in its authority section, or undefined. The SOA
 * RDATA may hold compressed names (RFC 1035 types may), but it always ends with five 32-bit
 * fields, the serial first.
 */
export function ixfrClientSerial(request: Message): number | undefined {
  const soa = request.authorities.find((rr) => rr.type === RRType.SOA);
  if (!soa || soa.rdata.length < 22) return undefined;
  return new DataView(soa.rdata.buffer, soa.rdata.byteOffset + soa.rdata.length - 20, 4).getUint32(0);
}

export function ixfrPlan(zone: SignedZone, clientSerial: number, changes: (serial: number) => ZoneDiff | undefined): XfrPlan {
  if (!serialGreater(zone.serial, clientSerial)) return { kind: 'ixfr-current', records: [zone.soa] };
  const diff = changes(clientSerial);
  if (!diff || diff.toSerial !== zone.serial) return { ...axfrPlan(zone), kind: 'ixfr-full' };
  return { kind: 'ixfr', records: [zone.soa, diff.fromSoa, ...diff.deleted, diff.toSoa, ...diff.added, zone.soa] };
}

function recordBytes(rr: ResourceRecord): number {
  return nameWireLength(rr.name) + 10 + rr.rdata.length;
}

const optBytes = 11;

/**
 * Packs records into answer messages echoing the request's ID and (in the first one only, RFC
 * 5936 §2.2.1) its question; with EDNS in the request every message carries our OPT record.
 */
export function* transferMessages(
  request: { readonly id: number; readonly rd: boolean; readonly cd: boolean; readonly question: Question; readonly edns?: { readonly payloadBytes: number; readonly dnssecOk: boolean } },
  records: readonly ResourceRecord[],
  limits: XfrLimits,
): Generator<Uint8Array> {
  const questionBytes = nameWireLength(request.question.name) + 4;
  const opt: ResourceRecord[] = request.edns
    ? [{ name: [], type: RRType.OPT, class: request.edns.payloadBytes, ttl: request.edns.dnssecOk ? 0x8000 : 0, rdata: new Uint8Array(0) }]
    : [];
  let i = 0;
  let first = true;
  while (i < records.length || first) {
    let size = headerBytes + (first ? questionBytes : 0) + (opt.length > 0 ? optBytes : 0);
    const answers: ResourceRecord[] = [];
    while (i < records.length && answers.length < limits.transferRecordsPerMessageMax) {
      const rr = records[i]!;
      const bytes = recordBytes(rr);
      // Uncompressed sizes: the encoded message can only be smaller. A record larger than the
      // limit on its own still goes out, alone.
      if (answers.length > 0 && size + bytes > limits.transferMessageBytesMax) break;
      answers.push(rr);
      size += bytes;
      i++;
    }
    const message: Message = {
      id: request.id,
      qr: true,
      opcode: Opcode.QUERY,
      aa: true,
      tc: false,
      rd: request.rd,
      ra: false,
      ad: false,
      cd: request.cd,
      rcode: Rcode.NOERROR,
      questions: first ? [request.question] : [],
      answers,
      authorities: [],
      additionals: opt,
    };
    first = false;
    yield encodeMessage(message);
  }
}
