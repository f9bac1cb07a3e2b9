/**
 * A throwaway PostgreSQL cluster for a test run: initdb into a temporary folder, a server on a
 * free loopback port (Unix socket in the same folder), trust authentication, durability off
 * (nothing in it outlives the run). `npm test` starts one to run the hub's tests a second time
 * on PostgreSQL; each test then creates its own database in it (src/hub/testing.ts).
 *
 * initdb refuses to run as root, so as root the cluster belongs to the `postgres` system user
 * (created by Debian's package) and every server command runs through `runuser`.
 *
 * pg_ctl detaches the server from its caller, so a test run killed outright (SIGKILL, a CI
 * timeout) would leave it running: a small detached watchdog stops it and deletes the folder
 * once the process that started it is gone.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DcbtError } from '../../src/errors.ts';

/** Where the hub's tests look for a PostgreSQL server (TEST_DATABASE_ENV in src/hub/testing.ts). */
export const HUB_TEST_DATABASE_ENV = 'HUB_TEST_DATABASE_URL';

/** The Debian package that provides the server binaries. */
export const POSTGRES_PACKAGE = 'postgresql';

/** How long pg_ctl may wait for the server to start or stop. */
const PG_CTL_WAIT_SECONDS = 30;

/** How often the watchdog checks that the process that started the cluster still exists. */
const WATCHDOG_INTERVAL_SECONDS = 1;

/** Enough for two test files at once, each with a few pools of ≤ 10 connections. */
const MAX_CONNECTIONS = 200;

export class PostgresClusterError extends DcbtError<'POSTGRES_CLUSTER'> {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('POSTGRES_CLUSTER', message, details);
  }
}

/** The newest /usr/lib/postgresql/<version>/bin holding initdb, or undefined. */
export function findPostgresBin(root = '/usr/lib/postgresql'): string | undefined {
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length === 0 ? undefined : join(root, versions[0]!, 'bin');
}

export interface PostgresCluster {
  /** Superuser URL of the `postgres` database, e.g. postgres://postgres@127.0.0.1:41234/postgres */
  readonly url: string;
  readonly dir: string;
  /** Stops the server (immediate shutdown) and deletes the folder. Synchronous, safe to call twice. */
  stop(): void;
}

async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

function systemUserIds(name: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export async function startPostgresCluster(options: { binDir?: string } = {}): Promise<PostgresCluster> {
  const binDir = options.binDir ?? findPostgresBin();
  if (binDir === undefined) {
    throw new PostgresClusterError(`PostgreSQL server binaries not found under /usr/lib/postgresql; install them with: apt-get install -y ${POSTGRES_PACKAGE}`);
  }
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? systemUserIds('postgres') : undefined;
  if (asRoot && owner === undefined) {
    throw new PostgresClusterError('running as root but there is no "postgres" system user to own the test cluster (initdb refuses root); reinstall the postgresql package');
  }
  const dir = mkdtempSync(join(tmpdir(), 'dcbt-pg-'));
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const exec = (program: string, args: string[]) => {
    const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(binDir, program), ...args]] : [join(binDir, program), args];
    return spawnSync(command, argv, { encoding: 'utf8', cwd: dir });
  };

  let running = false;
  let watchdog: ReturnType<typeof spawn> | undefined;
  const stop = (): void => {
    if (running) {
      exec('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w', '-t', String(PG_CTL_WAIT_SECONDS)]);
      running = false;
    }
    rmSync(dir, { recursive: true, force: true });
    if (watchdog?.exitCode === null) watchdog.kill();
  };
  const startWatchdog = (): void => {
    const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
    const pgCtl = [...(asRoot ? ['runuser', '-u', 'postgres', '--'] : []), join(binDir, 'pg_ctl'), 'stop', '-D', data, '-m', 'immediate'].map(quote).join(' ');
    const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep ${WATCHDOG_INTERVAL_SECONDS}; done; ${pgCtl} >/dev/null 2>&1; rm -rf ${quote(dir)}`;
    watchdog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
    watchdog.unref();
  };

  try {
    const init = exec('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    if (init.status !== 0) throw new PostgresClusterError(`initdb failed: ${init.stderr.trim()}`, { dir });
    // A port can be taken between the probe and the server's bind: try a few.
    for (let attempt = 0; attempt < 5 && !running; attempt++) {
      const port = await freeTcpPort();
      const settings = [
        `-p ${port}`,
        `-k ${dir}`,
        '-c listen_addresses=127.0.0.1',
        `-c max_connections=${MAX_CONNECTIONS}`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
      ].join(' ');
      const start = exec('pg_ctl', ['start', '-D', data, '-l', log, '-w', '-t', String(PG_CTL_WAIT_SECONDS), '-o', settings]);
      if (start.status === 0) {
        running = true;
        startWatchdog();
        return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dir, stop };
      }
    }
    const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-10).join('\n') : '';
    throw new PostgresClusterError(`the test PostgreSQL server did not start; its log ends with:\n${tail}`, { dir });
  } catch (error) {
    stop();
    throw error;
  }
}
