/**
 * The registration demo against a real devnet node started in this process (chain, RPC, signed
 * DNS, as `dcbt start` runs them): the visitor's form → commit → wait → register → the name
 * resolves, by the RPC and by the dig command the page prints. Then the guard rails.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { keyPairFromSecret } from '../../../../chain/crypto.ts';
import { devnetGenesis } from '../../../../chain/genesis.ts';
import { ensureDevnet } from '../../../../node/devnet.ts';
import { startNodeDns, type NodeDns } from '../../../../node/dns-service.ts';
import { ChainNode } from '../../../../node/node.ts';
import { RpcClient } from '../../../../rpc/client.ts';
import { buildRpc } from '../../../../rpc/server.ts';
import { coreMigrations, migrate } from '../../../db/migrate.ts';
import { buildHub, createI18n, loadHubContent } from '../../../app.ts';
import { modules } from '../../index.ts';
import { DEFAULT_CONTENT_DIR } from '../../../server.ts';
import { openTestDatabase } from '../../../testing.ts';
import type { Database } from '../../../db/index.ts';
import { DemoRegistrar, DEMO_RECORDS, demoMigrations } from './registrar.ts';
import { tryCommands } from './register.ts';

const run = promisify(execFile);
const validator = keyPairFromSecret(new Uint8Array(32).fill(91));

interface Devnet {
  node: ChainNode;
  rpc: FastifyInstance;
  dns?: NodeDns;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

/** A single-validator devnet as `dcbt start` runs it (1 s blocks), on free loopback ports. */
async function startDevnet(options: { chainId?: string; produce?: boolean } = {}): Promise<Devnet> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dcbt-demo-'));
  // As `dcbt start` makes it (validator key, nameserver, DNSSEC keys), unless another chain id is asked for.
  const devnet = options.chainId === undefined ? await ensureDevnet(dataDir, { powBits: 8 }) : undefined;
  const genesis = devnet?.genesis ?? devnetGenesis({ validators: [validator.publicKey], timeMs: Date.now() - 1000, powBits: 8, chainId: options.chainId });
  const node = await ChainNode.open({ dataDir, genesis, validatorKey: devnet?.validatorKey ?? validator });
  const dns = options.produce === false ? undefined : await startNodeDns(node, { host: '127.0.0.1', port: 0 });
  const rpc = await buildRpc(node);
  const url = await rpc.listen({ host: '127.0.0.1', port: 0 });
  if (options.produce !== false) node.start();
  return {
    node,
    rpc,
    url,
    dataDir,
    ...(dns === undefined ? {} : { dns }),
    async close() {
      await rpc.close();
      await dns?.close();
      await node.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A hub connected to the devnet's RPC and DNS, over a fresh test database. */
async function hubFor(devnet: Devnet): Promise<FastifyInstance> {
  const database = await openTestDatabase();
  const app = await buildHub({
    db: database.db,
    content: loadHubContent(DEFAULT_CONTENT_DIR, modules),
    i18n: createI18n(modules),
    modules,
    rateLimitPerMinute: false,
    rpcUrl: devnet.url,
    dnsServer: devnet.dns === undefined ? undefined : { host: devnet.dns.server.host, port: devnet.dns.server.udpPort },
  });
  app.addHook('onClose', async () => database.close());
  return app;
}

/** Opens the form page and returns what a browser would send back. */
async function formSession(app: FastifyInstance, locale = 'en'): Promise<{ cookie: string; token: string; body: string }> {
  const page = await app.inject(`/${locale}/learn/demos/register`);
  const cookie = String(page.headers['set-cookie'] ?? '').split(';')[0] ?? '';
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  return { cookie, token, body: page.body };
}

async function submit(app: FastifyInstance, name: string, locale = 'en') {
  const { cookie, token } = await formSession(app, locale);
  return app.inject({
    method: 'POST',
    url: `/${locale}/learn/demos/register`,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: token, name }).toString(),
  });
}

describe('the registration demo on a live devnet', () => {
  let devnet: Devnet;
  let app: FastifyInstance;
  before(async () => {
    devnet = await startDevnet();
    app = await hubFor(devnet);
  });
  after(async () => {
    await app.close();
    await devnet.close();
  });

  test('form → commit → wait → register → the name resolves (RPC, and dig as the page says)', async () => {
    const form = await formSession(app);
    assert.match(form.body, /Connected to chain dcbt-devnet \(names under dcbt\.test\.\), now at block \d+\./);
    assert.match(form.body, /<form class="demo-form" method="post" action="\/en\/learn\/demos\/register" id="register-form"/);
    assert.match(form.body, /<label for="register-name">Name to register<\/label>/);

    const posted = await submit(app, 'Demo-Library');
    assert.equal(posted.statusCode, 303, posted.body.slice(0, 500));
    const location = String(posted.headers.location);
    assert.match(location, /^\/en\/learn\/demos\/register\/[A-Za-z0-9_-]{22}$/);

    // Without JavaScript: the status page, a "Check progress" button, until it is final.
    const first = await app.inject(location);
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['cache-control'], 'no-store');
    assert.match(first.body, /<h1>Registering demo-library\.dcbt\.test<\/h1>/);
    assert.match(first.body, /id="reg-step-check" data-state="done"/);
    assert.match(first.body, /data-final="false"/);
    assert.match(first.body, /<button type="submit" id="register-check" aria-describedby="register-check-hint">Check progress<\/button>/);
    assert.match(first.body, /<script type="module" src="\/assets\/demo-register\.[0-9a-f]{12}\.js"><\/script>/);

    let body = first.body;
    const seen = new Set<string>();
    const deadline = Date.now() + 30_000;
    while (!body.includes('data-final="true"')) {
      assert.ok(Date.now() < deadline, `registration did not finish: ${/<ol class="reg-steps">[\s\S]*?<\/ol>/.exec(body)?.[0]}`);
      for (const m of body.matchAll(/id="reg-step-([a-z]+)" data-state="active"/g)) seen.add(m[1]!);
      await new Promise((r) => setTimeout(r, 200));
      body = (await app.inject(location)).body;
    }
    assert.ok(seen.size >= 1, 'an active step was visible on the way');
    for (const step of ['check', 'commit', 'wait', 'register', 'resolve']) assert.match(body, new RegExp(`id="reg-step-${step}" data-state="done"`), step);
    assert.match(body, /Done: demo-library\.dcbt\.test\. is registered\./);
    assert.match(body, /Commitment in block (\d+), transaction [0-9a-f]{16}…\./);
    const commitHeight = Number(/Commitment in block (\d+)/.exec(body)![1]);
    const registerHeight = Number(/Registration in block (\d+)/.exec(body)![1]);
    assert.ok(registerHeight >= commitHeight + 1, `register at ${registerHeight}, commit at ${commitHeight}`);
    assert.match(body, /<code>@ A 192\.0\.2\.1<\/code>/);
    assert.doesNotMatch(body, /id="register-check"/, 'no check button once final');

    // The chain has it, owned by a key the hub no longer holds.
    const name = await new RpcClient(devnet.url).name('demo-library');
    assert.equal(name.status, 'active');
    assert.equal(name.registeredHeight, registerHeight);
    assert.deepEqual(
      name.records.map((r) => `${r.type} ${r.value}`).sort(),
      DEMO_RECORDS.map((r) => `${r.type} ${r.value}`).sort(),
    );
    assert.ok(body.includes(`<code>${name.owner.slice(0, 16)}…</code>`));

    // The dig command the page offers works as printed, signatures included.
    const dig = /<code id="register-dig">([^<]+)<\/code>/.exec(body)![1]!;
    assert.equal(dig, `dig @127.0.0.1 -p ${devnet.dns!.server.udpPort} demo-library.dcbt.test A +dnssec`);
    const [command, ...args] = dig.split(' ');
    const { stdout } = await run(command!, [...args, '+tries=1', '+time=5'], { timeout: 20_000 });
    assert.match(stdout, /status: NOERROR/);
    assert.match(stdout, /demo-library\.dcbt\.test\.\s+\d+\s+IN\s+A\s+192\.0\.2\.1/);
    assert.match(stdout, /IN\s+RRSIG\s+A 13 /);
    assert.equal(tryCommands(devnet.url, undefined, name).dig, undefined, 'no dig line when the hub does not know the DNS server');
  });

  test('a taken, reserved or malformed name is refused on the form, with the reason by the field', async () => {
    const taken = await submit(app, 'demo-library', 'fr');
    assert.equal(taken.statusCode, 409);
    assert.match(taken.body, /demo-library\.dcbt\.test\. est déjà enregistré : choisissez un autre nom\./);
    assert.match(taken.body, /id="register-name"[^>]*aria-invalid="true"/);
    assert.match(taken.body, /value="demo-library"/);

    const reserved = await submit(app, 'www');
    assert.equal(reserved.statusCode, 409);
    assert.match(reserved.body, /www\.dcbt\.test\. is reserved/);

    const dotted = await submit(app, 'a.b', 'es');
    assert.equal(dotted.statusCode, 400);
    assert.match(dotted.body, /Use una sola etiqueta, sin puntos/);

    const mixed = await submit(app, 'pаypal', 'ar');
    assert.equal(mixed.statusCode, 400);
    assert.match(mixed.body, /يخلط الاسم بين أنظمة كتابة/);

    const empty = await submit(app, '   ');
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /Enter a name\./);
  });
});

describe('the registrar', () => {
  let devnet: Devnet;
  let database: Database;
  before(async () => {
    devnet = await startDevnet();
    database = await openTestDatabase();
    await migrate(database.db, [{ module: 'core', migrations: coreMigrations }, { module: 'learn', migrations: demoMigrations }]);
  });
  after(async () => {
    await database.close();
    await devnet.close();
  });

  test('limits starts per address per hour, and the rest of the world is unaffected', async () => {
    const registrar = new DemoRegistrar({ db: database.db, rpcUrl: devnet.url, limits: { perAddressPerHourMax: 1 } });
    try {
      const first = await registrar.start('limit-one', '192.0.2.10');
      assert.ok(first.ok);
      const second = await registrar.start('limit-two', '192.0.2.10');
      assert.deepEqual(second.ok ? undefined : { key: second.error.key, status: second.error.status }, { key: 'rate', status: 429 });
      const other = await registrar.start('limit-three', '192.0.2.11');
      assert.ok(other.ok);
      await registrar.settled(first.ok ? first.id : '');
      await registrar.settled(other.ok ? other.id : '');
      assert.equal((await registrar.get(first.ok ? first.id : ''))?.step, 'done');
    } finally {
      await registrar.close();
    }
  });

  test('at most jobsRunningMax registrations run at once', async () => {
    const registrar = new DemoRegistrar({ db: database.db, rpcUrl: devnet.url, limits: { jobsRunningMax: 1 } });
    try {
      const first = await registrar.start('busy-one', '192.0.2.20');
      assert.ok(first.ok);
      const second = await registrar.start('busy-two', '192.0.2.21');
      assert.equal(second.ok ? undefined : second.error.key, 'busy');
      await registrar.settled(first.ok ? first.id : '');
      assert.equal(registrar.running, 0);
      assert.ok((await registrar.start('busy-two', '192.0.2.21')).ok);
    } finally {
      await registrar.close();
    }
  });

  test('stopping the hub interrupts a registration; another process sees a silent one as interrupted', async () => {
    const a = new DemoRegistrar({ db: database.db, rpcUrl: devnet.url });
    const started = await a.start('stop-me', '192.0.2.30');
    assert.ok(started.ok);
    const id = started.ok ? started.id : '';
    // Another hub process, later: the row is not final and nobody there runs it.
    const later = new DemoRegistrar({ db: database.db, rpcUrl: devnet.url, now: () => Date.now() + 60_000 });
    const seen = await later.get(id);
    assert.equal(seen?.step, 'failed');
    assert.equal(seen?.error?.key, 'interrupted');
    await a.close();
    const stored = await a.get(id);
    // The job needs two blocks (two seconds): it was still waiting when the hub stopped.
    assert.equal(stored?.step, 'failed');
    assert.equal(stored?.error?.key, 'interrupted');
    assert.ok(stored?.failedStep === 'commit' || stored?.failedStep === 'wait', String(stored?.failedStep));
    assert.equal((await a.start('after-close', '192.0.2.31')).ok, false);
    assert.equal(await a.get('nope'), undefined);
  });

  test('registers only on a devnet or testnet, and says when the node is down', async () => {
    const main = await startDevnet({ chainId: 'dcbt-main', produce: false });
    try {
      const registrar = new DemoRegistrar({ db: database.db, rpcUrl: main.url });
      const refused = await registrar.start('anything', '192.0.2.40');
      assert.equal(refused.ok ? undefined : refused.error.key, 'notDevnet');
    } finally {
      await main.close();
    }
    const down = new DemoRegistrar({ db: database.db, rpcUrl: 'http://127.0.0.1:9', limits: { statusTimeoutMs: 1000 } });
    const result = await down.start('anything', '192.0.2.41');
    assert.deepEqual(result.ok ? undefined : { key: result.error.key, status: result.error.status }, { key: 'unreachable', status: 503 });
  });

  test('refuses a chain that asks for more proof of work than the hub will do', async () => {
    const registrar = new DemoRegistrar({ db: database.db, rpcUrl: devnet.url, limits: { powBitsMax: 4 } });
    const result = await registrar.start('heavy', '192.0.2.50');
    assert.equal(result.ok ? undefined : result.error.key, 'pow');
  });
});
