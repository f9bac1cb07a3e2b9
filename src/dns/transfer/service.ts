/**
 * Zone transfers on a running DNS server: AXFR and IXFR over its TCP port for allowed clients,
 * TSIG on every signed request (transfers, and the SOA queries secondaries send before them),
 * NOTIFY to secondaries on each new serial. Design and API: docs/DNS.md, "Zone transfer".
 *
 * Each serial (the finalised height) gets one signed zone version (`buildSignedZone`, reproducible
 * per serial); the journal keeps the diffs between versions for IXFR. The node calls
 * `notifyChanged()` after each finalised block; the service also polls `view().serial` as a safety
 * net. A version is built in the background; transfers keep serving the previous one until it is
 * done, and every transfer streams the version it started with.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { DnsEnv } from '../chain.ts';
import { draftToMessage, handleQuery, replyTo } from '../chain.ts';
import { DnsWireError } from '../errors.ts';
import { RRType } from '../rdata.ts';
import type { DnsPacketContext, DnsPacketHook, DnsServer } from '../server.ts';
import type { DnssecKeys } from '../signer.ts';
import type { Message } from '../wire.ts';
import { decodeMessage, encodeMessage, nameEquals, nameToText, Opcode, Rcode, readHeader, readName, RRClass } from '../wire.ts';
import type { ZoneView } from '../zone.ts';
import type { SignatureWindow, SignedZone } from '../zonefile.ts';
import { buildSignedZone, checkSignatureWindow, DEFAULT_SIGNATURE_WINDOW, ZoneSigner } from '../zonefile.ts';
import { TransferConfigError } from './errors.ts';
import type { JournalLimits } from './journal.ts';
import { DEFAULT_JOURNAL_LIMITS, ZoneJournal } from './journal.ts';
import type { NotifierStats, NotifyLimits, NotifyOutcome, NotifyTarget } from './notify.ts';
import { DEFAULT_NOTIFY_LIMITS, Notifier } from './notify.ts';
import type { TsigKey, TsigKeyConfig, TsigSplit, TsigVerdict } from './tsig.ts';
import { appendUnsignedTsigError, RCODE_NOTAUTH, signMessage, splitTsig, TsigError, tsigKey, tsigRecordLength, tsigTimeOther, verifySplit } from './tsig.ts';
import type { XfrKind, XfrLimits, XfrPlan } from './xfr.ts';
import { axfrPlan, DEFAULT_XFR_LIMITS, ixfrClientSerial, ixfrPlan, transferMessages } from './xfr.ts';

/** Who may transfer the zone. */
export interface TransferAcl {
  /** Client addresses or CIDR prefixes ('127.0.0.1', '10.0.0.0/8', '2001:db8::/32'); empty: nobody. */
  readonly allow: readonly string[];
  /** When set, a transfer must also be signed with this key (RFC 8945). */
  readonly tsig?: TsigKeyConfig;
}

export interface TransferLimits extends XfrLimits, JournalLimits, NotifyLimits {
  /** Transfers being streamed at once; more are REFUSED. */
  readonly transfersInFlightMax: number;
  /** How often `view().serial` is checked for a new version; 0: only on `notifyChanged()`. */
  readonly serialPollMs: number;
}

export const DEFAULT_TRANSFER_LIMITS: TransferLimits = {
  ...DEFAULT_XFR_LIMITS,
  ...DEFAULT_JOURNAL_LIMITS,
  ...DEFAULT_NOTIFY_LIMITS,
  transfersInFlightMax: 8,
  serialPollMs: 1000,
};

/** A transfer message plus its TSIG must fit a TCP frame (65 535 bytes). */
export const transferMessageBytesCeiling = 60_000;

export type TransferEvent =
  | { readonly kind: 'version'; readonly serial: number; readonly records: number; readonly deleted?: number; readonly added?: number; readonly buildMs: number }
  | { readonly kind: 'build-failed'; readonly error: unknown }
  | { readonly kind: 'transfer'; readonly type: XfrKind; readonly remoteAddress: string; readonly serial: number; readonly messages: number; readonly records: number; readonly completed: boolean }
  | { readonly kind: 'refused'; readonly remoteAddress: string; readonly reason: string }
  | { readonly kind: 'notify'; readonly outcome: NotifyOutcome };

export interface ZoneTransferOptions {
  /** The running server: transfers go over its TCP port, signed queries over both. */
  readonly server: DnsServer;
  /** The keys the server signs with; required when it signs. */
  readonly keys?: DnssecKeys;
  /** Defaults to the server's view; it must implement `allNames()`. */
  readonly view?: () => ZoneView;
  readonly acl: TransferAcl;
  /** Secondaries to NOTIFY on each new serial. */
  readonly notify?: readonly NotifyTarget[];
  readonly limits?: Partial<TransferLimits>;
  readonly signatureWindow?: SignatureWindow;
  /** Transfers, versions, refusals and NOTIFY outcomes, for logs. */
  readonly onEvent?: (event: TransferEvent) => void;
}

export interface ZoneTransferStats {
  versions: number;
  axfr: number;
  ixfr: number;
  /** IXFRs answered with the whole zone (serial not in the journal). */
  ixfrFull: number;
  /** IXFRs from a client already at the current serial. */
  upToDate: number;
  refused: number;
  tsigFailed: number;
  buildFailed: number;
  readonly notify: NotifierStats;
}

export interface ZoneTransfer {
  /** The version served now. */
  readonly zone: SignedZone;
  /** Serials an IXFR can start from. */
  readonly journalSerials: readonly number[];
  readonly stats: ZoneTransferStats;
  /**
   * The zone changed (call after each finalised block): builds the new version, journals its diff
   * and sends NOTIFY. Resolves once the version is served. Calls while a build runs are coalesced.
   */
  notifyChanged(): Promise<void>;
  /** Stops polling and NOTIFY retries and removes the server hook. */
  close(): Promise<void>;
}

function allowList(entries: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
    const bits = prefix === undefined ? undefined : Number(prefix);
    if (!family || (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= (family === 'ipv4' ? 32 : 128)))) {
      throw new TransferConfigError('an ACL entry must be an IP address or a CIDR prefix', { entry });
    }
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, bits, family);
  }
  return (remote) => {
    const address = remote.startsWith('::ffff:') && isIPv4(remote.slice(7)) ? remote.slice(7) : remote;
    if (isIPv4(address)) return list.check(address, 'ipv4');
    if (isIPv6(address)) return list.check(address, 'ipv6');
    return false;
  };
}

/** The question type of a packet without decoding the rest, or undefined. */
function questionType(packet: Uint8Array): number | undefined {
  if (packet.length < 12 || ((packet[4]! << 8) | packet[5]!) < 1) return undefined;
  try {
    const { end } = readName(packet, 12);
    return end + 2 <= packet.length ? (packet[end]! << 8) | packet[end + 1]! : undefined;
  } catch {
    return undefined;
  }
}

/** How replies to one request are signed: the key and the MAC the next message chains to. */
interface Signing {
  readonly key: TsigKey;
  mac: Uint8Array;
  first: boolean;
}

export async function startZoneTransfer(opts: ZoneTransferOptions): Promise<ZoneTransfer> {
  const { server } = opts;
  const env: DnsEnv = server.env;
  const limits: TransferLimits = { ...DEFAULT_TRANSFER_LIMITS, ...opts.limits };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < (name === 'serialPollMs' ? 0 : 1)) throw new TransferConfigError(`transfer limit ${name} must be a positive integer`, { [name]: value });
  }
  if (limits.transferMessageBytesMax > transferMessageBytesCeiling) throw new TransferConfigError(`transferMessageBytesMax must be at most ${transferMessageBytesCeiling}`);
  const view = opts.view ?? env.view;
  const apex = env.apex;
  if (env.signer && !opts.keys) throw new TransferConfigError('the server signs its zone: give startZoneTransfer the same DNSSEC keys');
  if (opts.keys && env.signer && opts.keys.zsk.keyTag !== env.signer.zsk.keyTag) throw new TransferConfigError('the transfer keys are not the server\'s (ZSK key tags differ)');
  const window = opts.signatureWindow ?? DEFAULT_SIGNATURE_WINDOW;
  if (opts.keys) checkSignatureWindow(window, apex.config.soa.expireSeconds);
  const allowed = allowList(opts.acl.allow);
  const keys: TsigKey[] = opts.acl.tsig ? [tsigKey(opts.acl.tsig)] : [];
  const requireTsig = keys.length > 0;
  const emit = (event: TransferEvent): void => {
    try {
      opts.onEvent?.(event);
    } catch {
      // a logging callback must not break transfers
    }
  };
  const zoneSigner = opts.keys ? new ZoneSigner(apex, opts.keys, window) : undefined;
  const journal = new ZoneJournal(limits);
  const notifier = new Notifier({
    apex: apex.name,
    targets: opts.notify ?? [],
    key: keys[0],
    limits,
    nowMs: env.nowMs,
    onOutcome: (outcome) => emit({ kind: 'notify', outcome }),
  });
  const stats: ZoneTransferStats = { versions: 0, axfr: 0, ixfr: 0, ixfrFull: 0, upToDate: 0, refused: 0, tsigFailed: 0, buildFailed: 0, notify: notifier.stats };

  // ---- versions
  const rebuild = async (): Promise<void> => {
    const v = view();
    const current = journal.current;
    if (current && (v.serial >>> 0) === current.serial) return;
    const started = Date.now();
    let zone: SignedZone;
    try {
      zone = await buildSignedZone(v, apex, opts.keys, { ...(zoneSigner ? { signer: zoneSigner } : {}) });
    } catch (error) {
      stats.buildFailed++;
      emit({ kind: 'build-failed', error });
      throw error;
    }
    const diff = journal.push(zone);
    stats.versions++;
    emit({ kind: 'version', serial: zone.serial, records: zone.counts.records, ...(diff ? { deleted: diff.deleted.length, added: diff.added.length } : {}), buildMs: Date.now() - started });
    if (current) notifier.notify(zone.soa, zone.serial);
  };
  let queue: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  const notifyChanged = (): Promise<void> => {
    if (queued) return queued;
    const run = queue.then(() => {
      queued = undefined;
      return rebuild();
    });
    queued = run;
    queue = run.catch(() => undefined);
    return run;
  };
  await notifyChanged();
  // The first version is announced too: secondaries may hold an older one from a previous run.
  notifier.notify(journal.current!.soa, journal.current!.serial);

  // ---- answering
  let inFlight = 0;
  const nowSeconds = (): number => env.nowMs() / 1000;

  const sendSigned = async (ctx: DnsPacketContext, wire: Uint8Array, signing: Signing | undefined): Promise<void> => {
    if (!signing) return ctx.send(wire);
    const chain = signing.first ? ({ kind: 'response', requestMac: signing.mac } as const) : ({ kind: 'next', previousMac: signing.mac } as const);
    const signed = signMessage(wire, signing.key, { nowSeconds: nowSeconds(), chain });
    signing.mac = signed.mac;
    signing.first = false;
    return ctx.send(signed.wire);
  };

  const reply = (request: Pick<Message, 'id' | 'opcode' | 'rd' | 'cd'> & { questions?: Message['questions'] }, rcode: number): Uint8Array =>
    encodeMessage(draftToMessage(replyTo(request, rcode)));

  const refuse = async (ctx: DnsPacketContext, request: Message, signing: Signing | undefined, reason: string, rcode: number = Rcode.REFUSED): Promise<boolean> => {
    stats.refused++;
    emit({ kind: 'refused', remoteAddress: ctx.remoteAddress, reason });
    await sendSigned(ctx, reply(request, rcode), signing).catch(() => undefined);
    return true;
  };

  const serveTransfer = async (ctx: DnsPacketContext, request: Message, signing: Signing | undefined): Promise<boolean> => {
    const question = request.questions[0];
    if (request.opcode !== Opcode.QUERY || request.questions.length !== 1 || !question) return refuse(ctx, request, signing, 'malformed transfer request', Rcode.FORMERR);
    if (question.class !== RRClass.IN || !nameEquals(question.name, apex.name)) return refuse(ctx, request, signing, `not our zone: ${nameToText(question.name)}`, RCODE_NOTAUTH);
    if (!allowed(ctx.remoteAddress)) return refuse(ctx, request, signing, 'address not in the transfer ACL');
    if (requireTsig && !signing) return refuse(ctx, request, signing, 'transfer request without TSIG');
    const zone = journal.current!;
    let plan: XfrPlan;
    if (question.type === RRType.IXFR) {
      const clientSerial = ixfrClientSerial(request);
      if (clientSerial === undefined) return refuse(ctx, request, signing, 'IXFR without the client SOA', Rcode.FORMERR);
      plan = ixfrPlan(zone, clientSerial, (s) => journal.changesSince(s));
      // Over UDP only the "up to date / use TCP" answer fits (RFC 1995 §2).
      if (ctx.transport === 'udp') plan = { kind: 'ixfr-current', records: [zone.soa] };
    } else {
      if (ctx.transport === 'udp') return refuse(ctx, request, signing, 'AXFR over UDP');
      plan = axfrPlan(zone);
    }
    if (inFlight >= limits.transfersInFlightMax) return refuse(ctx, request, signing, 'too many transfers at once');
    inFlight++;
    const opt = request.additionals.find((rr) => rr.type === RRType.OPT);
    const edns = opt ? { payloadBytes: env.limits.udpPayloadBytesMax, dnssecOk: (opt.ttl & 0x8000) !== 0 } : undefined;
    let messages = 0;
    let completed = false;
    try {
      for (const wire of transferMessages({ id: request.id, rd: request.rd, cd: request.cd, question, ...(edns ? { edns } : {}) }, plan.records, limits)) {
        await sendSigned(ctx, wire, signing);
        messages++;
      }
      completed = true;
    } catch {
      // the client went away mid-stream
    } finally {
      inFlight--;
    }
    if (plan.kind === 'axfr') stats.axfr++;
    else if (plan.kind === 'ixfr') stats.ixfr++;
    else if (plan.kind === 'ixfr-full') stats.ixfrFull++;
    else stats.upToDate++;
    emit({ kind: 'transfer', type: plan.kind, remoteAddress: ctx.remoteAddress, serial: zone.serial, messages, records: plan.records.length, completed });
    return true;
  };

  /** A TSIG-signed query that is not a transfer: the chain answers, we sign its reply. */
  const serveSignedQuery = async (ctx: DnsPacketContext, unsigned: Uint8Array, request: Message, signing: Signing): Promise<boolean> => {
    const wire = await handleQuery(unsigned, { transport: ctx.transport, env });
    if (!wire) return true;
    let out = wire;
    if (ctx.transport === 'udp') {
      const opt = request.additionals.find((rr) => rr.type === RRType.OPT);
      const { udpPayloadBytesMin, udpPayloadBytesMax } = env.limits;
      const limit = opt ? Math.min(Math.max(opt.class, udpPayloadBytesMin), udpPayloadBytesMax) : udpPayloadBytesMin;
      if (wire.length + tsigRecordLength(signing.key) > limit) {
        const m = decodeMessage(wire);
        out = encodeMessage({ ...m, tc: true, answers: [], authorities: [], additionals: m.additionals.filter((rr) => rr.type === RRType.OPT) });
      }
    }
    await sendSigned(ctx, out, signing).catch(() => undefined);
    return true;
  };

  const hook: DnsPacketHook = async (packet, ctx) => {
    const header = readHeader(packet);
    if (!header || header.qr) return false;
    const type = questionType(packet);
    const isTransfer = type === RRType.AXFR || type === RRType.IXFR;
    let split: TsigSplit | undefined;
    try {
      split = header.counts[3] > 0 ? splitTsig(packet) : undefined;
    } catch (error) {
      if (!(error instanceof DnsWireError)) throw error;
      await ctx.send(reply(header, Rcode.FORMERR)).catch(() => undefined);
      return true;
    }
    if (!split) {
      if (!isTransfer) return false;
      let request: Message;
      try {
        request = decodeMessage(packet, { recordsMax: env.limits.queryRecordsMax });
      } catch {
        return false; // the chain answers FORMERR
      }
      return serveTransfer(ctx, request, undefined);
    }

    let verdict: TsigVerdict;
    try {
      verdict = verifySplit(split, keys, { kind: 'request' }, nowSeconds());
    } catch {
      await ctx.send(reply(header, Rcode.FORMERR)).catch(() => undefined);
      return true;
    }
    let request: Message;
    try {
      request = decodeMessage(split.unsigned, { recordsMax: env.limits.queryRecordsMax });
    } catch {
      await ctx.send(reply(header, Rcode.FORMERR)).catch(() => undefined);
      return true;
    }
    if (!verdict.ok) {
      stats.tsigFailed++;
      emit({ kind: 'refused', remoteAddress: ctx.remoteAddress, reason: `TSIG error ${verdict.error}` });
      const unsigned = reply(request, RCODE_NOTAUTH);
      const now = nowSeconds();
      const wire =
        verdict.error === TsigError.BADTIME && verdict.key
          ? signMessage(unsigned, verdict.key, { nowSeconds: now, chain: { kind: 'response', requestMac: verdict.tsig.mac }, error: verdict.error, timeSigned: verdict.tsig.timeSigned, other: tsigTimeOther(now) }).wire
          : appendUnsignedTsigError(unsigned, verdict.tsig, verdict.error, now);
      await ctx.send(wire).catch(() => undefined);
      return true;
    }
    const signing: Signing = { key: verdict.key, mac: verdict.tsig.mac, first: true };
    return isTransfer ? serveTransfer(ctx, request, signing) : serveSignedQuery(ctx, split.unsigned, request, signing);
  };
  server.setPacketHook(hook);

  const poll = limits.serialPollMs > 0 ? setInterval(() => {
    if ((view().serial >>> 0) !== journal.current?.serial) notifyChanged().catch(() => undefined);
  }, limits.serialPollMs) : undefined;
  poll?.unref();

  let closed = false;
  return {
    get zone() {
      return journal.current!;
    },
    get journalSerials() {
      return journal.serials;
    },
    stats,
    notifyChanged,
    close: async () => {
      if (closed) return;
      closed = true;
      if (poll) clearInterval(poll);
      server.setPacketHook(undefined);
      await queue;
      await notifier.close();
    },
  };
}
