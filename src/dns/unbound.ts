/**
 * Runs a real Unbound validating resolver in front of a DCBT DNS server (tests and local checks):
 * a stub zone for the apex pointing at the server, the KSK DS as the only trust anchor.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, parseDigOutput, requireTool, run } from './testkit.ts';

export interface UnboundInstance {
  readonly port: number;
  /** What Unbound printed so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/** How long to wait for Unbound to answer its first query. */
export const unboundStartTimeoutMs = 10_000;
const unboundPollIntervalMs = 100;

export function unboundConfig(opts: { port: number; apex: string; stubPort: number; trustAnchor: string; directory: string }): string {
  return `server:
  interface: 127.0.0.1@${opts.port}
  port: ${opts.port}
  do-ip6: no
  do-not-query-localhost: no
  username: ""
  chroot: ""
  directory: "${opts.directory}"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 1
  val-log-level: 2
  module-config: "validator iterator"
  local-zone: "test." nodefault
  ${opts.trustAnchor}
remote-control:
  control-enable: no
stub-zone:
  name: "${opts.apex}"
  stub-addr: 127.0.0.1@${opts.stubPort}
`;
}

export async function startUnbound(opts: { apex: string; stubPort: number; trustAnchor: string }): Promise<UnboundInstance> {
  const unbound = requireTool('unbound');
  const dig = requireTool('dig');
  const dir = mkdtempSync(join(tmpdir(), 'dcbt-unbound-'));
  const port = await freePort();
  const confPath = join(dir, 'unbound.conf');
  writeFileSync(confPath, unboundConfig({ ...opts, port, directory: dir }));
  let output = '';
  const child: ChildProcess = spawn(unbound, ['-d', '-c', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.on('exit', () => ((exited = true), resolve())));
  const stop = async (): Promise<void> => {
    if (!exited) child.kill('SIGTERM');
    await exitedPromise;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + unboundStartTimeoutMs;
  while (Date.now() < deadline) {
    if (exited) break;
    const r = await run(dig, ['@127.0.0.1', '-p', String(port), '+time=1', '+tries=1', 'version.server', 'CH', 'TXT']);
    if (r.code === 0 && parseDigOutput(r.stdout).status !== '') return { port, log: () => output, stop };
    await new Promise((resolve) => setTimeout(resolve, unboundPollIntervalMs));
  }
  await stop();
  throw new Error(`unbound did not start on port ${port}:\n${output}`);
}
