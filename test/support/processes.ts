/** Running `dcbt` as a real process in tests: one-shot commands and a long-running `start`. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const DCBT_BIN = join(import.meta.dirname, '..', '..', 'bin', 'dcbt.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runDcbt(args: string[], options: { cwd?: string; input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DCBT_BIN, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dcbt ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

export interface Started<T> {
  child: ChildProcess;
  ready: T;
  stderr: () => string;
}

/** Starts a long-running dcbt command with --json and waits for its first JSON line. */
export function startDcbt<T = Record<string, unknown>>(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<Started<T>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DCBT_BIN, ...args, '--json'], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dcbt ${args.join(' ')} did not become ready\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve({ child, ready: JSON.parse(line) as T, stderr: () => stderr });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dcbt ${args.join(' ')} exited with ${code} before it was ready\nstderr: ${stderr}`));
    });
  });
}

export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill(signal);
  return exited;
}
