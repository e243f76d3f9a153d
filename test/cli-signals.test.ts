/**
 * SIGINT/SIGTERM stop the batch commands between units of work (issue 14 item 1): exit 130 / 143
 * within about a second, no output file and no temporary file left; the servers stop too.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeNezhaPodsFixture } from '../src/evaluate/nezha-pods.testkit.js';
import { exited, spawnKad, waitFor } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kad-signals-'));

/** A `rows`-row CSV of `cols` noisy columns at 1-minute steps. */
function csv(path: string, rows: number, cols = 1): string {
  const head = ['timestamp', ...Array.from({ length: cols }, (_, c) => `v${c}`)].join(',');
  const lines = [head];
  for (let i = 0; i < rows; i++) {
    const vals = Array.from({ length: cols }, (_, c) => (5 + Math.sin(i / (37 + c)) * 3 + ((i * 7919 + c * 104729) % 1000) / 1000).toFixed(3));
    lines.push(`${1_700_000_000 + 60 * i},${vals.join(',')}`);
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** A labelled CSV of `rows` rows: a time, `cols` features and a class column `label` (three classes, noisy). */
function labelledCsv(path: string, rows: number, cols = 8): string {
  const lines = [['timestamp', ...Array.from({ length: cols }, (_, c) => `f${c}`), 'label'].join(',')];
  for (let i = 0; i < rows; i++) {
    const vals = Array.from({ length: cols }, (_, c) => ((i * 7919 + c * 104729) % 1000) / 100);
    const label = (vals[0] + ((i * 31) % 7)) % 3 < 1 ? 'a' : vals[1] > 5 ? 'b' : 'c';
    lines.push(`${1_700_000_000 + 60 * i},${vals.map((v) => v.toFixed(2)).join(',')},${label}`);
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** Sends `signal` to `child` and resolves with its exit code and the milliseconds it took to exit. */
async function stop(child: ReturnType<typeof spawnKad>, signal: NodeJS.Signals): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  child.kill(signal);
  const code = await exited(child);
  return { code, ms: Date.now() - t0 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('batch commands stop on a signal', () => {
  it('kad score: SIGINT while scoring exits 130 within a second, leaving no output and no temporary file', async () => {
    const work = join(dir, 'score');
    mkdirSync(work);
    const input = csv(join(work, 'in.csv'), 200_000, 3); // hst scores it in several seconds
    const out = join(work, 'out.csv');
    const child = spawnKad(['score', '--input', input, '--output', out, '--detector', 'hst']);
    // The temporary file beside the target appears before the input is read: scoring is under way.
    await waitFor(() => (readdirSync(work).some((f) => f.includes('.tmp-')) ? true : undefined), 20_000, 'kad score to open its output');
    await sleep(300);
    const { code, ms } = await stop(child, 'SIGINT');
    expect(code, child.output()).toBe(130);
    expect(ms).toBeLessThan(1500);
    expect(child.output()).toContain('stopped (SIGINT)');
    expect(readdirSync(work)).toEqual(['in.csv']);
  });

  it('kad score: SIGTERM exits 143 and leaves an existing output file as it was', async () => {
    const work = join(dir, 'score-term');
    mkdirSync(work);
    const input = csv(join(work, 'in.csv'), 200_000, 3);
    const out = join(work, 'out.csv');
    writeFileSync(out, 'old\n');
    const child = spawnKad(['score', '--input', input, '--output', out, '--detector', 'hst']);
    await waitFor(() => (readdirSync(work).some((f) => f.includes('.tmp-')) ? true : undefined), 20_000, 'kad score to open its output');
    await sleep(300);
    const { code, ms } = await stop(child, 'SIGTERM');
    expect(code, child.output()).toBe(143);
    expect(ms).toBeLessThan(1500);
    expect(readdirSync(work).sort()).toEqual(['in.csv', 'out.csv']);
    expect(readFileSync(out, 'utf8')).toBe('old\n');
  });

  it('kad score --train: SIGINT while lstm-ae fits exits 130 within a second, leaving no output', async () => {
    const work = join(dir, 'score-fit');
    mkdirSync(work);
    const train = csv(join(work, 'train.csv'), 20_000, 2); // 4 epochs over 20,000 windows: tens of seconds of fitting
    const child = spawnKad(['score', '--input', train, '--train', train, '--output', join(work, 'out.csv'), '--detector', 'lstm-ae']);
    await waitFor(() => (readdirSync(work).some((f) => f.includes('.tmp-')) ? true : undefined), 30_000, 'kad score to open its output');
    await sleep(1500); // reading the training rows, then fitting
    expect(child.exitCode, child.output()).toBeNull();
    const { code, ms } = await stop(child, 'SIGINT');
    expect(code, child.output()).toBe(130);
    expect(ms).toBeLessThan(1500);
    expect(readdirSync(work)).toEqual(['train.csv']);
  });

  it('kad evaluate: SIGINT between series exits 130 within a second and prints no report', async () => {
    const corpus = join(dir, 'nab');
    mkdirSync(join(corpus, 'data', 'synthetic'), { recursive: true });
    mkdirSync(join(corpus, 'labels'));
    writeFileSync(join(corpus, 'labels', 'combined_windows.json'), '{}');
    for (let k = 0; k < 24; k++) csv(join(corpus, 'data', 'synthetic', `s${k}.csv`), 15_000);
    const child = spawnKad(['evaluate', '--corpus', 'nab', '--data', corpus, '--detector', 'hst', '--detector', 'iforest']);
    // Its first series scored (a progress line on stderr), not after a fixed time.
    await waitFor(() => (/kad evaluate: [1-9]\d*\/\d+ series/.test(child.output()) ? true : undefined), 60_000, 'the first series scored');
    expect(child.exitCode, child.output()).toBeNull();
    const { code, ms } = await stop(child, 'SIGINT');
    expect(code, child.output()).toBe(130);
    expect(ms).toBeLessThan(1500);
    expect(child.output()).not.toContain('NAB');
  });

  it('kad evaluate --corpus forecast: SIGINT between forecasts exits 130 within a second and prints no report', async () => {
    const child = spawnKad(['evaluate', '--corpus', 'forecast', '--days', '4', '--data', join(dir, 'no-nab')]);
    // Its first series done (a progress line on stderr): the simulator has run, forecasts are under way.
    await waitFor(() => (/kad evaluate: 1\/\d+ series/.test(child.output()) ? true : undefined), 60_000, 'the first series forecast');
    expect(child.exitCode, child.output()).toBeNull();
    const { code, ms } = await stop(child, 'SIGINT');
    expect(code, child.output()).toBe(130);
    expect(ms).toBeLessThan(1500);
    expect(child.output()).toContain('stopped (SIGINT)');
    expect(child.output()).not.toContain('MASE');
  });

  it('kad evaluate --corpus nezha --engine: SIGTERM between replayed cycles exits 143 within a second and prints no report', async () => {
    const { dir: nezha } = writeNezhaPodsFixture();
    const child = spawnKad(['evaluate', '--corpus', 'nezha', '--engine', '--data', nezha]);
    // Its first replay done (a progress line on stderr): the sweep's replays are under way.
    await waitFor(() => (/kad evaluate --engine: 1\/\d+ replays/.test(child.output()) ? true : undefined), 60_000, 'the first replay');
    expect(child.exitCode, child.output()).toBeNull();
    const { code, ms } = await stop(child, 'SIGTERM');
    expect(code, child.output()).toBe(143);
    expect(ms).toBeLessThan(1500);
    expect(child.output()).not.toContain('service defaults');
    rmSync(nezha, { recursive: true, force: true });
  });

  it('kad train: SIGTERM while it simulates the history exits 143 within a second and writes no model', async () => {
    const models = join(dir, 'models');
    // Twelve hours of history (721 simulated steps, several seconds): with the default hour, a busy
    // machine's pipe once handed the test the first progress line when the model was already being
    // written, and kad train rightly finished (exit 0).
    const child = spawnKad(['train', '--output', models], { KAD_LOG_LEVEL: 'silent', TRAINING_LOOKBACK_MINUTES: '720' });
    // Once it says it reads the history (its first progress line), not after a fixed time: on a busy
    // machine the modules may still be loading then, which is not what this measures.
    await waitFor(() => (/kad train: \d+\/\d+ steps/.test(child.output()) ? true : undefined), 60_000, 'kad train to read the history');
    expect(child.exitCode, child.output()).toBeNull();
    const { code, ms } = await stop(child, 'SIGTERM');
    expect(code, child.output()).toBe(143);
    expect(ms).toBeLessThan(1500);
    expect(existsSync(join(models, 'models.json'))).toBe(false);
    expect(existsSync(models) ? readdirSync(models) : []).toEqual([]);
  });

  it('kad classify train: SIGINT while the forest grows exits 130 within a second and registers no version', async () => {
    const work = join(dir, 'classify-train');
    mkdirSync(work);
    const data = labelledCsv(join(work, 'train.csv'), 60_000); // 300 trees: several seconds of growing
    const models = join(work, 'models');
    const child = spawnKad(['classify', 'train', '--data', data, '--target', 'label', '--model-dir', models, '--params', '{"nEstimators":300}']);
    await waitFor(() => (/kad classify train: fitting/.test(child.output()) ? true : undefined), 60_000, 'the fit to start');
    await sleep(300);
    expect(child.exitCode, child.output()).toBeNull();
    const { code, ms } = await stop(child, 'SIGINT');
    expect(code, child.output()).toBe(130);
    expect(ms).toBeLessThan(1500);
    expect(child.output()).toContain('stopped (SIGINT)');
    expect(child.output()).not.toContain('Held-out report');
    expect(existsSync(models) ? readdirSync(models).filter((f) => /^v\d+\.json$/.test(f)) : []).toEqual([]);
  });

  it('kad classify predict: SIGTERM while it labels rows exits 143 within a second, leaving no output and no temporary file', async () => {
    const work = join(dir, 'classify-predict');
    mkdirSync(work);
    const models = join(work, 'models');
    const train = spawnKad(['classify', 'train', '--data', labelledCsv(join(work, 'train.csv'), 2_000), '--target', 'label', '--model-dir', models]);
    expect(await exited(train), train.output()).toBe(0);
    rmSync(join(work, 'train.csv'));
    const input = labelledCsv(join(work, 'in.csv'), 400_000); // a few seconds of labelling, read block by block
    const child = spawnKad(['classify', 'predict', '--model-dir', models, '--input', input, '--output', join(work, 'out.csv')]);
    await waitFor(() => (readdirSync(work).some((f) => f.includes('.tmp-')) ? true : undefined), 20_000, 'kad classify predict to open its output');
    await sleep(300);
    expect(child.exitCode, child.output()).toBeNull();
    const { code, ms } = await stop(child, 'SIGTERM');
    expect(code, child.output()).toBe(143);
    expect(ms).toBeLessThan(1500);
    expect(readdirSync(work).sort()).toEqual(['in.csv', 'models']);
  });

  it('kad simulate --export-labeled: SIGINT while it simulates exits 130 within a second and writes no file', async () => {
    const work = join(dir, 'export');
    mkdirSync(work);
    const child = spawnKad(['simulate', '--export-labeled', join(work, 'sim.csv'), '--hours', '2000']);
    // Its first progress line (after 2 s of simulating): the export is under way.
    await waitFor(() => (/kad simulate: \d+\/\d+ minutes simulated/.test(child.output()) ? true : undefined), 60_000, 'the first progress line');
    expect(child.exitCode, child.output()).toBeNull();
    const { code, ms } = await stop(child, 'SIGINT');
    expect(code, child.output()).toBe(130);
    expect(ms).toBeLessThan(1500);
    expect(readdirSync(work)).toEqual([]);
  });

  it('kad score --output -: a reader that goes away (| head) stops it at once with exit 141 (as SIGPIPE would) and no error on stderr', async () => {
    const work = join(dir, 'pipe');
    mkdirSync(work);
    const input = csv(join(work, 'in.csv'), 200_000, 3);
    const child = spawnKad(['score', '--input', input, '--output', '-', '--detector', 'hst', '-q']);
    child.stdout!.once('data', () => child.stdout!.destroy()); // head -1: reads a little, then closes its end
    const code = await exited(child);
    expect(code, child.output()).toBe(141);
    expect(child.output()).not.toMatch(/EPIPE|Error|stopped/);
  });

  it('kad simulate: SIGINT stops the exporter within a second', async () => {
    const child = spawnKad(['simulate', '--listen', '127.0.0.1:0']);
    await waitFor(() => (/metrics at http/.test(child.output()) ? true : undefined), 20_000, 'kad simulate to listen');
    const { code, ms } = await stop(child, 'SIGINT');
    expect(code, child.output()).toBe(0); // a server asked to stop that stops cleanly (as on SIGTERM, test/cli.test.ts)
    expect(ms).toBeLessThan(1000);
  });
});
