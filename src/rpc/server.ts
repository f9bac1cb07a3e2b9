/**
 * The node's RPC: HTTP + JSON under /v1, inputs validated with zod at the boundary, errors as
 * `{ error: { code, message, details } }` with a fitting HTTP status, and a server-sent event
 * stream of new blocks.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { z } from 'zod';
import { blockHash } from '../chain/codec.ts';
import { genesisHash, genesisToJson } from '../chain/genesis.ts';
import { fromHex, toHex } from '../chain/hash.ts';
import { proofBundleToJson } from '../chain/light.ts';
import { normaliseName } from '../chain/names.ts';
import { DcbtError, isDcbtError } from '../errors.ts';
import type { ChainNode } from '../node/node.ts';
import { blockJson, evidenceJson, nameJson, txJson } from './views.ts';

export interface RpcLimits {
  readonly bodySizeBytesMax: number;
  readonly requestsPerMinuteMax: number;
  readonly eventClientsMax: number;
  readonly eventHeartbeatMs: number;
  readonly historyEntriesMax: number;
}

export const DEFAULT_RPC_LIMITS: RpcLimits = {
  bodySizeBytesMax: 64 * 1024,
  requestsPerMinuteMax: 6000,
  eventClientsMax: 256,
  eventHeartbeatMs: 15_000,
  historyEntriesMax: 1000,
};

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits');
const TxBody = z.strictObject({ tx: z.string().regex(/^([0-9a-f]{2})+$/, 'expected the encoded transaction as lower-case hex').max(32 * 1024) });
const BlockId = z.union([z.string().regex(/^\d{1,15}$/).transform(Number), hex64]);
const NameParam = z.strictObject({ name: z.string().min(1).max(300) });
const HistoryQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(DEFAULT_RPC_LIMITS.historyEntriesMax).default(100) });

/** HTTP status for an error code. */
function statusOf(code: string): number {
  if (code.endsWith('_NOT_FOUND') && code !== 'COMMIT_NOT_FOUND') return 404;
  if (code === 'MEMPOOL_FULL' || code === 'MEMPOOL_ACCOUNT_FULL') return 503;
  if (code === 'NO_BLOCKS_YET') return 409;
  if (code === 'RATE_LIMITED') return 429;
  if (code === 'INTERNAL' || code === 'STORE_DAMAGED' || code === 'STATE_VALUE_MISSING') return 500;
  return 400;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`);
    throw new DcbtError('BAD_REQUEST', `invalid ${what}: ${issues.join('; ')}`, { issues });
  }
  return r.data;
}

export interface RpcExtras {
  /** The signed zone as a master file (the node's DNS layer provides it). */
  readonly zoneText?: () => Promise<string>;
  /** A networked node's peers and traffic, shown under `network` in GET /v1/status. */
  readonly network?: () => unknown;
}

export async function buildRpc(node: ChainNode, limits: RpcLimits = DEFAULT_RPC_LIMITS, extras: RpcExtras = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: limits.bodySizeBytesMax, forceCloseConnections: true });
  await app.register(rateLimit, {
    max: limits.requestsPerMinuteMax,
    timeWindow: 60_000,
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, error: { code: 'RATE_LIMITED', message: `more than ${ctx.max} requests a minute from this address; slow down and retry after ${ctx.after}`, details: {} } }),
  });

  app.setErrorHandler((error: unknown, _req, reply) => {
    if (isDcbtError(error)) return reply.status(statusOf(error.code)).send({ error: error.toJSON() });
    const e = error as { statusCode?: number; message?: string; code?: string };
    if (e.statusCode === 429) return reply.status(429).send(error);
    if (e.statusCode && e.statusCode < 500) {
      return reply.status(e.statusCode).send({ error: { code: 'BAD_REQUEST', message: e.message ?? 'bad request', details: { fastify: e.code } } });
    }
    return reply.status(500).send({ error: { code: 'INTERNAL', message: 'internal error; see the node log', details: {} } });
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: `no such endpoint: ${req.method} ${req.url}; see GET /v1/status`, details: {} } }));

  const apex = node.genesis.apex;
  const label = (raw: unknown) => normaliseName(parse(NameParam, raw, 'name').name, apex);

  app.get('/v1/status', async () => ({
    chainId: node.genesis.chainId,
    apex,
    genesisHash: toHex(genesisHash(node.genesis)),
    height: node.tip.height,
    hash: toHex(node.tip.hash),
    timeMs: node.tip.timeMs,
    validator: node.isValidator,
    mempoolSize: node.mempoolSize,
    ...(extras.network ? { network: extras.network() } : {}),
  }));

  app.get('/v1/genesis', async () => genesisToJson(node.genesis));

  app.post('/v1/txs', async (req, reply) => {
    const body = parse(TxBody, req.body, 'request body');
    const result = await node.submitTx(fromHex(body.tx));
    return reply.status(202).send(result);
  });

  app.get('/v1/txs/:id', async (req) => {
    const { id } = parse(z.strictObject({ id: hex64 }), req.params, 'transaction id');
    return { txId: id, ...(await node.getTxStatus(id)) };
  });

  app.get('/v1/blocks/:id', async (req) => {
    const { id } = parse(z.strictObject({ id: BlockId }), req.params, 'block id');
    const found = typeof id === 'number' ? await node.getBlock(id) : await node.getBlockByHash(fromHex(id));
    if (!found) throw new DcbtError('BLOCK_NOT_FOUND', `no block ${id}; the chain is at height ${node.tip.height}`, { id });
    return blockJson(found.block, found.commit);
  });

  app.get('/v1/names/:name', async (req) => {
    const name = label(req.params);
    const view = await node.getName(name);
    if (!view || view.status === 'expired') throw new DcbtError('NAME_NOT_FOUND', `${name}.${apex} is not registered`, { name });
    return nameJson(view.record, view.status, apex);
  });

  app.get('/v1/names/:name/proof', async (req) => proofBundleToJson(await node.getNameProof(label(req.params))));

  app.get('/v1/names/:name/history', async (req) => {
    const name = label(req.params);
    const { limit } = parse(HistoryQuery, req.query, 'query');
    const entries = await node.getNameHistory(name, limit);
    const out = [];
    for (const e of entries) {
      const found = await node.getBlock(e.height);
      const tx = found?.block.txs[e.index];
      out.push({ height: e.height, index: e.index, timeMs: found?.block.header.timeMs, ...(tx ? txJson(tx) : { id: e.txId }) });
    }
    return { name, entries: out };
  });

  app.get('/v1/accounts/:key', async (req) => {
    const { key } = parse(z.strictObject({ key: hex64 }), req.params, 'account key');
    const { confirmed, next } = await node.getAccountNonce(fromHex(key));
    return { publicKey: key, nonce: confirmed, nextNonce: next };
  });

  app.get('/v1/evidence', async (req) => {
    const { limit } = parse(HistoryQuery, req.query, 'query');
    const entries = await node.listEvidence(limit);
    return { evidence: entries.map((e) => evidenceJson(e.hash, e.record, e.index)) };
  });

  app.get('/v1/evidence/:hash', async (req) => {
    const { hash } = parse(z.strictObject({ hash: hex64 }), req.params, 'evidence hash');
    const record = await node.getEvidence(fromHex(hash));
    if (!record) throw new DcbtError('EVIDENCE_NOT_FOUND', `no evidence ${hash} is recorded on chain`, { hash });
    return evidenceJson(hash, record);
  });

  app.get('/v1/zone', async (_req, reply) => {
    if (!extras.zoneText) throw new DcbtError('ZONE_UNAVAILABLE', 'this node does not serve DNS, so it has no zone to export', {});
    return reply.type('text/dns; charset=utf-8').send(await extras.zoneText());
  });

  let eventClients = 0;
  app.get('/v1/events', async (req, reply: FastifyReply) => {
    if (eventClients >= limits.eventClientsMax) {
      throw new DcbtError('RATE_LIMITED', `the node already serves ${limits.eventClientsMax} event streams; try again later`, {});
    }
    eventClients++;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(`retry: 2000\n\n`);
    const unsubscribe = node.onBlock((block) => {
      const data = { height: block.header.height, hash: toHex(blockHash(block.header)), timeMs: block.header.timeMs, txCount: block.txs.length };
      res.write(`id: ${block.header.height}\nevent: block\ndata: ${JSON.stringify(data)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(`: keep-alive\n\n`), limits.eventHeartbeatMs);
    req.raw.on('close', () => {
      eventClients--;
      clearInterval(heartbeat);
      unsubscribe();
    });
  });

  return app;
}
