import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.js';
import type { NezhaEngineReport } from '../evaluate/nezha-engine.js';
import { writeNezhaPodsFixture } from '../evaluate/nezha-pods.testkit.js';
import { parseCommandArgs } from './command.js';
import { evaluateCommand } from './evaluate.js';

async function run(argv: string[], env: Record<string, string> = {}): Promise<string> {
  let out = '';
  const io = { stdout: (s: string) => { out += s; }, stderr: () => {}, env, stopSignal: new AbortController().signal };
  expect(await evaluateCommand.run(parseCommandArgs(evaluateCommand, argv), io)).toBe(0);
  return out;
}

describe('kad evaluate --corpus nezha --engine', () => {
  const { dir } = writeNezhaPodsFixture();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replays the pod files through the service with kad serve\'s config and prints its alerts\' figures and the sweep', async () => {
    const text = await run(['--corpus', 'nezha', '--engine', '--data', dir]);
    expect(text).toContain('training window 60 min, retrain every 60 min, step 60 s, policy {');
    // The default (adaptive, one per pod) catches the burst on cartservice-a on day 1; the frontend's
    // day-2 burst repeats one inside the first training window, which a streaming model learned as
    // normal (an unlabelled incident in the history it warms on). pod-model relearns its window hourly.
    expect(text).toMatch(/service defaults, on the injected pod +5 +1 +0\.200/);
    const batch = await run(['--corpus', 'nezha', '--engine', '--data', dir], { KAD_DETECTOR: 'pod-model' });
    expect(batch).toMatch(/service defaults, on the injected pod +5 +2 +0\.400/);
    expect(text).toContain('{"targetFalseAlarmRate":0.1}');
    // The config comes from the environment, as for kad serve.
    const json = JSON.parse(await run(['--corpus', 'nezha', '--engine', '--data', dir, '--json'], { TRAINING_LOOKBACK_MINUTES: '30', KAD_CONSECUTIVE: '1' })) as NezhaEngineReport;
    expect(json.settings).toMatchObject({ lookbackMs: 30 * 60_000, policy: { k: 1 } });
    expect(json.days[0].scoredFrom).toBe('2022-08-22T10:31:00.000Z');
    expect(json.atBudget.map((b) => b.falseAlertsPerPodDay)).toEqual([1, 2, 5, 10]);
  }, 120_000);

  it('refuses another corpus and the options that choose detectors offline', async () => {
    await expect(run(['--corpus', 'nab', '--engine', '--data', dir])).rejects.toThrow(/--engine .* use it with --corpus nezha/);
    await expect(run(['--corpus', 'nezha', '--engine', '--data', dir, '--detector', 'zmax'])).rejects.toThrow(UsageError);
  });
});
