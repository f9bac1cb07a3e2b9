/**
 * `dcbt name …`: register (COMMIT, wait, REGISTER — resumable), update, transfer, renew, show,
 * proof, history.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import { commitmentHash } from '../../chain/codec.ts';
import type { KeyPair } from '../../chain/crypto.ts';
import { fromHex, toHex } from '../../chain/hash.ts';
import { normaliseName } from '../../chain/names.ts';
import { parseRecord, sortRecords, type RecordText, type RecordTypeName } from '../../chain/records.ts';
import { buildTx } from '../../chain/tx.ts';
import { TxType, type DnsRecord, type TxPayload } from '../../chain/types.ts';
import { DcbtError } from '../../errors.ts';
import type { StatusJson } from '../../rpc/client.ts';
import type { NameJson } from '../../rpc/views.ts';
import { readJsonIfExists, writeFileAtomic } from '../../files.ts';
import { globalOptions, rpcClient, type GlobalOptions } from '../global.ts';
import { Output } from '../output.ts';
import { loadWallet } from '../wallet-file.ts';

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface RecordFlags {
  a?: string[];
  aaaa?: string[];
  txt?: string[];
  mx?: string[];
  srv?: string[];
  caa?: string[];
  tlsa?: string[];
  cname?: string;
  ns?: string[];
  ds?: string[];
  record?: string[];
}

function addRecordFlags(cmd: Command): Command {
  return cmd
    .option('--a <ip>', 'IPv4 address (repeatable)', collect)
    .option('--aaaa <ip>', 'IPv6 address (repeatable)', collect)
    .option('--txt <text>', 'TXT text (repeatable)', collect)
    .option('--mx <pref host>', 'mail exchanger, e.g. "10 mail.example.org." (repeatable)', collect)
    .option('--srv <prio weight port host>', 'SRV at the name itself (repeatable); use --record for _service._proto', collect)
    .option('--caa <flags tag value>', 'CAA, e.g. \'0 issue "letsencrypt.org"\' (repeatable)', collect)
    .option('--tlsa <usage selector type hex>', 'TLSA at the name itself (repeatable); use --record for _443._tcp', collect)
    .option('--cname <target>', 'CNAME target (nothing else may sit at the name)')
    .option('--ns <host>', 'delegate to this name server (repeatable)', collect)
    .option('--ds <tag alg digesttype hex>', 'DS for a delegated name (repeatable)', collect)
    .option('--record <"host TYPE value">', 'any record at a relative host, e.g. "www A 192.0.2.7" or "_443._tcp TLSA 3 1 1 ab…"; "@" is the name itself (repeatable)', collect);
}

function recordTexts(flags: RecordFlags): RecordText[] {
  const out: RecordText[] = [];
  const push = (type: RecordTypeName, values: string[] | undefined) => values?.forEach((value) => out.push({ host: '', type, value }));
  push('A', flags.a);
  push('AAAA', flags.aaaa);
  push('TXT', flags.txt?.map((t) => (t.startsWith('"') ? t : JSON.stringify(t))));
  push('MX', flags.mx);
  push('SRV', flags.srv);
  push('CAA', flags.caa);
  push('TLSA', flags.tlsa);
  push('NS', flags.ns);
  push('DS', flags.ds);
  if (flags.cname) push('CNAME', [flags.cname]);
  for (const r of flags.record ?? []) {
    const m = /^(\S+)\s+([A-Za-z]+)\s+(.+)$/.exec(r.trim());
    if (!m) throw new DcbtError('BAD_ARGUMENT', `--record "${r}" should look like "host TYPE value", e.g. "www A 192.0.2.7"`, { record: r });
    out.push({ host: m[1] === '@' ? '' : m[1]!.toLowerCase(), type: m[2]!.toUpperCase() as RecordTypeName, value: m[3]! });
  }
  return out;
}

function parseRecords(texts: RecordText[], name: string, apex: string): DnsRecord[] {
  return sortRecords(texts.map((t) => parseRecord(t, { name, apex })));
}

function describeName(n: NameJson): string {
  const lines = [
    `${n.fqdn}${n.displayName !== n.name ? ` (${n.displayName})` : ''}`,
    `  status     ${n.status}`,
    `  owner      ${n.owner}`,
    `  expires    ${n.expiresAt}`,
    `  registered at height ${n.registeredHeight}, last changed at ${n.updatedHeight}`,
    n.records.length === 0 ? '  records    (none)' : '  records',
    ...n.records.map((r) => `    ${(r.host || '@').padEnd(12)} ${r.type.padEnd(6)} ${r.value}`),
  ];
  return lines.join('\n');
}

// ---- pending registrations: saved before the COMMIT is sent, so nothing is lost ---------------

const PendingSchema = z.record(
  z.string(),
  z.strictObject({
    name: z.string(),
    owner: z.string(),
    salt: z.string(),
    records: z.array(z.strictObject({ host: z.string(), type: z.string(), value: z.string() })),
    commitTxId: z.string().optional(),
    createdAtMs: z.number(),
  }),
);
type Pending = z.infer<typeof PendingSchema>;

const pendingPath = (walletPath: string) => `${walletPath.replace(/\.json$/, '')}.pending.json`;

async function loadPending(walletPath: string): Promise<Pending> {
  const json = await readJsonIfExists(pendingPath(walletPath));
  if (json === undefined) return {};
  const parsed = PendingSchema.safeParse(json);
  if (!parsed.success) throw new DcbtError('PENDING_INVALID', `${pendingPath(walletPath)} is damaged; move it aside and register again`, {});
  return parsed.data;
}

async function savePending(walletPath: string, pending: Pending): Promise<void> {
  await writeFileAtomic(pendingPath(walletPath), `${JSON.stringify(pending, null, 2)}\n`, 0o600);
}

// ---- sending transactions ----------------------------------------------------------------------

async function send(opts: GlobalOptions, out: Output, key: KeyPair, status: StatusJson, payload: TxPayload, label: string, onSubmitted?: (txId: string) => Promise<void>): Promise<{ txId: string; height: number }> {
  const rpc = rpcClient(opts);
  const { nextNonce } = await rpc.account(toHex(key.publicKey));
  const genesis = await rpc.genesis();
  out.progress(`  ${label}: computing the hashcash stamp (${genesis.params.powBits} bits)…`);
  const tx = buildTx({ chainId: status.chainId, account: key.publicKey, nonce: nextNonce, payload }, key, genesis.params.powBits);
  const { txId } = await rpc.submitTx(tx);
  await onSubmitted?.(txId);
  out.progress(`  ${label}: sent ${txId.slice(0, 16)}…, waiting for a block`);
  const { height } = await rpc.waitForTx(txId);
  out.progress(`  ${label}: final in block ${height}`);
  return { txId, height };
}

/** What every signing command starts from: options, the node's status, the normalised name, the key. */
async function signingContext(rawName: string, cmd: Command) {
  const opts = globalOptions(cmd);
  const rpc = rpcClient(opts);
  const status = await rpc.status();
  const name = normaliseName(rawName, status.apex);
  const key = await loadWallet(opts.wallet);
  return { opts, out: new Output(opts), rpc, status, name, key };
}

async function register(rawName: string, flags: RecordFlags, cmd: Command): Promise<void> {
  const { opts, out, rpc, status, name, key } = await signingContext(rawName, cmd);
  const owner = toHex(key.publicKey);
  const pending = await loadPending(opts.wallet);
  let entry = pending[name];
  if (entry && entry.owner !== owner) throw new DcbtError('PENDING_OTHER_WALLET', `a pending registration of ${name} belongs to another key`, { name });
  const texts = entry && recordTexts(flags).length === 0 ? (entry.records as RecordText[]) : recordTexts(flags);
  const records = parseRecords(texts, name, status.apex);

  const existing = await rpc.nameOrUndefined(name);
  if (existing && existing.owner === owner && entry) {
    delete pending[name];
    await savePending(opts.wallet, pending);
    out.result({ ...existing, resumed: true }, `${name}.${status.apex} is already registered to you (an earlier run finished).\n${describeName(existing)}`);
    return;
  }
  if (existing && existing.status !== 'expired') {
    throw new DcbtError('NAME_TAKEN', `${existing.fqdn} is registered until ${existing.expiresAt}; choose another name`, { name });
  }

  if (!entry) {
    entry = { name, owner, salt: toHex(new Uint8Array(randomBytes(32))), records: texts, createdAtMs: Date.now() };
    pending[name] = entry;
    await savePending(opts.wallet, pending);
  } else {
    out.progress(`resuming the registration of ${name} started ${new Date(entry.createdAtMs).toISOString()}`);
  }
  const salt = fromHex(entry.salt);

  out.progress(`[1/2] committing to ${name}.${status.apex} (the name stays hidden until step 2)`);
  let committed = false;
  if (entry.commitTxId) {
    const s = await rpc.txStatus(entry.commitTxId);
    if (s.status === 'included') committed = true;
    else if (s.status === 'pending') {
      await rpc.waitForTx(entry.commitTxId);
      committed = true;
    }
  }
  if (!committed) {
    try {
      await send(opts, out, key, status, { type: TxType.COMMIT, commitment: commitmentHash(name, key.publicKey, salt) }, 'COMMIT', async (txId) => {
        entry.commitTxId = txId;
        await savePending(opts.wallet, pending);
      });
    } catch (error) {
      // Already on chain from an interrupted run whose id was not saved: go on to the reveal.
      if (!(error instanceof DcbtError && error.code === 'COMMIT_EXISTS')) throw error;
    }
  }

  out.progress(`[2/2] registering ${name}.${status.apex}`);
  await send(opts, out, key, status, { type: TxType.REGISTER, name, salt, records }, 'REGISTER');
  delete pending[name];
  await savePending(opts.wallet, pending);
  const result = await rpc.name(name);
  out.result(result, `registered ${result.fqdn}\n${describeName(result)}`);
}

async function ownerAction(rawName: string, cmd: Command, label: string, payloadFor: (name: string, apex: string) => TxPayload): Promise<void> {
  const { opts, out, rpc, status, name, key } = await signingContext(rawName, cmd);
  const payload = payloadFor(name, status.apex);
  out.progress(`${label} ${name}.${status.apex}`);
  await send(opts, out, key, status, payload, label);
  const result = await rpc.name(name);
  out.result(result, describeName(result));
}

export function registerNameCommands(program: Command): void {
  const name = program.command('name').description('register and manage names on the naming chain');

  addRecordFlags(
    name
      .command('register <name>')
      .description('register a name: COMMIT, wait one block, REGISTER (an interrupted run resumes where it stopped)')
      .addHelpText('after', '\nExample:\n  dcbt name register alice --a 192.0.2.1 --txt "hello"'),
  ).action((n: string, flags: RecordFlags, cmd: Command) => register(n, flags, cmd));

  addRecordFlags(name.command('update <name>').description('replace all records of a name you own')).action((n: string, flags: RecordFlags, cmd: Command) =>
    ownerAction(n, cmd, 'UPDATE', (label, apex) => ({ type: TxType.UPDATE, name: label, records: parseRecords(recordTexts(flags), label, apex) })),
  );

  name
    .command('transfer <name>')
    .description('give a name you own to another key')
    .requiredOption('--to <publicKey>', 'the new owner\'s public key (64 hex digits)')
    .action((n: string, flags: { to: string }, cmd: Command) => {
      if (!/^[0-9a-f]{64}$/.test(flags.to)) throw new DcbtError('BAD_ARGUMENT', '--to must be a public key of 64 lower-case hex digits (see `dcbt wallet show`)', {});
      return ownerAction(n, cmd, 'TRANSFER', (label) => ({ type: TxType.TRANSFER, name: label, to: fromHex(flags.to) }));
    });

  name
    .command('renew <name>')
    .description('extend a name you own to one full period from now (also in its grace period)')
    .action((n: string, _flags: unknown, cmd: Command) => ownerAction(n, cmd, 'RENEW', (label) => ({ type: TxType.RENEW, name: label })));

  name
    .command('show <name>')
    .description('show a name: owner, status, expiry and records')
    .action(async (n: string, _flags: unknown, cmd: Command) => {
      const opts = globalOptions(cmd);
      const rpc = rpcClient(opts);
      const status = await rpc.status();
      const result = await rpc.name(normaliseName(n, status.apex));
      new Output(opts).result(result, describeName(result));
    });

  name
    .command('proof <name>')
    .description('get a proof of the name (or of its absence) against the latest finalised block')
    .option('--out <file>', 'write the proof to a file instead of stdout')
    .action(async (n: string, flags: { out?: string }, cmd: Command) => {
      const opts = globalOptions(cmd);
      const rpc = rpcClient(opts);
      const status = await rpc.status();
      const proof = await rpc.nameProof(normaliseName(n, status.apex));
      const text = `${JSON.stringify(proof, null, 2)}\n`;
      if (flags.out) {
        await writeFile(flags.out, text);
        new Output(opts).result({ file: flags.out, name: proof.name, value: proof.value !== null }, `proof for ${proof.name} written to ${flags.out}; check it with \`dcbt proof verify ${flags.out}\``);
      } else process.stdout.write(text);
    });

  name
    .command('history <name>')
    .description('list the transactions that changed a name, newest first')
    .option('--limit <n>', 'how many entries', '20')
    .action(async (n: string, flags: { limit: string }, cmd: Command) => {
      const opts = globalOptions(cmd);
      const rpc = rpcClient(opts);
      const status = await rpc.status();
      const h = await rpc.nameHistory(normaliseName(n, status.apex), Number(flags.limit));
      new Output(opts).result(h, () => (h.entries.length === 0 ? `no history for ${h.name}` : h.entries.map((e) => `${String(e.height).padStart(8)}  ${e.type.padEnd(8)}  ${e.id}`).join('\n')));
    });
}
