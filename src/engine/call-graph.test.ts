import { describe, expect, it } from 'vitest';
import type { Logger } from '../core/logger.js';
import type { CallEdge } from '../core/samples.js';
import type { Source } from '../sources/base.js';
import { CallGraphRefresh } from './call-graph.js';

const MIN = 60_000;

function source(edges: () => Promise<CallEdge[]>): Source {
  return { name: 's', history: async () => [], current: async (t) => ({ t, pods: [] }), callGraph: edges, close: async () => {} };
}

describe('CallGraphRefresh', () => {
  it('asks the source at the first cycle and then every refresh interval of data time', async () => {
    let calls = 0;
    const r = new CallGraphRefresh({ source: source(async () => (calls++, [{ from: 'a/x', to: 'a/y' }])), log: silent() }, 5 * MIN);
    const g = await r.due(0);
    expect([...g!.get('a/x')!]).toEqual(['a/y']);
    expect(await r.due(4 * MIN)).toBeNull();
    expect(await r.due(5 * MIN)).not.toBeNull();
    expect(calls).toBe(2);
  });

  it('never asks a source without a call graph, and keeps the graph in use when a refresh fails', async () => {
    const plain: Source = { name: 'p', history: async () => [], current: async (t) => ({ t, pods: [] }), close: async () => {} };
    expect(await new CallGraphRefresh({ source: plain, log: silent() }).due(0)).toBeNull();
    const warned: unknown[] = [];
    const r = new CallGraphRefresh({ source: source(async () => { throw new Error('timeout'); }), log: { ...silent(), warn: (o) => warned.push(o) } });
    expect(await r.due(0)).toBeNull();
    expect(warned).toEqual([{ err: 'timeout' }]);
  });
});

function silent(): Logger {
  return { info() {}, warn() {}, error() {}, debug() {} };
}
