/**
 * `npm start` runs the server as the process npm signals (issue 14 item 1): `prestart` builds only
 * when dist/ is stale, `start` execs node (which serves the dashboard at /), and SIGTERM to npm leaves
 * no process of ours behind.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exited, ROOT, waitFor } from './helpers.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** True while `pid` is running. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start', () => {
  it('builds in prestart only when dist/ is stale, and execs the server (no shell or npm build between)', () => {
    expect(pkg.scripts.prestart).toBe('node scripts/build-if-stale.mjs');
    expect(pkg.scripts.start).toBe('exec node dist/cli/kad.js serve');
  });

  // Skipped when dist/ is older than src/: the test does not build (run `npm run build` first).
  const current = spawnSync(process.execPath, [join(ROOT, 'scripts/build-if-stale.mjs'), '--check']).status === 0;
  it.skipIf(!current)('serves, and SIGTERM to npm stops the server: no node process of ours is left', async () => {
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', KAD_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    npm.stdout!.on('data', (b) => (text += b));
    npm.stderr!.on('data', (b) => (text += b));
    let server = 0;
    try {
      const url = await waitFor(() => /serving on (http:\/\/\S+) /.exec(text)?.[1], 60_000, 'npm start to serve');
      expect((await fetch(`${url}/healthz`)).status).toBeLessThan(500);
      // The dashboard, with no step beyond npm start (its files are read from web/ next to dist/).
      expect(await (await fetch(`${url}/`)).text()).toContain('/ui/app.js');
      expect((await fetch(`${url}/ui/vendor/uPlot.esm.js`)).status).toBe(200);
      const children = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(npm.pid)], { encoding: 'utf8' }).trim().split('\n');
      expect(children, 'npm\'s only child is the server itself').toHaveLength(1);
      expect(children[0]).toContain('node dist/cli/kad.js serve');
      server = Number(children[0].trim().split(/\s+/)[0]);
      npm.kill('SIGTERM');
      await exited(npm);
      await waitFor(() => (alive(server) ? undefined : true), 5_000, 'the server to exit');
    } finally {
      if (server && alive(server)) process.kill(server, 'SIGKILL');
      if (npm.exitCode === null) npm.kill('SIGKILL');
    }
    expect(alive(server)).toBe(false);
  }, 90_000);
});
