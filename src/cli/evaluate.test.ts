import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.js';
import { writeAsdFixture, writeNabFixture } from '../evaluate/fixtures.testkit.js';
import type { LocoResult } from '../evaluate/loco.js';
import type { EvaluationReport } from '../evaluate/report.js';
import { parseCommandArgs } from './command.js';
import { evaluateCommand } from './evaluate-command.js';
import { parseParams } from './evaluate.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { stdout: (s: string) => { out += s; }, stderr: (s: string) => { err += s; }, env: {}, stopSignal: new AbortController().signal };
  const code = await evaluateCommand.run(parseCommandArgs(evaluateCommand, argv), io);
  return { code, out, err };
}

describe('kad evaluate', () => {
  const dir = writeNabFixture();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the table, or JSON with --json, for the chosen detectors', async () => {
    const table = await run(['--corpus', 'nab', '--data', dir, '--detector', 'zmax']);
    expect(table.code).toBe(0);
    expect(table.out).toContain('NAB std');
    const json = await run(['--corpus', 'nab', '--data', dir, '--detector', 'zmax', '--detector', 'iforest', '--json', '--limit', '1']);
    const report = JSON.parse(json.out) as EvaluationReport;
    expect(report.detectors.map((d) => d.detector)).toEqual(['zmax', 'iforest']);
    expect(report.detectors[0].series.map((s) => s.name)).toEqual(['synthetic/a.csv']);
  });

  it('scores a file whose time goes backwards, saying so once; --strict-time rejects it', async () => {
    const b = join(dir, 'data', 'synthetic', 'b.csv');
    const clean = readFileSync(b, 'utf8');
    try {
      const lines = clean.split('\n');
      [lines[301], lines[302]] = [lines[302], lines[301]]; // rows 300 and 301 swapped
      writeFileSync(b, lines.join('\n'));
      const r = await run(['--corpus', 'nab', '--data', dir, '--detector', 'zmax']);
      expect(r.code).toBe(0);
      expect(r.err).toMatch(/^kad evaluate: \S*b\.csv: 1 row has a time before an earlier row's \(first at \S*b\.csv:303: /);
      expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
      await expect(run(['--corpus', 'nab', '--data', dir, '--detector', 'zmax', '--strict-time'])).rejects.toThrow(/b\.csv:303: column "timestamp": .* is before line 302/);
    } finally {
      writeFileSync(b, clean);
    }
  });

  it('refuses a bad corpus, detector or limit with a message', async () => {
    await expect(run(['--corpus', 'kdd', '--data', dir])).rejects.toThrow(UsageError);
    await expect(run(['--corpus', 'nab', '--data', dir, '--detector', 'nope'])).rejects.toThrow(/unknown detector "nope"/);
    await expect(run(['--corpus', 'nab', '--data', dir, '--limit', '0'])).rejects.toThrow(/--limit/);
    await expect(run(['--corpus', 'asd', '--data', dir])).rejects.toThrow(/not an ASD corpus/);
  });
});

describe('kad evaluate --loco', () => {
  // A data folder as ../shared/data lays it out: nab/ and asd/ (smd-dev/ and nezha-onlineboutique/ missing).
  const data = mkdtempSync(join(tmpdir(), 'kad-data-'));
  const nab = writeNabFixture();
  const asd = writeAsdFixture();
  symlinkSync(nab, join(data, 'nab'));
  symlinkSync(asd, join(data, 'asd'));
  afterAll(() => [data, nab, asd].forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('holds each corpus out, names where its constants came from, and the missing corpora', async () => {
    const { code, out } = await run(['--loco', 'default', '--data', data]);
    expect(code).toBe(0);
    expect(out.indexOf('Leave-one-corpus-out')).toBeLessThan(out.indexOf('Tuned on each fold itself'));
    expect(out).toMatch(/\nnab\/synthetic +adaptive.* asd /);
    expect(out).toContain('skipped: smd-dev');
    const json = JSON.parse((await run(['--loco', 'default', '--data', data, '--json', '--only', 'nab', '--only', 'asd'])).out) as LocoResult;
    expect(json.heldOut.map((r) => [r.fold, r.source])).toEqual([['nab/synthetic', ['asd']], ['asd', ['nab/synthetic']]]);
  });

  it('refuses an unknown grid, a single fold, or --corpus with --loco', async () => {
    await expect(run(['--loco', 'big', '--data', data])).rejects.toThrow(/--loco must be one of default, kinds/);
    await expect(run(['--loco', 'default', '--data', data, '--only', 'asd'])).rejects.toThrow(/at least two folds/);
    await expect(run(['--loco', 'default', '--corpus', 'nab'])).rejects.toThrow(/leave out --corpus/);
  });
});

describe('parseParams (--params)', () => {
  it('takes settings by detector kind and names what is wrong', () => {
    expect(parseParams('{"onset":{"z50":10}}', ['onset', 'zmax'])).toEqual({ onset: { z50: 10 } });
    expect(() => parseParams('{onset', ['onset'])).toThrow(/--params: not JSON/);
    expect(() => parseParams('{"zmax":{}}', ['onset'])).toThrow(/"zmax" is not one of the detectors evaluated \(onset\)/);
    expect(() => parseParams('{"onset":{"bogus":1}}', ['onset'])).toThrow(UsageError);
    expect(() => parseParams('{"onset":{"bogus":1}}', ['onset'])).toThrow(/bogus/);
  });
});
