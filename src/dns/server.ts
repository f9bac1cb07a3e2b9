/**
 * DNS transports: UDP (dgram) and TCP (RFC 7766: 2-byte length framing, pipelined queries answered
 * as they complete, idle timeout, connection and per-connection query limits). Both hand every
 * packet to `handleQuery`, which never throws; a reply of null is not sent.
 */
import type { Socket as UdpSocket } from 'node:dgram';
import { createSocket } from 'node:dgram';
import type { Server, Socket } from 'node:net';
import { createServer, isIPv6 } from 'node:net';
import type { DnsEnv, DnsStats, DnsTestHooks } from './chain.ts';
import { handleQuery, newStats } from './chain.ts';
import { DnsConfigError } from './errors.ts';
import type { DnsLimits } from './limits.ts';
import { DEFAULT_DNS_LIMITS } from './limits.ts';
import { rrlFromLimits } from './rrl.ts';
import { answerCacheFromLimits, trackLookups } from './answercache.ts';
import type { AnswerCacheStats } from './answercache.ts';
import { ANSWERED, UdpFastPath } from './udp-fast-path.ts';
import { Counter, startUdpThreads, type UdpThreadsEvent } from './udp-threads.ts';
import type { CounterName, UdpThreads } from './udp-threads.ts';
import type { DnssecKeys } from './signer.ts';
import { Signer } from './signer.ts';
import type { ApexConfig, ZoneView } from './zone.ts';
import { prepareApex } from './zone.ts';

export interface DnsServiceOptions {
  readonly view: () => ZoneView;
  readonly apex: ApexConfig;
  /** Without keys the zone is served unsigned. */
  readonly keys?: DnssecKeys;
  readonly limits?: Partial<DnsLimits>;
  /** Wall clock for RRSIG inception/expiration; defaults to Date.now. */
  readonly nowMs?: () => number;
  readonly hooks?: DnsTestHooks;
}

export interface DnsServerOptions extends DnsServiceOptions {
  readonly host: string;
  /** 0: the OS picks one port, used for both UDP and TCP. */
  readonly port: number;
  /** Told when a UDP worker thread dies and how its restart goes (the node logs these). */
  readonly onEvent?: (event: DnsServerEvent) => void;
}

export type DnsServerEvent = UdpThreadsEvent;

export interface DnsServerStats extends DnsStats, AnswerCacheStats {
  udpDropped: number;
  udpSendErrors: number;
  tcpConnections: number;
  tcpRejected: number;
  tcpIdleClosed: number;
  /** UDP responses that response rate limiting dropped, or sent as an empty TC=1 reply instead (`rrl.ts`). */
  rrlDropped: number;
  rrlSlipped: number;
  /** UDP worker threads started again after dying (`limits.udpWorkers` > 0). */
  udpWorkerRestarts: number;
}

export interface DnsServer {
  readonly host: string;
  readonly udpPort: number;
  readonly tcpPort: number;
  readonly env: DnsEnv;
  readonly stats: DnsServerStats;
  /** Installs (or with undefined removes) the hook that sees every packet before the chain. */
  setPacketHook(hook: DnsPacketHook | undefined): void;
  /**
   * Says the view has changed (a block was finalised). UDP worker threads learn of it at once
   * instead of at their next poll; without workers every query reads the view anyway.
   */
  viewChanged(): void;
  close(): Promise<void>;
}

/**
 * Sees a packet before the handler chain and may answer it itself (zone transfers and TSIG,
 * `transfer/`): it resolves true when it has answered (through `send`, any number of messages),
 * false to let the chain answer. It must not reject.
 */
export type DnsPacketHook = (packet: Uint8Array, ctx: DnsPacketContext) => Promise<boolean>;

export interface DnsPacketContext {
  readonly transport: 'udp' | 'tcp';
  readonly remoteAddress: string;
  /** Sends one reply message (over TCP one frame); resolves once written, rejects if the peer is gone. */
  send(wire: Uint8Array): Promise<void>;
}

/** Attempts at finding a port free for both UDP and TCP when asked for port 0. */
export const portBindAttemptsMax = 20;

/** Builds the environment the handler chain runs in (also what DoH will use). */
export function createDnsEnv(opts: DnsServiceOptions): DnsEnv {
  const limits: DnsLimits = { ...DEFAULT_DNS_LIMITS, ...opts.limits };
  const nowMs = opts.nowMs ?? Date.now;
  const apex = prepareApex(opts.view().apex, opts.apex);
  const signer = opts.keys
    ? new Signer({ apex: apex.name, keys: opts.keys, dnskeyTtlSeconds: apex.ttlSeconds, cacheEntriesMax: limits.signatureCacheEntriesMax, nowMs: nowMs() })
    : undefined;
  return { view: opts.view, apex, signer, limits, nowMs, hooks: opts.hooks, stats: newStats() };
}

function listenTcp(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

function bindUdp(socket: UdpSocket, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    socket.once('error', onError);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(socket.address().port);
    });
  });
}

export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const env = createDnsEnv(opts);
  const { limits } = env;
  const stats: DnsServerStats = Object.assign(env.stats, { udpDropped: 0, udpSendErrors: 0, tcpConnections: 0, tcpRejected: 0, tcpIdleClosed: 0, rrlDropped: 0, rrlSlipped: 0, answerCacheHits: 0, answerCacheMisses: 0, udpWorkerRestarts: 0 });
  const rrl = rrlFromLimits(limits);
  // With UDP worker threads each keeps its own cache; TCP answers are not cached.
  const answerCache = limits.udpWorkers > 0 ? undefined : answerCacheFromLimits(limits, stats);
  const family = isIPv6(opts.host) ? 'udp6' : 'udp4';
  let closed = false;
  let packetHook: DnsPacketHook | undefined;
  /** The reply to send, null for none, or 'sent' when the packet hook answered by itself. */
  const answer = async (packet: Uint8Array, ctx: DnsPacketContext, queryEnv: DnsEnv = env): Promise<Uint8Array | null | 'sent'> =>
    packetHook && (await packetHook(packet, ctx).catch(() => true)) ? 'sent' : handleQuery(packet, { transport: ctx.transport, env: queryEnv });

  // ---- TCP
  const sockets = new Set<Socket>();
  const tcp = createServer({ noDelay: true }, (socket) => serveTcp(socket));
  tcp.maxConnections = limits.tcpConnectionsMax;
  tcp.on('drop', () => stats.tcpRejected++);
  tcp.on('error', () => undefined);

  function serveTcp(socket: Socket): void {
    stats.tcpConnections++;
    sockets.add(socket);
    let pending: Buffer = Buffer.alloc(0);
    let inFlight = 0;
    let answered = 0;
    let ending = false;
    socket.setTimeout(limits.tcpIdleTimeoutMs, () => {
      if (inFlight > 0) return;
      stats.tcpIdleClosed++;
      socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    const finishIfDone = (): void => {
      if (ending && inFlight === 0 && !socket.destroyed) socket.end();
    };
    const pump = (): void => {
      while (!ending && inFlight < limits.tcpInFlightPerConnectionMax && pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (length === 0) {
          socket.destroy();
          return;
        }
        if (pending.length < 2 + length) break;
        const frame = new Uint8Array(pending.subarray(2, 2 + length));
        pending = pending.subarray(2 + length);
        inFlight++;
        answered++;
        if (answered >= limits.tcpQueriesPerConnectionMax) ending = true;
        const send = (wire: Uint8Array): Promise<void> =>
          new Promise((resolve, reject) => {
            const out = Buffer.allocUnsafe(2 + wire.length);
            out.writeUInt16BE(wire.length, 0);
            out.set(wire, 2);
            socket.write(out, (err) => (err ? reject(err) : resolve()));
          });
        void answer(frame, { transport: 'tcp', remoteAddress: socket.remoteAddress ?? '', send }).then((wire) => {
          inFlight--;
          if (wire === 'sent') {
            // answered by the packet hook
          } else if (wire && !socket.destroyed) {
            const out = Buffer.allocUnsafe(2 + wire.length);
            out.writeUInt16BE(wire.length, 0);
            out.set(wire, 2);
            socket.write(out);
          } else if (!wire) {
            // Not even a header: the stream is out of step, so close it.
            ending = true;
          }
          pump();
        });
      }
      if (inFlight >= limits.tcpInFlightPerConnectionMax) socket.pause();
      else if (!ending) socket.resume();
      finishIfDone();
    };
    socket.on('data', (chunk: Buffer) => {
      if (ending) return;
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      pump();
    });
    socket.on('end', () => {
      ending = true;
      finishIfDone();
    });
  }

  // ---- UDP
  let udpInFlight = 0;
  const makeUdp = (): UdpSocket => {
    const udp = createSocket({ type: family, recvBufferSize: limits.udpRecvBufferBytes });
    const fastPath = new UdpFastPath(udp, rrl, answerCache, stats);
    udp.on('message', (msg, rinfo) => {
      if (udpInFlight >= limits.udpInFlightMax) {
        stats.udpDropped++;
        return;
      }
      const key = fastPath.serve(msg, rinfo, env.view);
      if (key === ANSWERED) return;
      const tracked = key !== undefined ? trackLookups(env, env.view()) : undefined;
      udpInFlight++;
      const send = (wire: Uint8Array): Promise<void> =>
        new Promise((resolve, reject) => {
          if (closed) return resolve();
          udp.send(wire, rinfo.port, rinfo.address, (err) => (err ? reject(err) : resolve()));
        });
      void answer(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), { transport: 'udp', remoteAddress: rinfo.address, send }, tracked?.env).then((wire) => {
        udpInFlight--;
        if (!wire || wire === 'sent' || closed) return;
        if (key !== undefined) answerCache!.store(key, msg, wire, tracked!.meta());
        udp.send(wire, rinfo.port, rinfo.address, fastPath.sent);
      });
    });
    return udp;
  };

  let udp: UdpSocket | undefined;
  let threads: UdpThreads | undefined;
  let tcpPort = 0;
  let udpPort = 0;
  for (let attempt = 0; attempt < portBindAttemptsMax && !udp && !threads; attempt++) {
    tcpPort = await listenTcp(tcp, opts.host, opts.port);
    try {
      if (limits.udpWorkers > 0) {
        threads = await startUdpThreads({ host: opts.host, port: tcpPort, family, count: limits.udpWorkers, env, answer: (packet, ctx, queryEnv) => answer(packet, ctx, queryEnv ?? env), ...(opts.onEvent ? { onEvent: opts.onEvent } : {}) });
        udpPort = threads.port;
      } else {
        const candidate = makeUdp();
        try {
          udpPort = await bindUdp(candidate, opts.host, tcpPort);
        } catch (error) {
          candidate.close();
          throw error;
        }
        udp = candidate;
      }
    } catch (error) {
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      if (opts.port !== 0) throw error instanceof DnsConfigError ? error : new DnsConfigError(`cannot bind UDP ${opts.host}:${opts.port}: ${String(error)}`, { port: opts.port });
    }
  }
  if (!udp && !threads) throw new DnsConfigError(`no port free for both UDP and TCP on ${opts.host} after ${portBindAttemptsMax} attempts`);
  udp?.on('error', () => stats.udpSendErrors++);
  const boundUdp = udp;
  if (threads) {
    // The UDP counters live in the workers' shared array: read there, not kept here.
    const t = threads;
    for (const name of Object.keys(Counter) as CounterName[]) Object.defineProperty(stats, name, { get: () => t.counter(name), enumerable: true, configurable: true });
    Object.defineProperty(stats, 'udpWorkerRestarts', { get: () => t.restarts, enumerable: true, configurable: true });
  }

  return {
    host: opts.host,
    udpPort,
    tcpPort,
    env,
    stats,
    setPacketHook: (hook) => {
      packetHook = hook;
      answerCache?.clear();
      threads?.clear();
    },
    viewChanged: () => threads?.viewChanged(),
    close: async () => {
      if (closed) return;
      closed = true;
      for (const s of sockets) s.destroy();
      await Promise.all([
        boundUdp ? new Promise<void>((resolve) => boundUdp.close(() => resolve())) : threads!.close(),
        new Promise<void>((resolve) => tcp.close(() => resolve())),
      ]);
    },
  };
}
