/**
 * Test support: real secondary servers pulling the zone from a DCBT node. Knot DNS (knotd) and
 * NSD run in the foreground from a temporary directory on a free loopback port, with TSIG for
 * transfers and NOTIFY; `stop()` kills the process and removes the directory.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireTool, run } from '../testkit.ts';
import type { TsigKeyConfig } from './tsig.ts';

export type SecondaryKind = 'knot' | 'nsd';

export interface SecondaryInstance {
  readonly kind: SecondaryKind;
  readonly port: number;
  /** What the server logged so far. */
  log(): string;
  /** The SOA serial it serves, or undefined while it has no zone. */
  serial(): Promise<number | undefined>;
  stop(): Promise<void>;
}

export interface SecondaryOptions {
  readonly apex: string;
  /** Where the secondary listens (UDP and TCP); a free port when absent. */
  readonly port?: number;
  readonly primaryPort: number;
  readonly tsig: TsigKeyConfig;
}

/** How long a secondary gets to start answering. */
export const secondaryStartTimeoutMs = 15_000;
export const secondaryPollIntervalMs = 100;

export function knotConfig(opts: SecondaryOptions & { dir: string; port: number }): string {
  const key = opts.tsig.name.endsWith('.') ? opts.tsig.name : `${opts.tsig.name}.`;
  return `server:
    rundir: "${opts.dir}"
    listen: 127.0.0.1@${opts.port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stdout
    any: info
database:
    storage: "${opts.dir}/db"
key:
  - id: ${key}
    algorithm: ${opts.tsig.algorithm}
    secret: ${opts.tsig.secretBase64}
remote:
  - id: primary
    address: 127.0.0.1@${opts.primaryPort}
    key: ${key}
acl:
  - id: notify-from-primary
    address: 127.0.0.1
    key: ${key}
    action: notify
template:
  - id: default
    storage: "${opts.dir}/zones"
    zonefile-sync: -1
    zonefile-load: none
    journal-content: changes
zone:
  - domain: ${opts.apex}
    master: primary
    acl: notify-from-primary
    # Knot checks every RRSIG and the NSEC chain of each AXFR and IXFR, and refuses the zone or
    # the update when anything is wrong.
    dnssec-validation: on
`;
}

export function nsdConfig(opts: SecondaryOptions & { dir: string; port: number }): string {
  return `server:
  ip-address: 127.0.0.1@${opts.port}
  port: ${opts.port}
  do-ip6: no
  server-count: 1
  username: ""
  chroot: ""
  zonesdir: "${opts.dir}"
  database: ""
  zonelistfile: "${opts.dir}/zone.list"
  xfrdfile: "${opts.dir}/xfrd.state"
  xfrdir: "${opts.dir}"
  pidfile: "${opts.dir}/nsd.pid"
  logfile: "${opts.dir}/nsd.log"
  verbosity: 2
remote-control:
  control-enable: no
key:
  name: "${opts.tsig.name}"
  algorithm: ${opts.tsig.algorithm}
  secret: "${opts.tsig.secretBase64}"
zone:
  name: "${opts.apex}"
  zonefile: "secondary.zone"
  request-xfr: 127.0.0.1@${opts.primaryPort} ${opts.tsig.name}
  allow-notify: 127.0.0.1 ${opts.tsig.name}
`;
}

export async function startSecondary(kind: SecondaryKind, opts: SecondaryOptions): Promise<SecondaryInstance> {
  const program = requireTool(kind === 'knot' ? 'knotd' : 'nsd');
  const kdig = requireTool('kdig');
  const dir = mkdtempSync(join(tmpdir(), `dcbt-${kind}-`));
  const port = opts.port ?? (await freePort());
  const conf = join(dir, `${kind}.conf`);
  if (kind === 'knot') {
    mkdirSync(join(dir, 'db'));
    mkdirSync(join(dir, 'zones'));
    writeFileSync(conf, knotConfig({ ...opts, dir, port }));
  } else {
    writeFileSync(conf, nsdConfig({ ...opts, dir, port }));
  }
  let output = '';
  const args = kind === 'knot' ? ['-c', conf] : ['-d', '-c', conf];
  const child: ChildProcess = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.on('exit', () => ((exited = true), resolve())));
  const log = (): string => {
    if (kind === 'knot') return output;
    try {
      return output + readFileSync(join(dir, 'nsd.log'), 'utf8');
    } catch {
      return output;
    }
  };
  const stop = async (): Promise<void> => {
    if (!exited) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exitedPromise;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  const serial = async (): Promise<number | undefined> => {
    const r = await run(kdig, ['@127.0.0.1', '-p', String(port), '+timeout=1', '+retry=0', '+norec', '+short', opts.apex, 'SOA']);
    const fields = r.stdout.trim().split(/\s+/);
    return fields.length === 7 ? Number(fields[2]) : undefined;
  };
  const deadline = Date.now() + secondaryStartTimeoutMs;
  while (Date.now() < deadline && !exited) {
    const r = await run(kdig, ['@127.0.0.1', '-p', String(port), '+timeout=1', '+retry=0', '+norec', opts.apex, 'SOA']);
    if (/status: /.test(r.stdout)) return { kind, port, log, serial, stop };
    await new Promise((resolve) => setTimeout(resolve, secondaryPollIntervalMs));
  }
  const text = log();
  await stop();
  throw new Error(`${kind} did not start on port ${port}:\n${text}`);
}

/** Polls until the secondary serves `serial` (or the timeout passes); returns what it last served. */
export async function waitForSerial(secondary: SecondaryInstance, serial: number, timeoutMs = secondaryStartTimeoutMs): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  let seen: number | undefined;
  while (Date.now() < deadline) {
    seen = await secondary.serial();
    if (seen === serial) return seen;
    await new Promise((resolve) => setTimeout(resolve, secondaryPollIntervalMs));
  }
  return seen;
}
