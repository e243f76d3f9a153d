/**
 * /forecast: each workload's CPU and memory forecast (point, 80% and 95% intervals per step) with its
 * live accuracy; /scaling: the replica recommendation per workload. 404 when forecasting is off; a
 * filter that matches nothing answers 200 with an empty list, as /detect does.
 */
import { Type } from 'typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { InputError, NotFoundError } from '../core/errors.js';
import { FORECAST_METRICS, type ForecastMetric } from '../forecast/workload-forecasts.js';
import { forecastRows } from '../forecast/forecaster.js';
import type { ApiDeps } from './deps.js';

const Num = Type.Union([Type.Number(), Type.Null()]);
const num = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);

const Step = Type.Object({ time: Type.String(), point: Num, lower80: Num, upper80: Num, lower95: Num, upper95: Num });
const Accuracy = Type.Object({
  points: Type.Integer({ description: 'Scored (forecast, actual) pairs in the window' }),
  mase: Num, mape: Num, coverage80: Num, coverage95: Num,
  poor: Type.Boolean({ description: 'No better than seasonal naive: scaling falls back to reactive' }),
});
const Entry = Type.Object({
  namespace: Type.String(),
  workload: Type.String(),
  metric: Type.String({ description: 'cpu (cores, all pods) or memory (working-set bytes, all pods)' }),
  model: Type.Union([Type.String(), Type.Null()]),
  issued_at: Type.Union([Type.String(), Type.Null()]),
  periods_seconds: Type.Array(Type.Number()),
  steps: Type.Array(Step),
  accuracy: Type.Union([Accuracy, Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()], { description: 'Why there is no forecast yet (e.g. too little history)' }),
});
const Query = Type.Object({
  namespace: Type.Optional(Type.String({ description: 'Only this namespace.' })),
  workload: Type.Optional(Type.String({ description: 'Only this workload (Deployment, StatefulSet, …).' })),
  metric: Type.Optional(Type.String({ description: 'cpu or memory.' })),
});
const Recommendation = Type.Object({
  namespace: Type.String(),
  workload: Type.String(),
  replicas: Type.Integer(),
  current_replicas: Type.Integer(),
  reactive_replicas: Type.Integer({ description: 'What an HPA would set from the usage now' }),
  predictive_replicas: Type.Union([Type.Integer(), Type.Null()]),
  mode: Type.String({ description: 'predictive, or reactive (no forecast yet, or a poor one)' }),
  forecast_peak: Num,
  forecast_peak_at: Type.Union([Type.String(), Type.Null()]),
  limited_by: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String(),
});

const iso = (t: number | null | undefined) => (t !== null && t !== undefined && Number.isFinite(t) ? new Date(t).toISOString() : null);

/** Registers GET /forecast and GET /scaling. */
export const forecastRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const forecasts = () => {
    const f = deps.engine.workloadForecasts();
    if (!f) throw new NotFoundError('Forecasting is off (KAD_FORECAST=false)');
    return f;
  };

  app.withTypeProvider<TypeBoxTypeProvider>().get('/forecast', {
    schema: {
      description: 'Forecasts of every workload\'s total CPU and memory over the horizon (default 30 min): point and 80%/95% intervals per step, with the live accuracy of its recent forecasts (MASE against seasonal naive, MAPE %, coverage).',
      tags: ['forecast'],
      querystring: Query,
      response: { 200: Type.Object({ forecasts: Type.Array(Entry), count: Type.Integer(), backfilling: Type.Boolean() }) },
    },
  }, async (req) => {
    const { namespace, workload, metric } = req.query;
    if (metric !== undefined && !FORECAST_METRICS.includes(metric as ForecastMetric)) {
      throw new InputError(`metric must be one of ${FORECAST_METRICS.join(', ')}, got "${metric}"`);
    }
    const f = forecasts();
    const out = [];
    for (const [ns, wl] of f.workloads()) {
      if ((namespace !== undefined && ns !== namespace) || (workload !== undefined && wl !== workload)) continue;
      for (const m of FORECAST_METRICS) {
        if (metric !== undefined && m !== metric) continue;
        const { forecast: fc, accuracy: a, status } = f.get(ns, wl, m);
        out.push({
          namespace: ns, workload: wl, metric: m,
          model: fc?.model ?? null,
          issued_at: iso(fc?.issuedAt),
          periods_seconds: fc ? fc.periodsMs.map((p) => p / 1000) : [],
          steps: fc ? forecastRows(fc).map((r) => ({ time: r.time, point: num(r.point), lower80: num(r.lower80), upper80: num(r.upper80), lower95: num(r.lower95), upper95: num(r.upper95) })) : [],
          accuracy: a && a.points > 0 ? { points: a.points, mase: num(a.mase), mape: num(a.mape), coverage80: num(a.coverage80), coverage95: num(a.coverage95), poor: a.poor } : null,
          error: fc ? null : (status?.lastError ?? (f.backfilling ? 'loading history' : 'not forecast yet')),
        });
      }
    }
    return { forecasts: out, count: out.length, backfilling: f.backfilling };
  });

  app.withTypeProvider<TypeBoxTypeProvider>().get('/scaling', {
    schema: {
      description: 'Recommended replicas per workload from its CPU forecast and the target utilisation of its CPU request (predictive scaling; exported as anomaly_detector_recommended_replicas).',
      tags: ['forecast'],
      querystring: Type.Object({ namespace: Type.Optional(Type.String()) }),
      response: { 200: Type.Object({ recommendations: Type.Array(Recommendation), count: Type.Integer() }) },
    },
  }, async (req) => {
    const recs = [];
    for (const { namespace, workload, recommendation: r } of forecasts().recommendations().values()) {
      if (req.query.namespace !== undefined && namespace !== req.query.namespace) continue;
      recs.push({
        namespace, workload, replicas: r.replicas, current_replicas: r.currentReplicas, reactive_replicas: r.reactiveReplicas,
        predictive_replicas: r.predictiveReplicas, mode: r.mode, forecast_peak: num(r.forecastPeak ?? undefined), forecast_peak_at: iso(r.forecastPeakAt),
        limited_by: r.limitedBy, reason: r.reason,
      });
    }
    return { recommendations: recs, count: recs.length };
  });
};
