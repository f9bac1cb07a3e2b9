/**
 * DNS over HTTPS (RFC 8484) as a Fastify plugin: the node mounts it on its RPC HTTP server (TLS,
 * when there is any, is that server's business). Both request forms are served at `/dns-query`:
 *
 *   GET  /dns-query?dns=<base64url DNS message>        (RFC 8484 §4.1, padding tolerated)
 *   POST /dns-query   Content-Type: application/dns-message, the message as the body
 *
 * Queries go through `handleQuery` with transport 'doh': nothing is truncated, replies up to
 * 65535 bytes. DNS errors are DNS answers (HTTP 200); HTTP errors are for what is not a DNS query:
 * 400 (bad or missing `dns`, empty body, no header or QR=1), 415 (another content type), 413 /
 * 414 (over `dohBodyBytesMax`). `Cache-Control: max-age` is the smallest TTL in the reply
 * (RFC 8484 §5.1; for a negative answer that is the SOA's negative TTL), 0 when it has no records.
 */
import type { FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerBase, RawServerDefault } from 'fastify';
import type { DnsEnv } from './chain.ts';
import { handleQuery } from './chain.ts';
import { RRType } from './rdata.ts';
import { headerBytes, readName } from './wire.ts';

export const dohPath = '/dns-query';
export const dohContentType = 'application/dns-message';

export interface DohOptions {
  /** Where to serve; RFC 8484 leaves it to the server, `/dns-query` is what clients assume. */
  readonly path?: string;
}

export interface DohStats {
  /** DNS messages answered (HTTP 200). */
  answered: number;
  /** Requests refused with an HTTP error status. */
  rejected: number;
}

/** Characters of base64url (RFC 4648 §5), optionally followed by padding. */
const base64urlPattern = /^[A-Za-z0-9_-]*={0,2}$/;

/** Decodes the GET `dns` parameter, or returns the HTTP status to refuse it with. */
export function decodeDnsParam(value: unknown, bytesMax: number): Uint8Array | { readonly status: number; readonly message: string } {
  if (typeof value !== 'string' || value.length === 0) return { status: 400, message: 'the dns query parameter is missing (one base64url-encoded DNS message)' };
  if (value.length > Math.ceil((bytesMax * 4) / 3) + 2) return { status: 414, message: `the dns parameter decodes to more than ${bytesMax} bytes` };
  if (!base64urlPattern.test(value)) return { status: 400, message: 'the dns parameter is not base64url (RFC 4648 §5)' };
  const unpadded = value.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return { status: 400, message: 'the dns parameter has an impossible base64url length' };
  const bytes = new Uint8Array(Buffer.from(unpadded, 'base64url'));
  if (bytes.length > bytesMax) return { status: 414, message: `the dns parameter decodes to more than ${bytesMax} bytes` };
  return bytes;
}

/**
 * The smallest TTL of the records in a DNS message (OPT excluded), or undefined when it has none
 * or cannot be read.
 */
export function minTtlSeconds(wire: Uint8Array): number | undefined {
  if (wire.length < headerBytes) return undefined;
  const u16 = (o: number): number => (wire[o]! << 8) | wire[o + 1]!;
  const qd = u16(4);
  const rrs = u16(6) + u16(8) + u16(10);
  let min: number | undefined;
  try {
    let pos = headerBytes;
    for (let i = 0; i < qd; i++) pos = readName(wire, pos).end + 4;
    for (let i = 0; i < rrs; i++) {
      pos = readName(wire, pos).end;
      if (pos + 10 > wire.length) return undefined;
      const type = u16(pos);
      const ttl = new DataView(wire.buffer, wire.byteOffset + pos + 4, 4).getUint32(0);
      if (type !== RRType.OPT) min = min === undefined ? ttl : Math.min(min, ttl);
      pos += 10 + u16(pos + 8);
    }
  } catch {
    return undefined;
  }
  return min;
}

/** The part of a Fastify reply used here (HTTP/1 and HTTP/2 replies both have it). */
interface DohReply {
  status(statusCode: number): DohReply;
  type(contentType: string): DohReply;
  header(key: string, value: string): DohReply;
  send(payload?: unknown): DohReply;
}

/**
 * Registers the DoH routes on `app` in their own encapsulated scope (own content-type parser
 * and error handler; the app's other routes are untouched). Returns live counters.
 */
export async function registerDoh<Server extends RawServerBase = RawServerDefault>(
  app: FastifyInstance<Server, RawRequestDefaultExpression<Server>, RawReplyDefaultExpression<Server>>,
  env: DnsEnv,
  opts: DohOptions = {},
): Promise<DohStats> {
  const path = opts.path ?? dohPath;
  const bytesMax = env.limits.dohBodyBytesMax;
  const stats: DohStats = { answered: 0, rejected: 0 };

  const refuse = (reply: DohReply, status: number, message: string): DohReply => {
    stats.rejected++;
    return reply.status(status).type('text/plain; charset=utf-8').send(`${message}\n`);
  };

  const answer = async (reply: DohReply, packet: Uint8Array): Promise<DohReply> => {
    if (packet.length === 0) return refuse(reply, 400, 'empty DNS message');
    const wire = await handleQuery(packet, { transport: 'doh', env });
    if (!wire) return refuse(reply, 400, 'not a DNS query: shorter than a header, or a response (QR=1)');
    stats.answered++;
    return reply
      .status(200)
      .type(dohContentType)
      .header('cache-control', `max-age=${minTtlSeconds(wire) ?? 0}`)
      .send(Buffer.from(wire.buffer, wire.byteOffset, wire.length));
  };

  await app.register(async (scope) => {
    // Only application/dns-message bodies: anything else is 415 before the handler runs.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(dohContentType, { parseAs: 'buffer', bodyLimit: bytesMax }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((error: { statusCode?: number; message?: string }, _req, reply) => {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      return refuse(reply, status, status === 500 ? 'internal error' : (error.message ?? 'bad request'));
    });

    scope.get(path, async (req, reply) => {
      const decoded = decodeDnsParam((req.query as Record<string, unknown> | undefined)?.dns, bytesMax);
      if (!(decoded instanceof Uint8Array)) return refuse(reply, decoded.status, decoded.message);
      return answer(reply, decoded);
    });

    scope.post(path, { bodyLimit: bytesMax }, async (req, reply) => {
      if (!(req.body instanceof Buffer)) return refuse(reply, 415, `the body must be ${dohContentType}`);
      return answer(reply, new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.length));
    });
  });
  return stats;
}
