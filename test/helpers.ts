/** Shared helpers for the integration and end-to-end tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandIO } from '../src/cli/command.js';

/** The project root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** `../shared/data`, where the labeled corpora live, or null when it is absent. */
export const DATA_DIR: string | null = (() => {
  const d = resolve(ROOT, '..', 'shared', 'data');
  return existsSync(d) ? d : null;
})();

/** Captures what a command writes. */
export function captureIO(env: Record<string, string | undefined> = {}): CommandIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    env,
    stopSignal: new AbortController().signal,
    stdout: (s: string) => { io.out += s; },
    stderr: (s: string) => { io.err += s; },
  };
  return io;
}

/** Starts `kad ARGS…` from the TypeScript sources as a child process. */
export function spawnKad(args: string[], env: Record<string, string> = {}): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/kad.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, KAD_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (b) => (text += b));
  child.stderr!.on('data', (b) => (text += b));
  return Object.assign(child, { output: () => text });
}

/** Polls `fn` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** Resolves with the exit code when `child` exits. */
export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));
}
