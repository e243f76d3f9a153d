import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../core/clock.js';
import { InputError } from '../core/errors.js';
import { SimulatedCluster } from './cluster.js';
import { startExporter, type Exporter, type IncidentJson } from './exporter.js';
import { parseInjection } from './inject.js';

const MONDAY = Date.parse('2024-03-04T00:00:00Z');
const MIN = 60_000;

describe('parseInjection', () => {
  it('turns the JSON body into a scheduled event at now + inSeconds', () => {
    expect(parseInjection('{"kind":"cpu_runaway","namespace":"shop","workload":"catalog","durationSeconds":120,"inSeconds":30}', MONDAY))
      .toMatchObject({ kind: 'cpu_runaway', namespace: 'shop', workload: 'catalog', at: MONDAY + 30_000, durationMs: 120_000 });
    expect(parseInjection('{"kind":"packet_loss"}', MONDAY)).toMatchObject({ kind: 'packet_loss', at: MONDAY, durationMs: undefined });
  });

  it('rejects what is not an incident, saying what is wrong', () => {
    expect(() => parseInjection('not json', MONDAY)).toThrow(/must be JSON/);
    expect(() => parseInjection('{}', MONDAY)).toThrow(/"kind" is required/);
    expect(() => parseInjection('{"kind":"cpu_runaway","durationSeconds":-1}', MONDAY)).toThrow(InputError);
    expect(() => parseInjection('{"kind":"cpu_runaway","workload":3}', MONDAY)).toThrow(/"workload" must be a string/);
  });
});

describe('SimulatedCluster.inject', () => {
  it('starts the incident on the next tick: ground truth with its pod, and the pod\'s CPU climbs', () => {
    const cluster = new SimulatedCluster({ seed: 4, start: MONDAY, scenario: { random: false } });
    cluster.advanceTo(MONDAY + 10 * MIN);
    const planned = cluster.inject({ kind: 'cpu_runaway', at: MONDAY, namespace: 'shop', workload: 'catalog', durationMs: 5 * MIN });
    expect(planned).toMatchObject({ id: 'e1', kind: 'cpu_runaway', namespace: 'shop', workload: 'catalog', start: MONDAY + 10 * MIN + cluster.tickMs });
    cluster.advanceTo(MONDAY + 13 * MIN);
    const truth = cluster.incidents().find((i) => i.id === 'e1')!;
    expect(truth.pod).toMatch(/^catalog-/);
    expect(cluster.inject({ kind: 'memory_leak', at: 0, workload: 'catalog', namespace: 'shop' }).id).toBe('e2');
    expect(() => cluster.inject({ kind: 'cpu_runaway', at: 0, workload: 'nope' })).toThrow(/incident: no workload named "nope"/);
  });
});

describe('POST /incidents on the exporter', () => {
  let exporter: Exporter | undefined;
  afterEach(async () => {
    await exporter?.close();
    exporter = undefined;
  });

  it('injects an incident (201 with its ground truth) when inject is on; 400 for a bad one; 405 when off', async () => {
    const clock = manualClock(MONDAY);
    const cluster = new SimulatedCluster({ seed: 4, start: MONDAY, scenario: { random: false } });
    exporter = await startExporter({ cluster, clock, host: '127.0.0.1', port: 0, inject: true });
    const post = (body: string) => fetch(`${exporter!.url}/incidents`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const r = await post('{"kind":"cpu_runaway","namespace":"shop","workload":"catalog"}');
    expect(r.status).toBe(201);
    const inc = (await r.json()) as IncidentJson;
    expect(inc).toMatchObject({ kind: 'cpu_runaway', workload: 'catalog' });
    clock.advance(MIN);
    const list = (await (await fetch(`${exporter.url}/incidents`)).json()) as IncidentJson[];
    expect(list.find((i) => i.id === inc.id)?.pod).toMatch(/^catalog-/);
    const bad = await post('{"kind":"meteor"}');
    expect(bad.status).toBe(400);
    const err = (await bad.json()) as { code: string; message: string };
    expect(err.code).toMatch(/^KAD_ERR_/);
    expect(err.message).toMatch(/"meteor" is not one of/);
    await exporter.close();
    exporter = await startExporter({ cluster, clock, host: '127.0.0.1', port: 0 });
    expect((await post('{"kind":"cpu_runaway"}')).status).toBe(405);
  });
});
