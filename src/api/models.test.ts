import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { ModelsView } from '../engine/classifier-service.js';
import { modelsRoutes } from './models.js';

const entry = (version: string, stage: 'candidate' | 'production' | 'archived', macroF1: number) => ({
  version, algorithm: 'random-forest', params: {}, dataSha256: 'ab'.repeat(32), macroF1, recall: { normal: 1, memory_leak: 0.9 }, createdAt: '2026-01-01T00:00:00.000Z', stage,
});

describe('GET /models', () => {
  it('lists the versions oldest first with production marked, and the last training', async () => {
    const view: ModelsView = {
      dir: '/state/classifiers', production: 'v0002', inUse: 'v0002', problem: null, training: false, watching: '/data/sim.csv',
      lastTraining: { data: '/data/sim.csv', finishedAt: '2026-01-01T00:01:00.000Z', ok: true, version: 'v0003', stage: 'candidate', macroF1: 0.4, reason: 'worse', ms: 1200 },
      versions: [entry('v0001', 'archived', 0.9), entry('v0002', 'production', 0.95), entry('v0003', 'candidate', 0.4)],
    };
    const app = Fastify();
    await app.register(modelsRoutes, { classifiers: { models: () => view } });
    const r = await app.inject('/models');
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({ production: 'v0002', in_use: 'v0002', count: 3, watching: '/data/sim.csv', last_training: { version: 'v0003', stage: 'candidate', macro_f1: 0.4, duration_ms: 1200 } });
    expect(body.versions.map((v: { version: string; production: boolean; stage: string }) => [v.version, v.stage, v.production]))
      .toEqual([['v0001', 'archived', false], ['v0002', 'production', true], ['v0003', 'candidate', false]]);
    expect(body.versions[1]).toMatchObject({ kind: 'random-forest', macro_f1: 0.95, recall: { memory_leak: 0.9 }, data_sha256: 'ab'.repeat(32) });
    await app.close();
  });

  it('answers an empty list without a classifier service', async () => {
    const app = Fastify();
    await app.register(modelsRoutes, {});
    expect((await app.inject('/models')).json()).toMatchObject({ production: null, versions: [], count: 0, last_training: null });
    await app.close();
  });
});
