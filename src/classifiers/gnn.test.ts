import { describe, expect, it } from 'vitest';
import type { Frame } from '../core/frame.js';
import { createRng } from '../core/rng.js';
import { withHoles } from './fixtures.testkit.js';
import { GnnClassifier, graphClasses, graphShape, resolveGnnParams } from './gnn.js';
import { argmaxRows } from './labels.js';

const NODES = ['a', 'b', 'c', 'd', 'e'];
const EDGES: [string, string][] = [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e']];

/**
 * Fault windows of a chain a–b–c–d–e, 2 features a node. A "cpu" fault raises the faulty node's own cpu;
 * a "delay" fault leaves the faulty node as it is and raises the latency its neighbours see, so only a
 * model that looks at the neighbours can tell which node has it.
 */
function faults(seed: number, rows: number): { frame: Frame; labels: string[] } {
  const rng = createRng(seed);
  const N = NODES.length, F = 2;
  const data = new Float64Array(rows * N * F);
  const labels: string[] = [];
  for (let i = 0; i < rows; i++) {
    const v = rng.int(N), type = i % 2 ? 'cpu' : 'delay';
    labels.push(`${NODES[v]}:${type}`);
    for (let n = 0; n < N; n++) for (let f = 0; f < F; f++) data[(i * N + n) * F + f] = 0.3 * rng.normal();
    if (type === 'cpu') data[(i * N + v) * F] += 3;
    else for (const u of [v - 1, v + 1]) if (u >= 0 && u < N) data[(i * N + u) * F + 1] += 3;
  }
  return { frame: { names: NODES.flatMap((n) => [`${n}/cpu`, `${n}/latency`]), rows, cols: N * F, data }, labels };
}

function accuracy(m: GnnClassifier, d: { frame: Frame; labels: string[] }): number {
  const am = argmaxRows(m.predictProba(d.frame), m.classes.length);
  return d.labels.filter((l, i) => m.classes[am[i]] === l).length / d.labels.length;
}

describe('gnn', () => {
  it('reads nodes and features from the column names; the classes are every node with every type', () => {
    expect(graphShape(['a/x', 'a/y', 'b/x', 'b/y'])).toEqual({ nodes: ['a', 'b'], features: ['x', 'y'] });
    expect(graphShape(['x', 'y'])).toEqual({ nodes: [''], features: ['x', 'y'] });
    expect(() => graphShape(['a/x', 'b/x', 'a/y', 'b/y'])).toThrow(/node by node/);
    expect(graphClasses(['a:cpu', 'b:net', 'ok'], ['a', 'b', 'c'])).toEqual(['a:cpu', 'a:net', 'b:cpu', 'b:net', 'c:cpu', 'c:net', 'ok']);
    expect(() => resolveGnnParams({ edges: [['a']] })).toThrow(/edges/);
  });

  it('locates a fault seen only by the neighbours, which the same model without the graph cannot', () => {
    const train = faults(1, 240), test = faults(2, 100);
    const params = { epochs: 40, hidden: [16], learningRate: 0.01 };
    const gnn = new GnnClassifier({ ...params, edges: EDGES }, 3);
    gnn.fit(train.frame, train.labels);
    const twin = new GnnClassifier(params, 3);
    twin.fit(train.frame, train.labels);
    const g = accuracy(gnn, test), t = accuracy(twin, test);
    expect(g).toBeGreaterThan(0.9);
    expect(g).toBeGreaterThan(t + 0.2);
  });

  it('seeded, with missing values; saved and loaded, identical probabilities; refuses an edge to an unknown node', () => {
    const d = faults(4, 80);
    const holes = withHoles(d.frame, 0.1);
    const a = new GnnClassifier({ epochs: 5, hidden: [8], edges: EDGES }, 9);
    const b = new GnnClassifier({ epochs: 5, hidden: [8], edges: EDGES }, 9);
    a.fit(holes, d.labels);
    b.fit(holes, d.labels);
    expect(b.predictProba(holes)).toEqual(a.predictProba(holes));
    expect(GnnClassifier.fromJSON(JSON.parse(JSON.stringify(a.toJSON()))).predictProba(holes)).toEqual(a.predictProba(holes));
    expect(() => new GnnClassifier({ edges: [['a', 'z']] }).fit(holes, d.labels)).toThrow(/names a node the columns lack/);
  });
});
