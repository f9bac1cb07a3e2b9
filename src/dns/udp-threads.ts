/**
 * UDP served by worker threads (`udp-worker.ts`), the main thread's side: starts the workers on
 * the server's port, answers the queries they pass on with the handler chain, tells them about
 * each new view, and sums their counters (a shared array each worker writes its own slice of).
 *
 * With one worker (what `dcbt node` runs) the socket is the worker's alone; with more, each binds
 * the port with SO_REUSEPORT and the kernel spreads clients over them by address and port.
 */
import { Worker } from 'node:worker_threads';
import type { DnsEnv } from './chain.ts';
import type { AnswerMeta } from './answercache.ts';
import { trackLookups } from './answercache.ts';
import { DnsConfigError } from './errors.ts';
import type { DnsLimits } from './limits.ts';

/** The counters each worker keeps, as indexes into its slice of the shared array. */
export const Counter = { udpDropped: 0, udpSendErrors: 1, rrlDropped: 2, rrlSlipped: 3, answerCacheHits: 4, answerCacheMisses: 5 } as const;
export type CounterName = keyof typeof Counter;
export const COUNTERS = Object.keys(Counter).length;

/** One worker's slice of the shared array as an object of counters (`x.udpDropped++` writes through). */
export function sharedCounters(slice: Float64Array): Record<CounterName, number> {
  const out = {} as Record<CounterName, number>;
  for (const [name, i] of Object.entries(Counter)) {
    Object.defineProperty(out, name, { get: () => slice[i]!, set: (v: number) => void (slice[i] = v), enumerable: true });
  }
  return out;
}

/** A worker whose view time has drifted this far from the main thread's is sent the view again. */
const VIEW_TIME_DRIFT_MS_MAX = 250;
/** How long a closing worker gets to close its socket before it is terminated. */
const WORKER_CLOSE_TIMEOUT_MS = 2000;
/**
 * A worker that died is started again after this long (it may have crashed on a bad packet); if
 * that fails (the port was taken meanwhile), again after twice as long, up to the maximum, until
 * it succeeds or the server closes.
 */
const WORKER_RESTART_DELAY_MS = 100;
const WORKER_RESTART_DELAY_MS_MAX = 10_000;

/** What happens to the workers after start, for the operator's log. */
export type UdpThreadsEvent =
  | { readonly type: 'udp-worker-exited'; readonly index: number; readonly exitCode: number }
  | { readonly type: 'udp-worker-restart-failed'; readonly index: number; readonly attempt: number; readonly retryInMs: number; readonly message: string }
  | { readonly type: 'udp-worker-restarted'; readonly index: number; readonly attempts: number };

export function restartDelayMs(attempt: number): number {
  return Math.min(WORKER_RESTART_DELAY_MS * 2 ** (attempt - 1), WORKER_RESTART_DELAY_MS_MAX);
}

export interface UdpWorkerData {
  readonly index: number;
  readonly counters: SharedArrayBuffer;
  /** One Int32: the generation of the newest view, bumped by the main thread before it sends one. */
  readonly viewGeneration: SharedArrayBuffer;
  readonly host: string;
  readonly port: number;
  readonly family: 'udp4' | 'udp6';
  readonly reusePort: boolean;
  readonly limits: DnsLimits;
  readonly view: { readonly serial: number; readonly timeMs: number; readonly generation: number };
}

export type FromMain =
  | { readonly type: 'view'; readonly serial: number; readonly timeMs: number; readonly changed: readonly string[] | null; readonly generation: number }
  | { readonly type: 'reply'; readonly id: number; readonly wire: Uint8Array | null; readonly meta?: AnswerMeta | undefined }
  | { readonly type: 'send'; readonly wire: Uint8Array; readonly address: string; readonly port: number }
  | { readonly type: 'clear' }
  | { readonly type: 'close' };

export type FromWorker =
  | { readonly type: 'bound'; readonly port: number }
  | { readonly type: 'bind-error'; readonly message: string }
  | { readonly type: 'query'; readonly id: number; readonly packet: Uint8Array; readonly address: string; readonly port: number; readonly cacheable: boolean }
  | { readonly type: 'closed' };

/** Answers one packet as the server does over UDP: `send` carries a packet hook's own replies. */
export type UdpAnswer = (
  packet: Uint8Array,
  ctx: { readonly transport: 'udp'; readonly remoteAddress: string; send(wire: Uint8Array): Promise<void> },
  env: DnsEnv | undefined,
) => Promise<Uint8Array | null | 'sent'>;

export interface UdpThreadsOptions {
  readonly host: string;
  readonly port: number;
  readonly family: 'udp4' | 'udp6';
  readonly count: number;
  readonly env: DnsEnv;
  readonly answer: UdpAnswer;
  /** Told of workers that die and of their restarts; a listener that throws is ignored. */
  readonly onEvent?: (event: UdpThreadsEvent) => void;
}

export interface UdpThreads {
  readonly port: number;
  /** The sum of one counter over all workers. */
  counter(name: CounterName): number;
  /** Workers started again after dying. */
  readonly restarts: number;
  /** Tells the workers about the view now (also polled every `udpWorkerViewPollMs`). */
  viewChanged(): void;
  /** Empties every worker's answer cache. */
  clear(): void;
  close(): Promise<void>;
}

export async function startUdpThreads(opts: UdpThreadsOptions): Promise<UdpThreads> {
  const { env, count } = opts;
  const { limits } = env;
  const counters = new SharedArrayBuffer(count * COUNTERS * 8);
  const sums = new Float64Array(counters);
  const workers: (Worker | undefined)[] = new Array(count).fill(undefined);
  // A new serial is announced here first, synchronously: a worker whose generation is behind
  // passes queries to the main thread until its message arrives, so no cached answer from before
  // `viewChanged()` is sent after it returns (the message alone may come after the next packet).
  const viewGenerationBuffer = new SharedArrayBuffer(4);
  const viewGeneration = new Int32Array(viewGenerationBuffer);
  let closing = false;
  let restarts = 0;
  const report = (event: UdpThreadsEvent): void => {
    try {
      opts.onEvent?.(event);
    } catch {
      // The listener's fault must not stop the restarts.
    }
  };

  const first = env.view();
  let sentSerial = first.serial;
  let sentTimeMs = first.timeMs;
  let sentAtMs = performance.now();
  const broadcast = (message: FromMain): void => {
    for (const w of workers) w?.postMessage(message);
  };
  const pushView = (): void => {
    const view = env.view();
    const drift = Math.abs(view.timeMs - (sentTimeMs + performance.now() - sentAtMs));
    if (view.serial === sentSerial && drift < VIEW_TIME_DRIFT_MS_MAX) return;
    const changed = view.serial > sentSerial ? view.changedSince?.(sentSerial) : undefined;
    // Only a new serial moves the generation: a time correction may reach the workers a little late.
    const generation = view.serial === sentSerial ? Atomics.load(viewGeneration, 0) : Atomics.add(viewGeneration, 0, 1) + 1;
    broadcast({ type: 'view', serial: view.serial, timeMs: view.timeMs, changed: changed ? [...changed] : null, generation });
    sentSerial = view.serial;
    sentTimeMs = view.timeMs;
    sentAtMs = performance.now();
  };

  const answerQuery = async (worker: Worker, m: Extract<FromWorker, { type: 'query' }>): Promise<void> => {
    // The worker must know the view this reply is built at before the reply (messages keep their order).
    pushView();
    const tracked = m.cacheable ? trackLookups(env, env.view()) : undefined;
    const send = (wire: Uint8Array): Promise<void> => {
      worker.postMessage({ type: 'send', wire, address: m.address, port: m.port } satisfies FromMain);
      return Promise.resolve();
    };
    let wire: Uint8Array | null | 'sent';
    try {
      wire = await opts.answer(m.packet, { transport: 'udp', remoteAddress: m.address, send }, tracked?.env);
    } catch {
      wire = null;
    }
    worker.postMessage({ type: 'reply', id: m.id, wire: wire instanceof Uint8Array ? wire : null, meta: wire instanceof Uint8Array ? tracked?.meta() : undefined } satisfies FromMain);
  };

  const spawn = (index: number, bindPort: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const view = env.view();
      const data: UdpWorkerData = { index, counters, viewGeneration: viewGenerationBuffer, host: opts.host, port: bindPort, family: opts.family, reusePort: count > 1, limits, view: { serial: view.serial, timeMs: view.timeMs, generation: Atomics.load(viewGeneration, 0) } };
      const worker = new Worker(new URL('./udp-worker.ts', import.meta.url), { workerData: data });
      let started = false;
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'query') void answerQuery(worker, m);
        else if (m.type === 'bound') {
          started = true;
          if (closing) {
            // A restart that finished after close() began: this worker is not wanted.
            void worker.terminate();
            resolve(m.port);
            return;
          }
          workers[index] = worker;
          // It started from the view of the moment it was made; one sent since may be newer.
          worker.postMessage({ type: 'view', serial: sentSerial, timeMs: sentTimeMs + (performance.now() - sentAtMs), changed: null, generation: Atomics.load(viewGeneration, 0) } satisfies FromMain);
          resolve(m.port);
        } else if (m.type === 'bind-error') {
          void worker.terminate();
          reject(new DnsConfigError(`cannot bind UDP ${opts.host}:${bindPort}: ${m.message}`, { port: bindPort }));
        }
      });
      // A worker's uncaught error ends it; 'exit' follows and starts a new one.
      worker.on('error', () => undefined);
      worker.on('exit', (exitCode) => {
        if (workers[index] === worker) workers[index] = undefined;
        if (!started) return reject(new DnsConfigError(`the UDP worker for ${opts.host}:${bindPort} stopped before it was ready`, { port: bindPort }));
        if (closing) return;
        restarts++;
        report({ type: 'udp-worker-exited', index, exitCode });
        restart(index, 1);
      });
    });

  const restart = (index: number, attempt: number): void => {
    setTimeout(() => {
      if (closing) return;
      spawn(index, port).then(
        () => {
          if (!closing) report({ type: 'udp-worker-restarted', index, attempts: attempt });
        },
        (error: unknown) => {
          if (closing) return;
          report({ type: 'udp-worker-restart-failed', index, attempt, retryInMs: restartDelayMs(attempt + 1), message: error instanceof Error ? error.message : String(error) });
          restart(index, attempt + 1);
        },
      );
    }, restartDelayMs(attempt)).unref();
  };

  const stopAll = async (): Promise<void> => {
    closing = true;
    await Promise.all(
      workers.map(async (w) => {
        if (!w) return;
        const closed = new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, WORKER_CLOSE_TIMEOUT_MS);
          w.on('message', (m: FromWorker) => {
            if (m.type === 'closed') {
              clearTimeout(timer);
              resolve();
            }
          });
          w.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        w.postMessage({ type: 'close' } satisfies FromMain);
        await closed;
        await w.terminate();
      }),
    );
  };

  let port = opts.port;
  try {
    // The first binds (with port 0 the OS picks one); the others join it.
    port = await spawn(0, opts.port);
    for (let i = 1; i < count; i++) await spawn(i, port);
  } catch (error) {
    await stopAll();
    throw error;
  }
  const poll = setInterval(pushView, limits.udpWorkerViewPollMs);
  poll.unref();

  return {
    port,
    counter: (name) => {
      let total = 0;
      for (let i = 0; i < count; i++) total += sums[i * COUNTERS + Counter[name]]!;
      return total;
    },
    get restarts() {
      return restarts;
    },
    viewChanged: pushView,
    clear: () => broadcast({ type: 'clear' }),
    close: async () => {
      clearInterval(poll);
      await stopAll();
    },
  };
}
