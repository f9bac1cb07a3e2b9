/**
 * Authenticated denial of existence with minimally covering NSEC records ("white lies", RFC 4470),
 * built on the fly for each negative answer.
 *
 *  - NODATA at an existing name N: NSEC N → \000.N with N's real type bitmap (+ RRSIG, NSEC).
 *    \000.N is N's immediate successor in canonical order, so the record hides nothing.
 *  - NXDOMAIN for qname with closest encloser CE and next closer name NC = l.CE: one NSEC whose
 *    owner sorts just before NC and whose next name (l\000.CE) sorts just after NC's whole subtree,
 *    plus one NSEC covering *.CE the same way, proving no wildcard could have matched.
 *    Both NSEC owners and next names are children of CE, so a validator derives CE from them.
 *
 * Predecessors are not the absolute ones of RFC 4471 (those are 255 octets long); they are the
 * label just below `l` followed by a 0xFF octet. That is safe because no label on chain contains
 * 0xFF (registered labels and hosts are LDH A-labels, '_' and '*'), so no existing name can sort
 * between such an owner and NC. Octets in 'A'..'Z' are skipped when stepping, since canonical
 * order compares labels in lower case.
 */
import { DcbtError } from '../errors.ts';
import { RRType } from './rdata.ts';
import type { Name } from './wire.ts';
import { labelBytesMax, lowerLabel, nameBytesMax, nameKey, nameWireLength } from './wire.ts';

export interface NsecSpec {
  readonly owner: Name;
  readonly next: Name;
  /** Types at the owner, without RRSIG/NSEC (added by nsecTypes). */
  readonly types: readonly number[];
}

/** A negative answer the denial module must prove. */
export type Denial =
  | { readonly kind: 'nodata'; readonly name: Name; readonly types: readonly number[] }
  | {
      readonly kind: 'nxdomain';
      readonly qname: Name;
      readonly closestEncloser: Name;
      /** Types at the closest encloser (used only if an NSEC has to be owned by it). */
      readonly ceTypes: readonly number[];
    };

export class DenialError extends DcbtError<'DNS_DENIAL'> {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('DNS_DENIAL', message, details);
    this.name = 'DenialError';
  }
}

const octetMax = 0xff;
const upperFirst = 0x41;
const upperLast = 0x5a;

function fits(name: Name): boolean {
  return nameWireLength(name) <= nameBytesMax;
}

/** The next octet value in canonical order, skipping upper case; undefined after 0xFF. */
function stepUp(c: number): number | undefined {
  if (c >= octetMax) return undefined;
  const n = c + 1;
  return n >= upperFirst && n <= upperLast ? upperLast + 1 : n;
}

function stepDown(c: number): number {
  const n = c - 1;
  return n >= upperFirst && n <= upperLast ? upperFirst - 1 : n;
}

/** NSEC owner just before `label.parent`, covering nothing that exists (see the file comment). */
function predecessor(label: string, parent: Name): Name | { ownerIsParent: true } {
  const last = label.charCodeAt(label.length - 1);
  const FF = String.fromCharCode(octetMax);
  if (last === 0) {
    const prefix = label.slice(0, -1);
    if (prefix.length === 0) return { ownerIsParent: true };
    const candidate = [FF, prefix, ...parent];
    return fits(candidate) ? candidate : [prefix, ...parent];
  }
  const lower = label.slice(0, -1) + String.fromCharCode(stepDown(last));
  if (lower.length < labelBytesMax) {
    const candidate = [lower + FF, ...parent];
    if (fits(candidate)) return candidate;
  } else {
    const candidate = [FF, lower, ...parent];
    if (fits(candidate)) return candidate;
  }
  return [lower, ...parent];
}

/** The smallest sibling label greater than `label` (so the range skips `label`'s subtree). */
function nextSiblingLabel(label: string, parent: Name): string | undefined {
  if (label.length < labelBytesMax && fits([label + '\0', ...parent])) return label + '\0';
  let prefix = label;
  while (prefix.length > 0) {
    const up = stepUp(prefix.charCodeAt(prefix.length - 1));
    if (up !== undefined) return prefix.slice(0, -1) + String.fromCharCode(up);
    prefix = prefix.slice(0, -1);
  }
  return undefined;
}

/** NSEC covering `label.parent` and everything below it. */
function coverChild(label: string, parent: Name, parentTypes: readonly number[]): NsecSpec {
  const l = lowerLabel(label);
  const nextLabel = nextSiblingLabel(l, parent);
  if (nextLabel === undefined) throw new DenialError('no NSEC can cover this name', { label });
  const next = [nextLabel, ...parent];
  const owner = predecessor(l, parent);
  if ('ownerIsParent' in owner) return { owner: parent, next, types: parentTypes };
  return { owner, next, types: [] };
}

/** The immediate successor of an existing name: \000.name, or its next sibling when too long. */
export function successor(name: Name): Name {
  const child = ['\0', ...name];
  if (fits(child)) return child;
  const [first, ...parent] = name;
  const label = first === undefined ? undefined : nextSiblingLabel(lowerLabel(first), parent);
  if (label === undefined) throw new DenialError('name has no successor');
  return [label, ...parent];
}

/** NSEC records (without signatures) proving a denial. */
export function denialNsecs(denial: Denial): NsecSpec[] {
  if (denial.kind === 'nodata') return [{ owner: denial.name, next: successor(denial.name), types: denial.types }];
  const { qname, closestEncloser: ce, ceTypes } = denial;
  if (qname.length <= ce.length) throw new DenialError('closest encloser must be a proper ancestor of the query name');
  const nextCloserLabel = qname[qname.length - ce.length - 1]!;
  const out = [coverChild(nextCloserLabel, ce, ceTypes)];
  const wildcard = coverChild('*', ce, ceTypes);
  if (nameKey(wildcard.owner) !== nameKey(out[0]!.owner)) out.push(wildcard);
  return out;
}

/** The type bitmap an NSEC carries: the owner's types plus RRSIG and NSEC themselves. */
export function nsecTypes(spec: NsecSpec): number[] {
  return [...new Set([...spec.types, RRType.RRSIG, RRType.NSEC])].sort((a, b) => a - b);
}
