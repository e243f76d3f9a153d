/**
 * Harness for integration tests against real servers (Debian's prometheus, prometheus-alertmanager)
 * and a real browser (Debian's chromium) on free loopback ports, started by the test and stopped by PID. When a server's binary is missing
 * the suite is skipped with a message, unless KAD_REQUIRE_INTEGRATION=1 (as in CI), where it fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';

/** True when CI demands the integration servers. */
export const REQUIRE_INTEGRATION = process.env.KAD_REQUIRE_INTEGRATION === '1';

/** Paths of the Debian binaries the integration tests use. */
export const BINARIES = {
  prometheus: '/usr/bin/prometheus',
  promtool: '/usr/bin/promtool',
  alertmanager: '/usr/bin/prometheus-alertmanager',
  chromium: '/usr/bin/chromium',
  openssl: '/usr/bin/openssl',
} as const;

/** The Debian package of each binary. */
const PACKAGES: Record<keyof typeof BINARIES, string> = {
  prometheus: 'prometheus', promtool: 'prometheus', alertmanager: 'prometheus-alertmanager', chromium: 'chromium', openssl: 'openssl',
};

/**
 * `describe` that runs only when every binary exists. Otherwise: skipped with the reason, or, with
 * KAD_REQUIRE_INTEGRATION=1, one failing test that names what is missing.
 */
export function describeWithServers(name: string, binaries: (keyof typeof BINARIES)[], fn: () => void): void {
  const missing = binaries.filter((b) => !existsSync(BINARIES[b])).map((b) => BINARIES[b]);
  if (missing.length === 0) {
    describe(name, fn);
    return;
  }
  const packages = [...new Set(binaries.filter((b) => !existsSync(BINARIES[b])).map((b) => PACKAGES[b]))];
  const why = `${missing.join(', ')} not installed (apt-get install ${packages.join(' ')})`;
  if (REQUIRE_INTEGRATION) {
    describe(name, () => it(`needs ${why}`, () => { throw new Error(`KAD_REQUIRE_INTEGRATION=1 but ${why}`); }));
  } else {
    describe.skip(`${name} (skipped: ${why})`, fn);
  }
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A fresh temporary directory. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `kad-${prefix}-`));
}

/** A server process the test started. */
export interface ServerProcess {
  readonly url: string;
  readonly pid: number | undefined;
  /** Output so far (for failure messages). */
  output(): string;
  /** Stops it by PID (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again with the same arguments (same port, same data directory). */
  restart(): Promise<void>;
}

/**
 * Spawns `bin args`, waits until GET `readyUrl` answers 200 (or `readyUrl()` resolves true, for a
 * server behind TLS or a password) up to `timeoutMs`, and returns a handle. `url` is the server's base
 * URL, reported back as is.
 */
export async function startServer(bin: string, args: string[], url: string, readyUrl: string | (() => Promise<boolean>), timeoutMs = 30_000): Promise<ServerProcess> {
  let child: ChildProcess;
  let out = '';
  const launch = async () => {
    child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (b) => (out += b));
    child.stderr!.on('data', (b) => (out += b));
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (child.exitCode !== null) throw new Error(`${bin} exited with ${child.exitCode}:\n${out.slice(-2000)}`);
      try {
        if (typeof readyUrl === 'function' ? await readyUrl() : (await fetch(readyUrl)).status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    throw new Error(`${bin} not ready at ${readyUrl} after ${timeoutMs} ms:\n${out.slice(-2000)}`);
  };
  const stop = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise<void>((r) => child.once('exit', () => r()));
    process.kill(child.pid!, 'SIGTERM');
    const timer = setTimeout(() => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 5_000);
    await done;
    clearTimeout(timer);
  };
  await launch();
  return {
    url,
    get pid() { return child.pid; },
    output: () => out,
    stop,
    restart: async () => { await stop(); await launch(); },
  };
}
