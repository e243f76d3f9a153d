/**
 * `kad score` streams (issue 14 item 3): peak RSS does not grow with the file's length for a streaming
 * detector. A 2,000,000-row × 1-column file (about 35 MB) is scored under 200 MB; the same detector on
 * a file a tenth as long peaks within 64 MB of it. Runs the built CLI (tsx's loader thread would
 * add its own memory), so it is skipped when dist/ is stale; Linux only (reads VmHWM from /proc).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exited, ROOT } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kad-stream-'));

function generate(path: string, rows: number): string {
  const fd = openSync(path, 'w');
  writeSync(fd, 'timestamp,value\n');
  let lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    lines.push(`${1_600_000_000 + 60 * i},${(10 + 5 * Math.sin(i / 300) + ((i * 7919) % 1000) / 500).toFixed(3)}`);
    if (lines.length === 100_000 || i === rows - 1) {
      writeSync(fd, lines.join('\n') + '\n');
      lines = [];
    }
  }
  closeSync(fd);
  return path;
}

/** Runs `kad score` on `input`; resolves with the peak RSS in MB (VmHWM, polled until it exits). */
async function peakRss(input: string, out: string): Promise<number> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli/kad.js'), 'score', '--input', input, '--output', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b) => (err += b));
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch {
      // exited
    }
  }, 50);
  const code = await exited(child);
  clearInterval(poll);
  expect(code, err).toBe(0);
  return peak;
}

const current = spawnSync(process.execPath, [join(ROOT, 'scripts/build-if-stale.mjs'), '--check']).status === 0;

describe.skipIf(!existsSync('/proc/self/status') || !current)('kad score memory', () => {
  it('scores 2,000,000 rows under 200 MB peak RSS, about as much as 200,000 rows', async () => {
    const big = generate(join(dir, 'big.csv'), 2_000_000);
    const small = generate(join(dir, 'small.csv'), 200_000);
    const bigPeak = await peakRss(big, join(dir, 'big-out.csv'));
    const smallPeak = await peakRss(small, join(dir, 'small-out.csv'));
    console.log(`kad score peak RSS: ${bigPeak.toFixed(0)} MB for 2,000,000 rows, ${smallPeak.toFixed(0)} MB for 200,000`);
    expect(statSync(join(dir, 'big-out.csv')).size).toBeGreaterThan(2_000_000 * 10);
    expect(bigPeak).toBeLessThan(200);
    expect(bigPeak - smallPeak).toBeLessThan(64);
  }, 120_000);
});
