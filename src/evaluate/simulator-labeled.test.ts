import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/kad.js';
import { podKey } from '../core/series.js';
import { SimulatedCluster } from '../simulator/cluster.js';
import { SimulatorSource } from '../sources/simulator.js';
import { SIM_CORPUS_START } from './forecast-corpus.js';
import { abnormalityClass, ABNORMALITY_CLASSES, labeledDatasetCsv, simulatorLabeledDataset, simulatorLabeledSteps } from './simulator-labeled.js';

describe('simulator labelled data set', () => {
  it('maps incident kinds to abnormality classes', () => {
    expect(abnormalityClass('oom_kill')).toBe('memory_leak');
    expect(abnormalityClass('packet_loss')).toBe('packet_loss');
    expect(abnormalityClass('rollout')).toBe('normal');
    expect(abnormalityClass('traffic_peak')).toBe('normal');
  });

  it('gives one row per pod per minute, the window features and every class, the same for the same seed', () => {
    const a = simulatorLabeledDataset({ hours: 3, seed: 7 });
    const b = simulatorLabeledDataset({ hours: 3, seed: 7 });
    expect(a.data).toEqual(b.data);
    expect(a.labels).toEqual(b.labels);
    expect(a.names).toContain('rx_drop_ratio_max10');
    expect(a.rows).toBe(a.labels.length);
    expect(a.data.length).toBe(a.rows * a.names.length);
    const classes = new Set(a.labels);
    expect(classes.has('normal')).toBe(true);
    for (const c of classes) expect(ABNORMALITY_CLASSES).toContain(c as never);
    expect(classes.size).toBeGreaterThanOrEqual(4);
    // Nothing abnormal in the quiet first hour.
    const hour = a.times[0] + 3_540_000;
    expect(a.labels.filter((l, i) => a.times[i] < hour && l !== 'normal')).toEqual([]);
    const lines = [...labeledDatasetCsv(a)];
    expect(lines[0].startsWith('timestamp,cpu_per_traffic,')).toBe(true);
    expect(lines[0].endsWith(',abnormality_class')).toBe(true);
    expect(lines.length).toBe(a.rows + 1);
  });

  it('labels each step as it is simulated with the classes labelling at the end of the run gives', () => {
    const hours = 12;
    const streamed: string[] = [];
    for (const s of simulatorLabeledSteps({ hours, seed: 7 })) s.pods.forEach((p, r) => streamed.push(`${s.t} ${p} ${s.labels[r]}`));
    // The same run again, labelled from every incident of the whole run, as one would after it.
    const cluster = new SimulatedCluster({ seed: 7, start: SIM_CORPUS_START, scenario: { random: true } });
    const source = new SimulatorSource(cluster, { keepMs: 0 });
    source.observe(SIM_CORPUS_START);
    const rows: [number, string][] = [];
    for (let i = 1; i <= hours * 60; i++) for (const p of source.observe(SIM_CORPUS_START + i * 60_000).pods) rows.push([SIM_CORPUS_START + i * 60_000, podKey(p.ref)]);
    const incidents = cluster.incidents().filter((inc) => !inc.benign);
    const atEnd = rows.map(([t, pod]) => {
      const inc = incidents.find((e) => [e.pod, ...(e.affected ?? [])].some((q) => q && `${e.namespace}/${q}` === pod) && t >= e.start && t < e.end);
      return `${t} ${pod} ${inc ? abnormalityClass(inc.kind) : 'normal'}`;
    });
    expect(streamed).toEqual(atEnd);
    expect(new Set(streamed.map((l) => l.split(' ')[2])).size).toBeGreaterThanOrEqual(4);
  });

  it('kad simulate --export-labeled writes it as CSV', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'kad-sim-export-')), 'labeled.csv');
    let err = '';
    const io = { env: {}, stopSignal: new AbortController().signal, stdout: () => {}, stderr: (s: string) => { err += s; } };
    expect(await main(['simulate', '--export-labeled', out, '--hours', '2', '--seed', '3'], io)).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0].split(',').at(-1)).toBe('abnormality_class');
    expect(err).toContain(`wrote ${lines.length - 1} rows`);
  });
});
