import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.js';
import type { ForecastCorporaResult } from '../evaluate/forecast.js';
import { seasonalSeries } from '../forecast/fixtures.testkit.js';
import { parseCommandArgs } from './command.js';
import { evaluateCommand } from './evaluate-command.js';

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const io = { stdout: (s: string) => { out += s; }, stderr: () => {}, env: {}, stopSignal: new AbortController().signal };
  const code = await evaluateCommand.run(parseCommandArgs(evaluateCommand, argv), io);
  return { code, out };
}

/** A NAB-shaped folder with one realTraffic series: 5 days of a daily cycle, every 5 minutes, some rows missing. */
function nabTrafficFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kad-nab-traffic-'));
  mkdirSync(join(dir, 'data', 'realTraffic'), { recursive: true });
  const s = seasonalSeries({ seed: 3, days: 5, stepMs: 300_000, startMs: Date.parse('2015-09-01T00:00:00Z') });
  const rows = ['timestamp,value'];
  s.values.forEach((v, i) => {
    if (i % 7 !== 3) rows.push(`${new Date(s.startMs + i * 300_000).toISOString().replace('T', ' ').slice(0, 19)},${v.toFixed(2)}`);
  });
  writeFileSync(join(dir, 'data', 'realTraffic', 'speed_1.csv'), rows.join('\n') + '\n');
  return dir;
}

describe('kad evaluate --corpus forecast', () => {
  const dir = nabTrafficFixture();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('scores the simulator and the realTraffic series: MASE, MAPE and coverage, as a table or JSON', async () => {
    const json = await run(['--corpus', 'forecast', '--data', dir, '--days', '3', '--json']);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.out) as ForecastCorporaResult;
    expect(result.reports.map((r) => r.corpus)).toEqual(['simulator', 'nab-realTraffic']);
    const [sim, nab] = result.reports;
    expect(sim.summary.series).toBe(26); // 13 workloads × CPU and memory
    expect(sim.summary.mase).toBeLessThan(1);
    expect(sim.summary.coverage95).toBeGreaterThan(0.85);
    expect(nab.series[0].name).toBe('realTraffic/speed_1.csv');
    expect(nab.series[0].mase).toBeLessThan(1);
    const table = await run(['--corpus', 'forecast', '--data', dir, '--days', '0', '--per-series']);
    expect(table.out).toMatch(/MASE = Σ\|y − forecast\| \/ Σ\|y − y\(t − 1 day\)\|/);
    expect(table.out).toContain('realTraffic/speed_1.csv');
    expect(table.out).not.toContain('simulator ');
  });

  it('says when the NAB folder is missing, and refuses bad options', async () => {
    const none = await run(['--corpus', 'forecast', '--data', join(dir, 'nope'), '--days', '0']);
    expect(none.out).toMatch(/nab-realTraffic: skipped \(no .*realTraffic folder\)/);
    await expect(run(['--corpus', 'forecast', '--model', 'arima'])).rejects.toThrow(/--model must be one of seasonal/);
    await expect(run(['--corpus', 'forecast', '--days', '-1'])).rejects.toThrow(UsageError);
    await expect(run(['--corpus', 'forecast', '--detector', 'zmax'])).rejects.toThrow(/do not apply/);
  });
});
