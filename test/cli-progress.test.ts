/**
 * Progress of the long commands on stderr (issue 14 item 2): a line per finished unit when stderr is
 * not a terminal, none with --quiet, never on stdout; `kad evaluate` without --detector leaves out the
 * slow kinds and says so.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/kad.js';
import type { CommandIO } from '../src/cli/command.js';
import { writeNabFixture } from '../src/evaluate/fixtures.testkit.js';
import { captureIO, exited, spawnKad } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kad-progress-'));
const nab = writeNabFixture();
afterAll(() => [dir, nab].forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A captured IO whose progress goes to `progress` (as stderr when it is not a terminal). */
function withProgress(env: Record<string, string> = {}): CommandIO & { out: string; err: string; progressText: () => string } {
  let text = '';
  const io = captureIO(env);
  return Object.assign(io, { progress: { write: (s: string) => { text += s; }, isTTY: false }, progressText: () => text });
}

describe('kad evaluate progress', () => {
  it('a line per series run with done/total, rate and ETA; --quiet: none; the report is the same', async () => {
    const io = withProgress();
    expect(await main(['evaluate', '--corpus', 'nab', '--data', nab, '--detector', 'zmax', '--detector', 'hst', '--json'], io)).toBe(0);
    const lines = io.progressText().split('\n').filter(Boolean);
    expect(lines).toHaveLength(4); // 2 detectors × 2 series
    expect(lines[0]).toMatch(/^kad evaluate: 1\/4 series runs \(25%\), .*series runs\/(s|min), ETA .*: zmax synthetic\/a\.csv$/);
    expect(lines[3]).toMatch(/^kad evaluate: 4\/4 series runs \(100%\), .*: hst synthetic\/b\.csv$/);
    const quiet = withProgress();
    expect(await main(['evaluate', '--corpus', 'nab', '--data', nab, '--detector', 'zmax', '--detector', 'hst', '--json', '-q'], quiet)).toBe(0);
    expect(quiet.progressText()).toBe('');
    const strip = (s: string) => s.replace(/"seconds": [0-9.e-]+/g, '"seconds": 0');
    expect(strip(quiet.out)).toBe(strip(io.out));
  });

  it('without --detector, leaves out the slow kinds and says how to run them', async () => {
    const io = withProgress();
    expect(await main(['evaluate', '--corpus', 'nab', '--data', nab, '--json', '--limit', '1', '-q'], io)).toBe(0);
    expect(io.err).toMatch(/^kad evaluate: left out the slow kinds lstm-ae \(.*\) and seasonal-band \(.*\); run them with --detector KIND/);
    const kinds = (JSON.parse(io.out) as { detectors: { detector: string }[] }).detectors.map((d) => d.detector);
    expect(kinds).toContain('zmax');
    expect(kinds).not.toContain('lstm-ae');
    expect(kinds).not.toContain('seasonal-band');
  }, 60_000);
});

describe('kad score progress', () => {
  const lines = ['timestamp,value'];
  for (let i = 0; i < 1000; i++) lines.push(`${1_700_000_000 + 300 * i},${(10 + 3 * Math.sin(i / 40) + ((i * 7919) % 100) / 100).toFixed(3)}`);
  const input = join(dir, 'in.csv');
  writeFileSync(input, lines.join('\n') + '\n');

  it('a slow kind reports a line per tenth of the file; --quiet and small files with a fast kind: none; the output is the same', async () => {
    const io = withProgress();
    expect(await main(['score', '--input', input, '--output', join(dir, 'a.csv'), '--detector', 'seasonal-band'], io)).toBe(0);
    const got = io.progressText().split('\n').filter(Boolean);
    expect(got.length).toBeGreaterThanOrEqual(8);
    expect(got.length).toBeLessThanOrEqual(11);
    expect(got[0]).toMatch(/^kad score: \d+\/18 kB \(1\d%\), [0-9.]+ kB\/s, ETA \d+ s, \d+ s elapsed$/);
    expect(got[got.length - 1]).toMatch(/^kad score: 18\/18 kB \(100%\)/);
    const quiet = withProgress();
    expect(await main(['score', '--input', input, '--output', join(dir, 'b.csv'), '--detector', 'seasonal-band', '--quiet'], quiet)).toBe(0);
    expect(quiet.progressText()).toBe('');
    expect(readFileSync(join(dir, 'b.csv'), 'utf8')).toBe(readFileSync(join(dir, 'a.csv'), 'utf8'));
    const fast = withProgress();
    expect(await main(['score', '--input', input, '--output', join(dir, 'c.csv')], fast)).toBe(0);
    expect(fast.progressText()).toBe('');
  });
});

describe('kad train progress', () => {
  it('reports the history it reads, a line per tenth of the steps', async () => {
    const io = withProgress({ KAD_LOG_LEVEL: 'silent' });
    expect(await main(['train', '--output', join(dir, 'models')], io)).toBe(0);
    const got = io.progressText().split('\n').filter(Boolean);
    expect(got.length).toBeGreaterThanOrEqual(2);
    expect(got[got.length - 1]).toMatch(/^kad train: (\d+)\/\1 steps \(100%\), .*: reading the history$/);
  }, 60_000);
});

describe('progress goes to stderr, never stdout', () => {
  it('kad evaluate, not on a terminal: the report on stdout, a line per series run on stderr', async () => {
    const child = spawnKad(['evaluate', '--corpus', 'nab', '--data', nab, '--detector', 'zmax']);
    let out = '';
    let err = '';
    child.stdout!.on('data', (b) => (out += b));
    child.stderr!.on('data', (b) => (err += b));
    expect(await exited(child)).toBe(0);
    expect(out).toContain('NAB std');
    expect(out).not.toContain('series runs');
    expect(err.split('\n').filter((l) => /^kad evaluate: \d\/2 series runs/.test(l))).toHaveLength(2);
    expect(err).not.toContain('\r');
  }, 60_000);
});
