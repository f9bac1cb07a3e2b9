/**
 * A UDP worker thread: owns one UDP socket and answers repeated queries from its own answer cache,
 * so the node's main thread (consensus, RPC, the hub) never delays a cached answer and the busy
 * path of a DNS server runs on another core. Everything else (a miss, a query the cache does not
 * serve) goes to the main thread, which runs the handler chain and sends back the reply with what
 * it consulted (`AnswerMeta`); the worker sends it and keeps it. The main thread tells the worker
 * about each new finalised view (`udp-threads.ts`).
 */
import { createSocket } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import { AnswerCache } from './answercache.ts';
import type { CacheView } from './answercache.ts';
import { rrlFromLimits } from './rrl.ts';
import { ANSWERED, UdpFastPath } from './udp-fast-path.ts';
import type { FromMain, UdpWorkerData } from './udp-threads.ts';
import { COUNTERS, sharedCounters } from './udp-threads.ts';

/** New serials remembered with the names they changed (what `changedSince` can answer). */
const VIEW_HISTORY_SERIALS_MAX = 64;

function run(port: NonNullable<typeof parentPort>, data: UdpWorkerData): void {
  const { limits } = data;
  // The cache, RRL and this socket count into the shared array the main thread reads for `server.stats`.
  const counters = sharedCounters(new Float64Array(data.counters, data.index * COUNTERS * 8, COUNTERS));
  const cache = new AnswerCache({ entriesMax: limits.answerCacheEntriesMax, maxAgeMs: limits.answerCacheMaxAgeMs, negativeMaxAgeMs: limits.answerCacheNegativeMaxAgeMs, nowMs: () => performance.now() }, counters);

  // The main thread's newest view generation, and the one this worker has the view of.
  const viewGeneration = new Int32Array(data.viewGeneration);
  let generation = data.view.generation;
  // The view as far as the cache needs it. Its time runs on from the last one the main thread
  // sent (the node's view time is the wall clock once past the tip's time).
  let serial = data.view.serial;
  let timeMs = data.view.timeMs;
  let timeAtMs = performance.now();
  /** serial → the serial before it and the labels changed in between (null: not known). */
  const history = new Map<number, { from: number; labels: readonly string[] | null }>();
  const view: CacheView = {
    get serial() { return serial; },
    get timeMs() { return timeMs + (performance.now() - timeAtMs); },
    changedSince(from: number) {
      const out = new Set<string>();
      let at = serial;
      while (at > from) {
        const step = history.get(at);
        if (!step || step.labels === null) return undefined;
        for (const label of step.labels) out.add(label);
        at = step.from;
      }
      return out;
    },
  };

  const socket = createSocket({ type: data.family, recvBufferSize: limits.udpRecvBufferBytes, reusePort: data.reusePort });
  const fastPath = new UdpFastPath(socket, rrlFromLimits(limits), cache, counters);
  const pending = new Map<number, { address: string; port: number; key: number | undefined; packet: Buffer }>();
  let nextId = 1;
  let closing = false;
  const currentView = (): CacheView => view;

  socket.on('message', (msg, rinfo) => {
    if (pending.size >= limits.udpInFlightMax) {
      counters.udpDropped++;
      return;
    }
    // Behind the main thread's view (its message is on the way): the main thread answers.
    const key = fastPath.serve(msg, rinfo, currentView, Atomics.load(viewGeneration, 0) === generation);
    if (key === ANSWERED) return;
    const id = nextId++;
    pending.set(id, { address: rinfo.address, port: rinfo.port, key, packet: msg });
    port.postMessage({ type: 'query', id, packet: msg, address: rinfo.address, port: rinfo.port, cacheable: key !== undefined });
  });
  let bound = false;
  socket.on('error', (error) => {
    if (bound) counters.udpSendErrors++;
    else port.postMessage({ type: 'bind-error', message: String(error) });
  });

  port.on('message', (m: FromMain) => {
    switch (m.type) {
      case 'view': {
        if (m.serial !== serial) {
          history.set(m.serial, { from: serial, labels: m.serial > serial ? m.changed : null });
          if (history.size > VIEW_HISTORY_SERIALS_MAX) history.delete(history.keys().next().value!);
          serial = m.serial;
        }
        timeMs = m.timeMs;
        timeAtMs = performance.now();
        generation = m.generation;
        break;
      }
      case 'reply': {
        const q = pending.get(m.id);
        if (!q) break;
        pending.delete(m.id);
        if (m.wire === null || closing) break;
        if (q.key !== undefined && m.meta) cache.store(q.key, q.packet, m.wire, m.meta);
        socket.send(m.wire, q.port, q.address, fastPath.sent);
        break;
      }
      case 'send': {
        // A reply the main thread's packet hook sends by itself (zone transfer over UDP, TSIG).
        if (!closing) socket.send(m.wire, m.port, m.address, fastPath.sent);
        break;
      }
      case 'clear':
        cache.clear();
        break;
      case 'close':
        closing = true;
        socket.close(() => port.postMessage({ type: 'closed' }));
        break;
    }
  });

  socket.bind({ address: data.host, port: data.port, exclusive: true }, () => {
    bound = true;
    port.postMessage({ type: 'bound', port: socket.address().port });
  });
}

if (parentPort) run(parentPort, workerData as UdpWorkerData);
