/** The `kad` command line: help, `score` against the DESIGN.md contract, and error exits. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS, main } from '../src/cli/kad.js';
import { createRng } from '../src/core/rng.js';
import { captureIO, DATA_DIR, exited, ROOT, spawnKad, waitFor } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kad-cli-'));

/** A seeded daily-ish series with a few planted spikes; returns the CSV path and the spike rows. */
function fixture(name: string, rows = 600, spikes = [400, 470, 540]): string {
  const rng = createRng(9);
  const lines = ['timestamp,value'];
  for (let i = 0; i < rows; i++) {
    const t = new Date(Date.UTC(2024, 0, 1) + i * 300_000).toISOString().replace('T', ' ').slice(0, 19);
    const v = 10 + 3 * Math.sin((2 * Math.PI * i) / 288) + 0.3 * rng.normal() + (spikes.includes(i) ? 12 : 0);
    lines.push(`${t},${v.toFixed(4)}`);
  }
  const p = join(dir, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

function readOut(p: string): string[][] {
  return readFileSync(p, 'utf8').trim().split('\n').map((l) => l.split(','));
}

describe('kad help', () => {
  it('lists the commands, and each command lists its options', async () => {
    const io = captureIO();
    expect(await main(['--help'], io)).toBe(0);
    for (const c of ['serve', 'simulate', 'score']) expect(io.out).toContain(c);
    for (const [cmd, opts] of [['score', ['--input', '--output', '--train', '--detector', '--seed']], ['serve', ['--config', '--port', 'PROMETHEUS_URL', 'IFOREST_CONTAMINATION']], ['simulate', ['--listen', '--seed', '--speed']]] as const) {
      const h = captureIO();
      expect(await main([cmd, '--help'], h)).toBe(0);
      for (const o of opts) expect(h.out).toContain(o);
    }
  });

  it('lists each command with the name and summary its module gives (commands load when they run)', async () => {
    for (const entry of COMMANDS) {
      const cmd = await entry.load();
      expect([cmd.name, cmd.summary]).toEqual([entry.name, entry.summary]);
    }
  });

  it('exits 2 on an unknown command or option, naming it', async () => {
    const a = captureIO();
    expect(await main(['frobnicate'], a)).toBe(2);
    expect(a.err).toContain('unknown command "frobnicate"');
    const b = captureIO();
    expect(await main(['score', '--inptu', 'x.csv'], b)).toBe(2);
    expect(b.err).toContain("--inptu");
  });
});

describe('kad score', () => {
  it('reads standard input with --input - or --train - (the same rows out as from the file), and names it "-" in errors', () => {
    const path = fixture('stdin.csv');
    const text = readFileSync(path, 'utf8');
    const run = (args: string[], input?: string) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/kad.ts'), ...args], { cwd: ROOT, input, encoding: 'utf8' });
    const fromFile = run(['score', '--input', path, '--train', path, '--output', '-']);
    expect(fromFile.status, fromFile.stderr).toBe(0);
    const viaStdin = run(['score', '--input', '-', '--train', path, '--output', '-'], text);
    expect(viaStdin.status, viaStdin.stderr).toBe(0);
    expect(viaStdin.stdout).toBe(fromFile.stdout);
    const trainViaStdin = run(['score', '--input', path, '--train', '-', '--output', '-'], text);
    expect(trainViaStdin.stdout).toBe(fromFile.stdout);
    const bad = run(['score', '--input', '-', '--output', '-'], 'timestamp,a\n1,2\n2,x\n');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('-:3: column "a": "x" is not a number');
    expect(run(['score', '--input', '-', '--train', '-', '--output', '-'], text).stderr).toContain('cannot both be "-"');
  });

  it('writes timestamp,score,is_anomaly, one row per input row in order, scores in [0,1] with 6+ digits', async () => {
    const input = fixture('series.csv');
    const out = join(dir, 'out.csv');
    const io = captureIO();
    expect(await main(['score', '--input', input, '--output', out], io)).toBe(0);
    const rows = readOut(out);
    const inRows = readOut(input);
    expect(rows[0]).toEqual(['timestamp', 'score', 'is_anomaly']);
    expect(rows.length).toBe(inRows.length);
    for (let i = 1; i < rows.length; i++) {
      expect(rows[i][0]).toBe(inRows[i][0]);
      const s = Number(rows[i][1]);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
      if (s > 0) expect(rows[i][1].replace(/^0\.0*/, '').replace('.', '').length).toBeGreaterThanOrEqual(6);
      expect(['0', '1']).toContain(rows[i][2]);
    }
    // The planted spikes outrank the median point.
    const scores = rows.slice(1).map((r) => Number(r[1]));
    const sorted = [...scores].sort((a, b) => a - b);
    const med = sorted[sorted.length >> 1];
    for (const i of [400, 470, 540]) expect(scores[i]).toBeGreaterThan(med);
  });

  it('--only-above: a fall of the named column is not flagged, its rise and the other columns\' moves are', async () => {
    const rng = createRng(5);
    const lines = ['timestamp,latency,cpu'];
    for (let i = 0; i < 600; i++) {
      const t = new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();
      const lat = 50 + rng.normal() + (i === 450 ? -40 : i === 520 ? 40 : 0);
      const cpu = 10 + rng.normal() + (i === 560 ? -40 : 0);
      lines.push(`${t},${lat.toFixed(3)},${cpu.toFixed(3)}`);
    }
    const input = join(dir, 'lat.csv');
    writeFileSync(input, lines.join('\n') + '\n');
    const flags = async (...extra: string[]) => {
      const out = join(dir, 'lat-out.csv');
      // At the detector's own threshold: flags of one row do not move the bar of the next (calibrated flags would).
      expect(await main(['score', '-i', input, '-o', out, '--target-fpr', '0', ...extra], captureIO())).toBe(0);
      return readOut(out).slice(1).map((r) => r[2]);
    };
    const both = await flags();
    const above = await flags('--only-above', 'latency');
    expect([both[450], both[520], both[560]]).toEqual(['1', '1', '1']);
    expect([above[450], above[520], above[560]]).toEqual(['0', '1', '1']);
    const bad = captureIO();
    expect(await main(['score', '-i', input, '-o', join(dir, 'x.csv'), '--only-above', 'p99'], bad)).toBe(2);
    expect(bad.err).toContain(`--only-above: ${input} has no column "p99" (its value columns: "latency", "cpu")`);
    const kind = captureIO();
    expect(await main(['score', '-i', input, '-o', join(dir, 'x.csv'), '--only-above', 'latency', '--detector', 'iforest'], kind)).toBe(2);
    expect(kind.err).toContain('detector iforest scores every feature both ways and takes no onlyAbove; the kinds that do: adaptive, novelty, pod-model, profile-z, robust-z, subspace, zmax');
  });

  it('is causal: the score of row t does not change when later rows change', async () => {
    const a = fixture('a.csv', 500, [450]);
    const b = fixture('b.csv', 500, [300, 450]);
    const outA = join(dir, 'oa.csv');
    const outB = join(dir, 'ob.csv');
    await main(['score', '-i', a, '-o', outA], captureIO());
    await main(['score', '-i', b, '-o', outB], captureIO());
    const sa = readOut(outA).slice(1, 301).map((r) => r[1]);
    const sb = readOut(outB).slice(1, 301).map((r) => r[1]);
    expect(sb).toEqual(sa); // rows 0..299 identical in both inputs → identical scores
  });

  it('fits on --train and gives the same scores for the same seed', async () => {
    const train = fixture('train.csv', 400, []);
    const input = fixture('in.csv');
    const o1 = join(dir, 't1.csv');
    const o2 = join(dir, 't2.csv');
    expect(await main(['score', '--train', train, '--input', input, '--output', o1, '--seed', '3'], captureIO())).toBe(0);
    expect(await main(['score', '--train', train, '--input', input, '--output', o2, '--seed', '3'], captureIO())).toBe(0);
    expect(readFileSync(o1, 'utf8')).toBe(readFileSync(o2, 'utf8'));
  });

  it('names the file, line and column of bad input, and exits 2', async () => {
    const cases: [string, string, RegExp][] = [
      ['empty.csv', '', /empty\.csv: the file is empty/],
      ['notime.csv', 'when,value\n1,2\n', /notime\.csv:1: no time column/],
      ['bad.csv', 'timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:05:00,x1\n', /bad\.csv:3: column "value": "x1" is not a number/],
    ];
    for (const [name, text, msg] of cases) {
      const p = join(dir, name);
      writeFileSync(p, text);
      const io = captureIO();
      expect(await main(['score', '--input', p, '--output', join(dir, 'x.csv')], io)).toBe(2);
      expect(io.err).toMatch(msg);
    }
    const io = captureIO();
    expect(await main(['score', '--input', join(dir, 'missing.csv'), '--output', join(dir, 'x.csv')], io)).toBe(2);
    expect(io.err).toContain('missing.csv: cannot read: no such file');
    const io2 = captureIO();
    expect(await main(['score', '--input', fixture('ok.csv'), '--output', join(dir, 'x.csv'), '--detector', 'nope'], io2)).toBe(2);
    expect(io2.err).toMatch(/unknown detector.*nope.*iforest/);
  });

  it('stops on binary input with one short message (byte offset and line), exit 2, no raw bytes printed', async () => {
    const rng = createRng(21);
    const garbage = Buffer.from(Array.from({ length: 50_000 }, () => rng.int(256)));
    const cases: [string, Buffer, RegExp][] = [
      ['garbage.bin', garbage, /^kad score: \S*garbage\.bin: not a text file: .* at byte offset \d+ \(line \d+\); kad reads CSV as UTF-8 text\n$/],
      ['nul.csv', Buffer.from('timestamp,value\n1,2\n2,\u0000\u0000\n'), /nul\.csv: not a text file: a NUL byte at byte offset 22 \(line 3\)/],
      ['utf16.csv', Buffer.from('\ufefftimestamp,value\n1,2\n', 'utf16le'), /utf16\.csv: not a text file: byte 0xff, which is not UTF-8, at byte offset 0 \(line 1\)/],
      // Text, but with terminal escapes in a header and a field: shown escaped.
      ['esc.csv', Buffer.from('timestamp,v\u001b]0;x\u0007\n1,\u001b[2J\n'), /esc\.csv:2: column "v\\u001b\]0;x\\u0007": "\\u001b\[2J" is not a number/],
    ];
    for (const [name, bytes, msg] of cases) {
      const p = join(dir, name);
      writeFileSync(p, bytes);
      const io = captureIO();
      expect(await main(['score', '--input', p, '--output', join(dir, 'x.csv')], io), name).toBe(2);
      expect(io.err).toMatch(msg);
      expect(io.err.length).toBeLessThan(300);
      // eslint-disable-next-line no-control-regex
      expect(io.err.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\ufffd]/);
    }
  });

  it('gives every detector finite scores on a constant series, missing values and gaps, and rejects out-of-order rows', async () => {
    const lines = ['timestamp,value'];
    for (let i = 0; i < 400; i++) {
      if (i >= 100 && i < 130) continue; // a gap of 30 rows
      const v = i % 50 === 7 ? (i % 100 === 7 ? '' : 'NaN') : '5';
      lines.push(`${new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString()},${v}`);
    }
    const p = join(dir, 'constant.csv');
    writeFileSync(p, lines.join('\n') + '\n');
    const { detectorKinds } = await import('../src/detectors/index.js');
    for (const kind of detectorKinds()) {
      const out = join(dir, `constant-${kind}.csv`);
      expect(await main(['score', '--input', p, '--output', out, '--detector', kind], captureIO())).toBe(0);
      const scores = readOut(out).slice(1).map((r) => Number(r[1]));
      expect(scores.length, kind).toBe(370);
      expect(scores.every((x) => Number.isFinite(x) && x >= 0 && x <= 1), kind).toBe(true);
    }
    const shuffled = join(dir, 'shuffled.csv');
    writeFileSync(shuffled, 'timestamp,value\n2024-01-01 00:10:00,1\n2024-01-01 00:05:00,2\n');
    const io = captureIO();
    expect(await main(['score', '--input', shuffled, '--output', join(dir, 'x.csv'), '--strict-time'], io)).toBe(2);
    expect(io.err).toMatch(/shuffled\.csv:3: .* is before line 2/);
  });

  it('scores a backward timestamp as the next point, says so once with the count and the first line, and drops no row', async () => {
    // A NAB-like file whose clock goes back 55 minutes at row 300 (line 302) and then runs on (5-minute steps).
    const rng = createRng(5);
    const lines = ['timestamp,value'];
    const texts: string[] = [];
    for (let i = 0; i < 600; i++) {
      const minute = i < 300 ? i * 5 : i * 5 - 60;
      const t = new Date(Date.UTC(2014, 0, 7) + minute * 60_000).toISOString().replace('T', ' ').slice(0, 19);
      texts.push(t);
      lines.push(`${t},${(10 + rng.normal() + (i === 450 ? 15 : 0)).toFixed(3)}`);
    }
    const p = join(dir, 'backward.csv');
    writeFileSync(p, lines.join('\n') + '\n');
    const out = join(dir, 'backward-out.csv');
    const child = spawnKad(['score', '--input', p, '--output', out]);
    expect(await exited(child)).toBe(0);
    const said = child.output().split('\n').filter((l) => l.includes('before an earlier row'));
    expect(said).toHaveLength(1); // once, not once per row
    // Rows 300..310 are before 00:55 (row 299; row 311 repeats it): 11 rows, the first at line 302.
    expect(said[0]).toContain(`11 rows have a time before an earlier row's (first at ${p}:302: "2014-01-08 00:00:00" is before line 301's "2014-01-08 00:55:00")`);
    const rows = readOut(out);
    expect(rows.length).toBe(601);
    expect(rows.slice(1).map((r) => r[0])).toEqual(texts);
    const scores = rows.slice(1).map((r) => Number(r[1]));
    expect(scores.every((x) => Number.isFinite(x) && x >= 0 && x <= 1)).toBe(true);
    const sorted = [...scores].sort((a, b) => a - b);
    expect(scores[450]).toBeGreaterThan(sorted[Math.floor(sorted.length * 0.99)]); // the spike after the glitch still stands out

    // --strict-time keeps the old rejection, with the old message.
    const io = captureIO();
    expect(await main(['score', '--input', p, '--output', join(dir, 'x.csv'), '--strict-time'], io)).toBe(2);
    expect(io.err).toContain(`${p}:302: column "timestamp": "2014-01-08 00:00:00" is before line 301 ("2014-01-08 00:55:00"); rows must be in time order (sort the file first)`);
  });

  it('passes missing values on as NaN, keeps gaps, says the count once on stderr, and writes every row', async () => {
    const lines = ['timestamp,a,b'];
    for (let i = 0; i < 200; i++) {
      if (i >= 50 && i < 80) continue; // a 30-minute gap: no rows invented
      const a = i === 20 ? '' : i === 21 ? 'NaN' : String(5 + (i % 7));
      const b = i === 21 ? 'null' : i === 120 ? '' : String(i % 3);
      lines.push(`${new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString()},${a},${b}`);
    }
    const p = join(dir, 'missing.csv');
    writeFileSync(p, lines.join('\n') + '\n');
    const out = join(dir, 'missing-out.csv');
    const io = captureIO();
    expect(await main(['score', '--input', p, '--output', out], io)).toBe(0);
    expect(io.err).toBe(`kad score: ${p}: 4 missing values (empty, NaN, null, NA, …) in 3 rows, passed to the detector as missing (NaN); every row is still scored and written\n`);
    const rows = readOut(out);
    expect(rows.length).toBe(171);
    expect(rows.slice(1).map((r) => r[0])).toEqual(lines.slice(1).map((l) => l.split(',')[0]));
    expect(rows.slice(1).every((r) => Number.isFinite(Number(r[1])))).toBe(true);
  });

  it('takes is_anomaly from the alert policy with --policy, and refuses a bad one before reading anything', async () => {
    const input = fixture('policy.csv', 300, [250]);
    const out = join(dir, 'policy-out.csv');
    expect(await main(['score', '--input', input, '--output', out, '--policy', 'default'], captureIO())).toBe(0);
    expect(readOut(out).slice(1).every((r) => r[2] === '0' || r[2] === '1')).toBe(true);
    const io = captureIO();
    expect(await main(['score', '--input', join(dir, 'absent.csv'), '--output', out, '--policy', 'k=x'], io)).toBe(2);
    expect(io.err).toContain('--policy: k must be a number, got "x"');
  });

  it('writes the same bytes to a file and to stdout', async () => {
    const input = fixture('bytes.csv', 300, [250]);
    const out = join(dir, 'bytes-out.csv');
    expect(await main(['score', '--input', input, '--output', out, '--seed', '7'], captureIO())).toBe(0);
    const text = readFileSync(out, 'utf8');
    const io = captureIO();
    expect(await main(['score', '--input', input, '--output', '-', '--seed', '7'], io)).toBe(0);
    expect(io.out).toBe(text);
    expect(text.endsWith('\n')).toBe(true);
  });

  it.skipIf(!DATA_DIR)('scores a NAB file from ../shared/data (skipped when the folder is absent)', async () => {
    const input = join(DATA_DIR!, 'nab/data/realTraffic/speed_7578.csv');
    const out = join(dir, 'nab.csv');
    expect(await main(['score', '--input', input, '--output', out], captureIO())).toBe(0);
    const rows = readOut(out);
    const inRows = readOut(input);
    expect(rows.length).toBe(inRows.length);
    expect(rows.slice(1).map((r) => r[0])).toEqual(inRows.slice(1).map((r) => r[0]));
  });
});

describe('kad serve configuration errors', () => {
  it('exits 2 naming the setting, the value and what is allowed', async () => {
    const child = spawnKad(['serve', '--port', '0'], { IFOREST_N_ESTIMATORS: 'lots', IFOREST_CONTAMINATION: '2' });
    expect(await exited(child)).toBe(2);
    expect(child.output()).toContain('IFOREST_N_ESTIMATORS="lots" is invalid: must be an integer from 1 to 10000');
    expect(child.output()).toContain('IFOREST_CONTAMINATION=2 is invalid');
  });
});

describe('kad simulate', () => {
  it('serves the simulated cluster as a Prometheus exporter with ground truth, and stops on SIGTERM', async () => {
    const child = spawnKad(['simulate', '--listen', '127.0.0.1:0', '--seed', '3']);
    try {
      const url = await waitFor(() => /metrics at (http:\/\/\S+)\/metrics/.exec(child.output())?.[1], 20_000, 'kad simulate to listen');
      const res = await fetch(`${url}/metrics`);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      for (const name of ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes', 'container_memory_usage_bytes',
        'container_network_receive_bytes_total', 'container_network_transmit_bytes_total', 'container_network_receive_packets_dropped_total',
        'kube_pod_container_status_restarts_total', 'kube_pod_container_resource_limits']) {
        expect(text).toContain(`# TYPE ${name} `);
      }
      const pods = new Set([...text.matchAll(/^container_cpu_usage_seconds_total\{[^}]*pod="([^"]+)"/gm)].map((m) => m[1]));
      expect(pods.size).toBeGreaterThanOrEqual(20);
      const incidents = await (await fetch(`${url}/incidents`)).json();
      expect(Array.isArray(incidents)).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited(child)).toBe(0);
  });

  it('rejects a bad --listen', async () => {
    const io = captureIO();
    expect(await main(['simulate', '--listen', 'nowhere'], io)).toBe(2);
    expect(io.err).toContain('--listen must be HOST:PORT');
  });
});

describe('kad train and kad serve --model', () => {
  /** `kad serve --model DIR` until its first scoring cycle: its /healthz then and what it printed; stopped. */
  async function serveOneCycle(modelDir: string): Promise<{ health: { trained: boolean; modelVersion: string }; output: string }> {
    const child = spawnKad(['serve', '--port', '0', '--host', '127.0.0.1', '--model', modelDir]);
    try {
      const url = await waitFor(() => /serving on (http:\/\/\S+) /.exec(child.output())?.[1], 30_000, 'kad serve to listen');
      const health = await waitFor(async () => {
        const r = (await (await fetch(`${url}/healthz`)).json()) as { trained: boolean; modelVersion: string; lastCycleAt: string | null };
        return r.lastCycleAt ? r : undefined;
      }, 30_000, 'a scoring cycle');
      return { health, output: child.output() };
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
  }

  it('trains from the source, writes a model directory, and serve loads it instead of training', async () => {
    const modelDir = join(dir, 'models');
    const io = captureIO({ KAD_LOG_LEVEL: 'silent' });
    expect(await main(['train', '--output', modelDir], io)).toBe(0);
    expect(io.err).toMatch(/\d+ pod models from \d+ pod samples \(simulator\); version \S+; wrote .*models\.json/);
    const version = JSON.parse(readFileSync(join(modelDir, 'models.json'), 'utf8')).version as string;
    const { health } = await serveOneCycle(modelDir);
    expect(health.trained).toBe(true);
    expect(health.modelVersion).toBe(version);
  });

  it('train says at once, exit 2, when it cannot create the output directory (a file in the way), before reading any history', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const io = captureIO({ KAD_LOG_LEVEL: 'silent' });
    expect(await main(['train', '--output', join(file, 'models')], io)).toBe(2);
    expect(io.err).toMatch(/^kad train: --output .*a-file\/models: cannot create the directory \(ENOTDIR/);
    expect(io.err).not.toContain('steps');
  });

  it('train that fails (Prometheus not answering) leaves no directory it made; one that was there stays', async () => {
    const env = { KAD_LOG_LEVEL: 'silent', PROMETHEUS_URL: 'http://127.0.0.1:1', KAD_QUERY_RETRIES: '0', REQUEST_TIMEOUT_SECONDS: '1' };
    const made = join(dir, 'fresh', 'models');
    const io = captureIO(env);
    expect(await main(['train', '--output', made], io)).not.toBe(0);
    expect(io.err).toMatch(/ECONNREFUSED/);
    expect(existsSync(join(dir, 'fresh'))).toBe(false);
    const there = join(dir, 'there');
    mkdirSync(there);
    expect(await main(['train', '--output', there], captureIO(env))).not.toBe(0);
    expect(existsSync(there)).toBe(true);
  });

  it('serve does not load models trained on an older definition of the features: it says so and trains new ones, the file untouched', async () => {
    const modelDir = join(dir, 'models-old');
    expect(await main(['train', '--output', modelDir], captureIO({ KAD_LOG_LEVEL: 'silent' }))).toBe(0);
    const file = join(modelDir, 'models.json');
    const { featureVersion: _current, ...old } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>; // as a kad before feature versions wrote it
    writeFileSync(file, JSON.stringify(old));
    const { health, output } = await serveOneCycle(modelDir);
    expect(health.trained).toBe(true);
    expect(health.modelVersion).not.toBe(old.version);
    expect(output).toMatch(/not loading the saved models: the models were trained on pod features of version 1; this kad computes version 2/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(old);
  });

  it('serve refuses a missing model with the path and what to do, exit 2', async () => {
    const child = spawnKad(['serve', '--port', '0', '--model', join(dir, 'nowhere')]);
    expect(await exited(child)).toBe(2);
    expect(child.output()).toMatch(/nowhere\/models\.json: cannot read the model \(no such file; run `kad train --output/);
  });
});
