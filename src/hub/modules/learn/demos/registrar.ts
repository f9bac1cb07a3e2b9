/**
 * The registration demo's server side: registers a visitor's name on the devnet the hub is
 * connected to, through the node's RPC, the way `dcbt name register` does (COMMIT, wait,
 * REGISTER, read back).
 *
 * Keys: each registration gets a throw-away Ed25519 key, made in memory when it starts and
 * dropped when it ends. It is never stored, logged or sent to the browser; the name it owns can
 * never be changed or transferred, and it expires after the chain's registration period. A fresh
 * key per registration also means fresh account nonces, so concurrent registrations never race.
 *
 * Progress is kept in the hub's database (`learn_demo_registrations`), so the status page can be
 * served by any hub process and survives reloads. The job itself runs in the process that
 * accepted the form; a job that stops updating its row (the process stopped) is shown as
 * interrupted.
 *
 * Guard rails: only on chains whose id says devnet or testnet; at most `jobsRunningMax` jobs at
 * once per process; `perAddressPerHourMax` starts per client address (kept in memory only, never
 * written down); a bounded proof of work; every wait bounded by `jobTimeoutMs`.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { commitmentHash } from '../../../../chain/codec.ts';
import { generateKeyPair } from '../../../../chain/crypto.ts';
import type { GenesisFile } from '../../../../chain/genesis.ts';
import { normaliseName } from '../../../../chain/names.ts';
import { parseRecord, sortRecords, type RecordText } from '../../../../chain/records.ts';
import { buildTx } from '../../../../chain/tx.ts';
import { TxType } from '../../../../chain/types.ts';
import { DcbtError } from '../../../../errors.ts';
import { RpcClient, type StatusJson } from '../../../../rpc/client.ts';
import type { NameJson } from '../../../../rpc/views.ts';
import type { HubDb } from '../../../db/index.ts';
import type { Migration } from '../../../db/migrate.ts';

export interface DemoLimits {
  /** Registrations running at once in one hub process. */
  jobsRunningMax: number;
  /** Registrations one client address may start in an hour. */
  perAddressPerHourMax: number;
  /** Client addresses remembered for that limit (oldest forgotten first). */
  addressesTrackedMax: number;
  /** A whole registration, from the form to the name read back. */
  jobTimeoutMs: number;
  /** How often a running job asks the node for news (and marks its row as alive). */
  pollIntervalMs: number;
  /** A job whose row has not changed for this long, and that no process here runs, is shown as interrupted. */
  staleAfterMs: number;
  /** The most proof of work the hub does for a transaction (2^bits hashes on average). */
  powBitsMax: number;
  /** Rows older than this are deleted when a new registration starts. */
  retentionMs: number;
  /** One RPC call. */
  rpcTimeoutMs: number;
  /** The node check when the form page is drawn (a slow node must not hold the page). */
  statusTimeoutMs: number;
}

export const DEFAULT_DEMO_LIMITS: DemoLimits = {
  jobsRunningMax: 4,
  perAddressPerHourMax: 5,
  addressesTrackedMax: 10_000,
  jobTimeoutMs: 120_000,
  pollIntervalMs: 250,
  staleAfterMs: 30_000,
  powBitsMax: 16,
  retentionMs: 7 * 24 * 3600 * 1000,
  rpcTimeoutMs: 10_000,
  statusTimeoutMs: 3_000,
};

/** Chains the demo will register on: their ids say they are for trying things out. */
export const DEMO_CHAIN_ID_PATTERN = /(^|-)(devnet|testnet)(-|$)/;

/** What a demo name points at: a documentation address (RFC 5737) and a note. */
export const DEMO_RECORDS: readonly RecordText[] = [
  { host: '', type: 'A', value: '192.0.2.1' },
  { host: '', type: 'TXT', value: '"registered with the DCBT hub demo"' },
];

export type JobStep = 'commit' | 'wait' | 'register' | 'resolve' | 'done' | 'failed';
export const JOB_STEPS: readonly JobStep[] = ['commit', 'wait', 'register', 'resolve'];

/** A registration as the status page shows it. */
export interface DemoRegistration {
  id: string;
  name: string;
  fqdn: string;
  step: JobStep;
  /** The step that failed, when step is "failed". */
  failedStep: JobStep | undefined;
  error: DemoError | undefined;
  commitTx: string | undefined;
  commitHeight: number | undefined;
  registerTx: string | undefined;
  registerHeight: number | undefined;
  tipHeight: number | undefined;
  targetHeight: number | undefined;
  commitMinBlocks: number;
  result: NameJson | undefined;
  createdAt: string;
  updatedAt: string;
}

/**
 * A reason a registration could not start or stopped. `key` names the message under
 * learn.demos.register.error.*; `code` is the node's or the hub's error code.
 */
export interface DemoError {
  key: string;
  code: string;
  /** The English message from the node or the name rules, shown as a detail. */
  detail?: string;
  params?: Record<string, string | number>;
  /** HTTP status for the form's answer. */
  status: number;
  field?: 'name';
}

// ---- storage ------------------------------------------------------------------------------------

type RegistrationRow = {
  id: string;
  name: string;
  fqdn: string;
  step: string;
  failed_step: string | null;
  error_key: string | null;
  error_code: string | null;
  error_detail: string | null;
  commit_tx: string | null;
  commit_height: number | null;
  register_tx: string | null;
  register_height: number | null;
  tip_height: number | null;
  target_height: number | null;
  commit_min_blocks: number;
  result_json: string | null;
  created_at: string;
  updated_at: string;
};

type DemoTables = {
  learn_demo_registrations: RegistrationRow;
};

export const demoMigrations: readonly Migration[] = [
  {
    id: '0001-demo-registrations',
    async up(db) {
      await db.schema
        .createTable('learn_demo_registrations')
        .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('fqdn', 'varchar(300)', (c) => c.notNull())
        .addColumn('step', 'varchar(20)', (c) => c.notNull())
        .addColumn('failed_step', 'varchar(20)')
        .addColumn('error_key', 'varchar(40)')
        .addColumn('error_code', 'varchar(60)')
        .addColumn('error_detail', 'text')
        .addColumn('commit_tx', 'varchar(64)')
        .addColumn('commit_height', 'integer')
        .addColumn('register_tx', 'varchar(64)')
        .addColumn('register_height', 'integer')
        .addColumn('tip_height', 'integer')
        .addColumn('target_height', 'integer')
        .addColumn('commit_min_blocks', 'integer', (c) => c.notNull())
        .addColumn('result_json', 'text')
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('learn_demo_registrations_created').on('learn_demo_registrations').column('created_at').execute();
    },
  },
];

const optional = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

function fromRow(row: RegistrationRow): DemoRegistration {
  return {
    id: row.id,
    name: row.name,
    fqdn: row.fqdn,
    step: row.step as JobStep,
    failedStep: optional(row.failed_step) as JobStep | undefined,
    error:
      row.error_key === null
        ? undefined
        : { key: row.error_key, code: row.error_code ?? '', status: 500, ...(row.error_detail === null ? {} : { detail: row.error_detail }) },
    commitTx: optional(row.commit_tx),
    commitHeight: optional(row.commit_height),
    registerTx: optional(row.register_tx),
    registerHeight: optional(row.register_height),
    tipHeight: optional(row.tip_height),
    targetHeight: optional(row.target_height),
    commitMinBlocks: row.commit_min_blocks,
    result: row.result_json === null ? undefined : (JSON.parse(row.result_json) as NameJson),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

// ---- errors -------------------------------------------------------------------------------------

const NAME_ERROR_KEYS: Record<string, string> = {
  NAME_EMPTY: 'empty',
  NAME_MULTI_LABEL: 'dot',
  NAME_TOO_LONG: 'long',
  NAME_INVALID_CHAR: 'char',
  NAME_HYPHEN: 'hyphen',
  NAME_MIXED_SCRIPT: 'script',
  NAME_CONFUSABLE: 'confusable',
};

/** Maps an error from the name rules, the node or the job to what the page says. */
export function demoError(error: unknown, fqdn = ''): DemoError {
  if (!(error instanceof DcbtError)) return { key: 'refused', code: 'INTERNAL', params: { code: 'INTERNAL' }, status: 500 };
  const code = error.code;
  if (code === 'NAME_TAKEN') return { key: 'taken', code, params: { fqdn }, status: 409, field: 'name' };
  if (code === 'NAME_RESERVED') return { key: 'reserved', code, params: { fqdn }, status: 409, field: 'name' };
  if (code === 'NAME_OUTSIDE_APEX') return { key: 'dot', code, detail: error.message, status: 400, field: 'name' };
  if (code.startsWith('NAME_')) return { key: NAME_ERROR_KEYS[code] ?? 'name', code, detail: error.message, status: 400, field: 'name' };
  if (code === 'RPC_UNREACHABLE' || code === 'RPC_BAD_RESPONSE') return { key: 'unreachable', code, status: 503 };
  if (code === 'DEMO_TIMEOUT' || code === 'TX_TIMEOUT') return { key: 'timeout', code, status: 504 };
  if (code === 'DEMO_INTERRUPTED') return { key: 'interrupted', code, status: 503 };
  if (code === 'DEMO_BUSY') return { key: 'busy', code, status: 503 };
  if (code === 'DEMO_POW') return { key: 'pow', code, status: 503 };
  if (code === 'DEMO_NOT_DEVNET') return { key: 'notDevnet', code, status: 503 };
  return { key: 'refused', code, params: { code }, detail: error.message, status: 502 };
}

// ---- the registrar ------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface NodeInfo {
  status: StatusJson;
  genesis: GenesisFile;
}

export class DemoRegistrar {
  readonly rpcUrl: string;
  readonly limits: DemoLimits;
  readonly #db: Kysely<DemoTables>;
  readonly #rpc: RpcClient;
  readonly #quick: RpcClient;
  readonly #now: () => number;
  readonly #running = new Map<string, Promise<void>>();
  readonly #starts = new Map<string, number[]>();
  #genesis: { hash: string; file: GenesisFile } | undefined;
  #closing = false;

  constructor(options: { db: HubDb; rpcUrl: string; limits?: Partial<DemoLimits>; now?: () => number }) {
    this.rpcUrl = options.rpcUrl;
    this.limits = { ...DEFAULT_DEMO_LIMITS, ...options.limits };
    this.#db = options.db.withTables<DemoTables>();
    this.#rpc = new RpcClient(options.rpcUrl, { timeoutMs: this.limits.rpcTimeoutMs });
    this.#quick = new RpcClient(options.rpcUrl, { timeoutMs: this.limits.statusTimeoutMs });
    this.#now = options.now ?? Date.now;
  }

  /** The node's status and genesis; throws DcbtError when the node cannot be used for the demo. */
  async node(): Promise<NodeInfo> {
    const status = await this.#quick.status();
    if (this.#genesis?.hash !== status.genesisHash) this.#genesis = { hash: status.genesisHash, file: await this.#quick.genesis() };
    const genesis = this.#genesis.file;
    if (!DEMO_CHAIN_ID_PATTERN.test(status.chainId)) {
      throw new DcbtError('DEMO_NOT_DEVNET', `chain ${status.chainId} is not a devnet or testnet: the demo registers only where names are for trying out`, { chainId: status.chainId });
    }
    if (genesis.params.powBits > this.limits.powBitsMax) {
      throw new DcbtError('DEMO_POW', `the chain asks for ${genesis.params.powBits} bits of proof of work; the demo does at most ${this.limits.powBitsMax}`, { powBits: genesis.params.powBits });
    }
    return { status, genesis };
  }

  /** Checks the name and starts its registration; returns its id, or why it cannot start. */
  async start(rawName: string, address: string): Promise<{ ok: true; id: string } | { ok: false; error: DemoError }> {
    const nowMs = this.#now();
    const recent = (this.#starts.get(address) ?? []).filter((t) => nowMs - t < 3600_000);
    if (recent.length >= this.limits.perAddressPerHourMax) {
      return { ok: false, error: { key: 'rate', code: 'DEMO_RATE_LIMITED', params: { count: this.limits.perAddressPerHourMax }, status: 429 } };
    }
    if (this.#closing || this.#running.size >= this.limits.jobsRunningMax) return { ok: false, error: demoError(new DcbtError('DEMO_BUSY', 'too many registrations running', {})) };

    let fqdn = '';
    let info: NodeInfo;
    let name: string;
    try {
      info = await this.node();
      name = normaliseName(rawName, info.status.apex);
      fqdn = `${name}.${info.status.apex}`;
      if (info.genesis.reservedNames.includes(name)) throw new DcbtError('NAME_RESERVED', `${name} is reserved`, { name });
      const existing = await this.#rpc.nameOrUndefined(name);
      if (existing !== undefined) throw new DcbtError('NAME_TAKEN', `${fqdn} is registered`, { name });
    } catch (error) {
      return { ok: false, error: demoError(error, fqdn) };
    }
    // Checked again: other starts may have run while this one waited for the node.
    if (this.#closing || this.#running.size >= this.limits.jobsRunningMax) return { ok: false, error: demoError(new DcbtError('DEMO_BUSY', 'too many registrations running', {})) };

    this.#remember(address, [...recent, nowMs]);
    const id = randomBytes(16).toString('base64url');
    const at = new Date(nowMs).toISOString();
    await this.#db.deleteFrom('learn_demo_registrations').where('created_at', '<', new Date(nowMs - this.limits.retentionMs).toISOString()).execute();
    await this.#db
      .insertInto('learn_demo_registrations')
      .values({
        id,
        name,
        fqdn,
        step: 'commit',
        failed_step: null,
        error_key: null,
        error_code: null,
        error_detail: null,
        commit_tx: null,
        commit_height: null,
        register_tx: null,
        register_height: null,
        tip_height: info.status.height,
        target_height: null,
        commit_min_blocks: info.genesis.params.commitMinBlocks,
        result_json: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
    const job = this.#run(id, name, fqdn, info).finally(() => this.#running.delete(id));
    this.#running.set(id, job);
    return { ok: true, id };
  }

  #remember(address: string, times: number[]): void {
    this.#starts.delete(address);
    this.#starts.set(address, times);
    while (this.#starts.size > this.limits.addressesTrackedMax) this.#starts.delete(this.#starts.keys().next().value!);
  }

  async get(id: string): Promise<DemoRegistration | undefined> {
    const row = await this.#db.selectFrom('learn_demo_registrations').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) return undefined;
    const registration = fromRow(row);
    const final = registration.step === 'done' || registration.step === 'failed';
    const silentMs = this.#now() - Date.parse(registration.updatedAt);
    if (!final && !this.#running.has(id) && silentMs > this.limits.staleAfterMs) {
      return { ...registration, step: 'failed', failedStep: registration.step, error: demoError(new DcbtError('DEMO_INTERRUPTED', 'the hub stopped', {})) };
    }
    return registration;
  }

  /** Resolves when the registration's job has ended (at once if none runs here). */
  async settled(id: string): Promise<void> {
    await this.#running.get(id);
  }

  get running(): number {
    return this.#running.size;
  }

  /** Stops the running jobs at their next poll (they are recorded as interrupted). */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.allSettled([...this.#running.values()]);
  }

  async #update(id: string, values: Partial<Omit<RegistrationRow, 'id' | 'created_at'>>): Promise<void> {
    await this.#db
      .updateTable('learn_demo_registrations')
      .set({ ...values, updated_at: new Date(this.#now()).toISOString() })
      .where('id', '=', id)
      .execute();
  }

  #check(deadline: number): void {
    if (this.#closing) throw new DcbtError('DEMO_INTERRUPTED', 'the hub is stopping', {});
    if (this.#now() > deadline) throw new DcbtError('DEMO_TIMEOUT', `the registration took longer than ${this.limits.jobTimeoutMs} ms`, {});
  }

  /** Polls until the transaction is in a block; rejection or loss throws the node's error. */
  async #included(id: string, txId: string, deadline: number): Promise<number> {
    for (;;) {
      this.#check(deadline);
      const s = await this.#rpc.txStatus(txId);
      if (s.status === 'included') return s.height;
      if (s.status === 'rejected') throw new DcbtError(s.code, s.message, { txId });
      if (s.status === 'unknown') throw new DcbtError('TX_LOST', `the node no longer knows transaction ${txId}`, { txId });
      await this.#update(id, {});
      await sleep(this.limits.pollIntervalMs);
    }
  }

  async #run(id: string, name: string, fqdn: string, info: NodeInfo): Promise<void> {
    const deadline = this.#now() + this.limits.jobTimeoutMs;
    const { chainId, apex } = info.status;
    const { powBits, commitMinBlocks } = info.genesis.params;
    let step: JobStep = 'commit';
    try {
      const key = generateKeyPair();
      const salt = new Uint8Array(randomBytes(32));
      const commit = buildTx({ chainId, account: key.publicKey, nonce: 0, payload: { type: TxType.COMMIT, commitment: commitmentHash(name, key.publicKey, salt) } }, key, powBits);
      this.#check(deadline);
      const { txId: commitTx } = await this.#rpc.submitTx(commit);
      await this.#update(id, { commit_tx: commitTx });
      const commitHeight = await this.#included(id, commitTx, deadline);
      // The REGISTER goes into the block after the tip: it must be commitMinBlocks after the COMMIT.
      const target = commitHeight + commitMinBlocks;
      step = 'wait';
      await this.#update(id, { step, commit_height: commitHeight, target_height: target, tip_height: commitHeight });
      for (;;) {
        this.#check(deadline);
        const tip = (await this.#rpc.status()).height;
        await this.#update(id, { tip_height: tip });
        if (tip + 1 >= target) break;
        await sleep(this.limits.pollIntervalMs);
      }

      step = 'register';
      await this.#update(id, { step });
      const records = sortRecords(DEMO_RECORDS.map((r) => parseRecord(r, { name, apex })));
      const register = buildTx({ chainId, account: key.publicKey, nonce: 1, payload: { type: TxType.REGISTER, name, salt, records } }, key, powBits);
      this.#check(deadline);
      const { txId: registerTx } = await this.#rpc.submitTx(register);
      await this.#update(id, { register_tx: registerTx });
      const registerHeight = await this.#included(id, registerTx, deadline);

      step = 'resolve';
      await this.#update(id, { step, register_height: registerHeight });
      const result = await this.#rpc.name(name);
      await this.#update(id, { step: 'done', result_json: JSON.stringify(result) });
    } catch (error) {
      const e = demoError(error, fqdn);
      try {
        await this.#update(id, { step: 'failed', failed_step: step, error_key: e.key, error_code: e.code, error_detail: e.detail ?? null });
      } catch {
        // The database closed under us (the hub is stopping): the row goes stale and reads as interrupted.
      }
    }
  }
}
