import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { windowShape } from '../classifiers/cnn.js';
import { graphShape } from '../classifiers/gnn.js';
import { nezhaGraphTask, nezhaSequenceTasks } from './nezha-sequences.js';
import { nezhaWindowTasks } from './nezha-windows.js';

const dir = join(process.env.DATA ?? '../shared/data', 'nezha-onlineboutique');

describe.skipIf(!existsSync(dir))('Nezha sequences and service graphs (the real corpus in ../shared/data)', () => {
  it('gives per-minute windows in the cnn column contract, row for row as the window summaries', () => {
    const { faultType, faultyPod } = nezhaSequenceTasks(dir, { before: 3, after: 5 });
    const summary = nezhaWindowTasks(dir);
    expect(faultType.ids).toEqual(summary.faultType.ids);
    expect(faultyPod.labels).toEqual(summary.faultyPod.labels);
    const { steps, channels } = windowShape(faultType.names);
    expect(steps).toBe(8);
    expect(channels).toContain('in:dst');
    // Most values before the injection are near the baseline.
    const cpu = channels.indexOf('CpuUsage(m)');
    const before = Array.from({ length: faultType.rows }, (_, i) => faultType.data[i * faultType.names.length + cpu]).filter((v) => v === v);
    expect(before.filter((v) => Math.abs(v) < 5).length / before.length).toBeGreaterThan(0.8);
  });

  it('gives one row per fault with every service side by side, labelled service:type, and the call graph', () => {
    const g = nezhaGraphTask(dir);
    expect(g.rows).toBe(56);
    const { nodes, features } = graphShape(g.names);
    expect(nodes).toEqual(g.services);
    expect(features).toEqual(nezhaWindowTasks(dir).faultyPod.names);
    expect(g.labels.every((l) => g.services.includes(l.split(':')[0]))).toBe(true);
    expect(g.edges).toContainEqual(['frontend', 'cartservice']);
    expect(g.edges.every(([a, b]) => g.services.includes(a) && g.services.includes(b))).toBe(true);
  });
});
