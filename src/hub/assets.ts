/**
 * Static assets from src/hub/public, served at /assets/<name>.<hash>.<ext> with a year-long
 * immutable cache: the content hash in the name changes whenever the file does. Only files
 * present at start-up are served (a lookup table, so no path from a request touches the disk).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
};

export interface Asset {
  url: string;
  type: string;
  body: Buffer;
}

export class Assets {
  readonly #byName = new Map<string, Asset>();
  readonly #byUrlName = new Map<string, Asset>();

  constructor(dir: string = fileURLToPath(new URL('./public/', import.meta.url))) {
    for (const name of readdirSync(dir).sort()) {
      const ext = extname(name);
      const type = TYPES[ext];
      if (type === undefined) continue;
      const body = readFileSync(join(dir, name));
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
      const urlName = `${name.slice(0, -ext.length)}.${hash}${ext}`;
      const asset = { url: `/assets/${urlName}`, type, body };
      this.#byName.set(name, asset);
      this.#byUrlName.set(urlName, asset);
    }
  }

  /** The cache-busted URL of a file in public/, e.g. url("hub.css") → "/assets/hub.3f2a….css". */
  url(name: string): string {
    const asset = this.#byName.get(name);
    if (asset === undefined) throw new Error(`unknown asset ${name}`);
    return asset.url;
  }

  get(name: string): Asset | undefined {
    return this.#byName.get(name);
  }

  register(app: FastifyInstance): void {
    app.get<{ Params: { file: string } }>('/assets/:file', async (request, reply) => {
      const asset = this.#byUrlName.get(request.params.file);
      if (asset === undefined) return reply.callNotFound();
      return reply
        .header('content-type', asset.type)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(asset.body);
    });
  }
}
