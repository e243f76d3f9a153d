import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { customSeriesProblems } from './custom-series.js';
import { loadConfig } from './load.js';

function configFile(text: string): string {
  const p = join(mkdtempSync(join(tmpdir(), 'kad-custom-')), 'kad.yaml');
  writeFileSync(p, text);
  return p;
}

function problemsOf(file: string): string {
  try {
    loadConfig({ env: {}, file });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('features.custom in the config file', () => {
  it('is an empty list by default', () => {
    expect(loadConfig({ env: {} }).features.custom).toEqual([]);
  });

  it('reads good entries as they are, frozen', () => {
    const file = configFile([
      'features:',
      '  custom:',
      '    - name: queue_depth',
      '      query: sum by (namespace, pod) (app_queue_depth)',
      '      scaleFloor: 1',
      '    - name: _gc_pause',
      '      query: rate(gc_pause_seconds_sum[1m])',
      '      scaleFloor: 0',
      '      onlyAbove: true',
    ].join('\n'));
    const c = loadConfig({ env: {}, file });
    expect(c.features.custom).toEqual([
      { name: 'queue_depth', query: 'sum by (namespace, pod) (app_queue_depth)', scaleFloor: 1 },
      { name: '_gc_pause', query: 'rate(gc_pause_seconds_sum[1m])', scaleFloor: 0, onlyAbove: true },
    ]);
    expect(Object.isFrozen(c.features.custom[0])).toBe(true);
  });

  it('names the file, the line and the field of every bad entry', () => {
    const file = configFile([
      'features:', //                          1
      '  custom:', //                          2
      '    - name: Queue-Depth', //            3  bad pattern
      '      query: app_queue_depth', //       4
      '      scaleFloor: 1', //                5
      '    - name: cpu_per_traffic', //        6  built-in
      '      query: x', //                     7
      '      scaleFloor: -2', //               8  negative
      '    - name: dup', //                    9
      '      query: a', //                     10
      '      scaleFloor: 1', //                11
      '    - name: dup', //                    12 duplicate
      '      query: ""', //                    13 empty
      '      scaleFloor: one', //              14 not a number
      '      unit: bytes', //                  15 unknown field
      '    - name: no_query', //               16 missing query
      '      scaleFloor: 1', //                17
    ].join('\n'));
    const msg = problemsOf(file);
    expect(msg).toContain(`features.custom[0].name (${file} line 3): "Queue-Depth" is invalid: must be a feature name`);
    expect(msg).toContain(`features.custom[1].name (${file} line 6): "cpu_per_traffic" is a built-in feature's name`);
    expect(msg).toContain(`features.custom[1].scaleFloor (${file} line 8): -2 is invalid: must be a number >= 0`);
    expect(msg).toContain(`features.custom[3].name (${file} line 12): "dup" is already the name of features.custom[2]`);
    expect(msg).toContain(`features.custom[3].query (${file} line 13): "" is invalid`);
    expect(msg).toContain(`features.custom[3].scaleFloor (${file} line 14): "one" is invalid`);
    expect(msg).toContain(`features.custom[3].unit (${file} line 15): unknown field "unit"`);
    expect(msg).toContain(`features.custom[4] (${file} line 16): missing field "query"`);
    expect(msg.split('\n')).toHaveLength(1 + 8);
  });

  it('refuses a value that is not a list, and an entry that is not a mapping', () => {
    expect(problemsOf(configFile('features:\n  custom: queue_depth\n'))).toContain(`features.custom (`);
    expect(problemsOf(configFile('features:\n  custom: queue_depth\n'))).toMatch(/line 2\): "queue_depth" is invalid: must be a list/);
    expect(problemsOf(configFile('features:\n  custom:\n    - queue_depth\n'))).toMatch(/features\.custom\[0\] \(.* line 3\): each custom series must be a mapping/);
  });

  it('checks a list given without a file (where: the setting)', () => {
    expect(customSeriesProblems([{ name: 'a', query: 'q', scaleFloor: 0 }], () => 'x')).toEqual([]);
    expect(customSeriesProblems([{ name: 'a', query: 'q', scaleFloor: 0, onlyAbove: true }], () => 'x')).toEqual([]);
    expect(customSeriesProblems([{ name: 'a', query: 'q', scaleFloor: 0, onlyAbove: 'yes' }], () => 'x')).toEqual([
      expect.stringContaining('features.custom[0].onlyAbove (x): "yes" is invalid: must be true (only a rise of the series is anomalous'),
    ]);
    expect(customSeriesProblems([{ name: 'mesh_latency', query: 'q', scaleFloor: Infinity }], () => 'override')).toEqual([
      expect.stringContaining('features.custom[0].name (override): "mesh_latency" is a built-in'),
      expect.stringContaining('features.custom[0].scaleFloor (override): Infinity is invalid'),
    ]);
  });
});
