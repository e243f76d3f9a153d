import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.js';
import type { NezhaEngineReport } from '../evaluate/nezha-engine.js';
import { writeNezhaPodsFixture } from '../evaluate/nezha-pods.testkit.js';
import { parseCommandArgs } from './command.js';
import { evaluateCommand } from './evaluate-command.js';

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

  it('with --mesh, replays again with the service mesh\'s side and topology inhibition, and prints both headlines', async () => {
    const text = await run(['--corpus', 'nezha', '--engine', '--mesh', '--data', dir]);
    expect(text).toContain('pod metric files only, no mesh columns');
    expect(text).toContain('with the service mesh: request rate, latency into each service');
    // adservice's exception shows only in the latency of the calls into it: caught with the mesh.
    expect(text).toMatch(/pod files only +1\/5 /);
    expect(text).toMatch(/with the mesh +2\/5 /);
    const both = JSON.parse(await run(['--corpus', 'nezha', '--engine', '--mesh', '--data', dir, '--json'])) as { podOnly: NezhaEngineReport; mesh: NezhaEngineReport };
    expect([both.podOnly.mesh, both.mesh.mesh]).toEqual([false, true]);
    expect(both.mesh.pod.byType.exception).toEqual({ faults: 1, caught: 1 });
    // The frontend's latency rises while cartservice bursts (it waits on it): that alert is held while
    // cartservice, which it calls, fires. With a call graph that lacks the edge, it is a false alert.
    const cut = `${dir}-no-edge`;
    cpSync(dir, cut, { recursive: true });
    try {
      for (const day of readdirSync(cut)) writeFileSync(join(cut, day, 'metric', 'dependency.csv'), 'Source,Target,Weight\nfrontend,adservice,1\n');
      const uncut = JSON.parse(await run(['--corpus', 'nezha', '--engine', '--mesh', '--data', cut, '--json'])) as { mesh: NezhaEngineReport };
      expect(uncut.mesh.pod.falseAlerts).toBe(both.mesh.pod.falseAlerts + 1);
    } finally {
      rmSync(cut, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses another corpus and the options that choose detectors offline', async () => {
    await expect(run(['--corpus', 'nab', '--engine', '--data', dir])).rejects.toThrow(/--engine .* use it with --corpus nezha/);
    await expect(run(['--corpus', 'nezha', '--engine', '--data', dir, '--detector', 'zmax'])).rejects.toThrow(UsageError);
    await expect(run(['--corpus', 'nezha', '--mesh', '--data', dir])).rejects.toThrow(/--mesh goes with --engine/);
  });
});
