/**
 * Test support for src/dns: the Debian programs the tests drive (fail loudly with the apt-get line
 * when one is missing), a child-process runner with a deadline, free ports and zone-file text.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import type { ResourceRecord } from './wire.ts';
import { nameToText } from './wire.ts';

/** Program → Debian package. */
export const DNS_TEST_TOOLS: Record<string, string> = {
  dig: 'bind9-dnsutils',
  delv: 'bind9-dnsutils',
  kdig: 'knot-dnsutils',
  unbound: 'unbound',
  'ldns-verify-zone': 'ldnsutils',
  'ldns-key2ds': 'ldnsutils',
  'ldns-read-zone': 'ldnsutils',
  knotd: 'knot',
  nsd: 'nsd',
  curl: 'curl',
  openssl: 'openssl',
};

export const aptLine = `apt-get update && apt-get install -y --no-install-recommends ${[...new Set(Object.values(DNS_TEST_TOOLS))].join(' ')}`;

function which(program: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${program} || ls /usr/sbin/${program} 2>/dev/null`], { encoding: 'utf8' });
  const path = r.stdout.trim().split('\n')[0];
  return r.status === 0 && path ? path : undefined;
}

/** The path of a program the test needs; throws (so the test fails) with the install line if absent. */
export function requireTool(program: string): string {
  const path = which(program);
  if (!path) throw new Error(`${program} is not installed (Debian package ${DNS_TEST_TOOLS[program] ?? '?'}). As root, run:\n  ${aptLine}`);
  return path;
}

export const toolTimeoutMs = 15_000;

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to completion, killing it after `timeoutMs`. */
export function run(program: string, args: readonly string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? toolTimeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // the program may exit without reading its input
      child.stdin.end(opts.input);
    }
  });
}

/** A port free for both UDP and TCP on 127.0.0.1 at the time of the call. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
      });
    });
    const udpOk = await new Promise<boolean>((resolve) => {
      const sock = createSocket('udp4');
      sock.once('error', () => resolve(false));
      sock.bind(port, '127.0.0.1', () => sock.close(() => resolve(true)));
    });
    if (udpOk) return port;
  }
  throw new Error('no free port found');
}

/** RFC 3597 generic presentation of a record, which every zone-file parser accepts. */
export function rrToGenericText(rr: ResourceRecord): string {
  return `${nameToText(rr.name)} ${rr.ttl} IN TYPE${rr.type} \\# ${rr.rdata.length} ${Buffer.from(rr.rdata).toString('hex')}`.replace(/ 0 $/, ' 0');
}

/** A dig or kdig answer, parsed from its default text output. */
export interface DigResult {
  readonly status: string;
  readonly flags: readonly string[];
  readonly answer: readonly string[];
  readonly authority: readonly string[];
  readonly additional: readonly string[];
  readonly raw: string;
}

/** Parses the text output of dig (BIND) or kdig (Knot): status, header flags and the three sections. */
export function parseDigOutput(text: string): DigResult {
  const status = /status: ([A-Z]+)/i.exec(text)?.[1] ?? '';
  const flagsLine = /;; flags: ([^;]*);/i.exec(text)?.[1] ?? '';
  const sections: Record<string, string[]> = { answer: [], authority: [], additional: [] };
  let current: string | undefined;
  for (const line of text.split('\n')) {
    const header = /^;; (ANSWER|AUTHORITY|ADDITIONAL) SECTION/i.exec(line);
    if (header) {
      current = header[1]!.toLowerCase();
      continue;
    }
    if (line.trim() === '' || line.startsWith(';')) {
      current = undefined;
      continue;
    }
    if (current) sections[current]!.push(line.replace(/\s+/g, ' ').trim());
  }
  return {
    status,
    flags: flagsLine.trim().split(/\s+/).filter(Boolean).map((f) => f.toLowerCase()),
    answer: sections.answer!,
    authority: sections.authority!,
    additional: sections.additional!,
    raw: text,
  };
}

/** The type column of presentation records ('alice.dcbt.test. 300 IN A 192.0.2.1' → 'A'). */
export function rrTypes(lines: readonly string[]): string[] {
  return lines.map((l) => l.split(' ')[3] ?? '');
}

/** Sends one UDP query to 127.0.0.1:port and resolves with the reply; rejects after timeoutMs. */
export function udpAsk(port: number, packet: Uint8Array, timeoutMs = 2000): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error('no UDP reply'));
    }, timeoutMs);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(new Uint8Array(msg));
    });
    sock.send(packet, port, '127.0.0.1');
  });
}
