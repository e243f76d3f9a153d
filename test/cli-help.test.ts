/**
 * `kad --version`, `kad score --help`'s detector kinds, and help that loads no heavy module (issue 14
 * item 6). The timings themselves are printed by bench/cli-help.bench.ts.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/kad.js';
import { detectorKinds } from '../src/detectors/index.js';
import { captureIO, ROOT } from './helpers.js';

describe('kad --version and help', () => {
  it('prints the package version', async () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-V']) {
      const io = captureIO();
      expect(await main([flag], io)).toBe(0);
      expect(io.out).toBe(`${version}\n`);
    }
  });

  it('kad score --help and kad evaluate --help list every detector kind', async () => {
    for (const cmd of ['score', 'evaluate']) {
      const io = captureIO();
      expect(await main([cmd, '--help'], io)).toBe(0);
      for (const kind of detectorKinds()) expect(io.out, `${cmd}: ${kind}`).toMatch(new RegExp(`[ :,]${kind}[,.\\n]`));
    }
  });

  // Against dist/ when it is current (the test does not build): help loads neither tfjs nor the server.
  const current = spawnSync(process.execPath, [join(ROOT, 'scripts/build-if-stale.mjs'), '--check']).status === 0;
  it.skipIf(!current)('answers --version and the help of score, evaluate, train and simulate without loading tfjs or the server', () => {
    // A hook that fails the run when a heavy module is imported.
    const hook = 'data:text/javascript,' + encodeURIComponent(
      'export async function resolve(s, c, next) { if (/tfjs|fastify|main\\.js$|typebox/.test(s)) throw new Error("loaded " + s); return next(s, c); }',
    );
    const register = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hook)});`)}`;
    for (const args of [['--version'], ['--help'], ['score', '--help'], ['evaluate', '--help'], ['train', '--help'], ['simulate', '--help']]) {
      const r = spawnSync(process.execPath, ['--import', register, join(ROOT, 'dist/cli/kad.js'), ...args], { encoding: 'utf8' });
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.status, args.join(' ')).toBe(0);
    }
  });
});
