/**
 * /detect: the latest score and flag of every pod (the seed's contract, with namespace and network
 * added), highest score first. 503 with a reason before the first model is trained.
 */
import { Type } from 'typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiDeps } from './deps.js';

const Num = Type.Union([Type.Number(), Type.Null()]);

const PodResult = Type.Object({
  namespace: Type.String(),
  pod: Type.String(),
  workload: Type.String(),
  node: Type.Union([Type.String(), Type.Null()]),
  cpu: Num,
  memory: Num,
  restarts: Num,
  network_rx_bytes: Num,
  network_tx_bytes: Num,
  anomaly_flag: Type.Integer({ minimum: 0, maximum: 1 }),
  anomaly_score: Type.Number({ minimum: 0, maximum: 1 }),
  anomaly_threshold: Type.Number({ minimum: 0, maximum: 1, description: 'The lowest score that would flag the pod now (the model\'s threshold, raised by the pod\'s calibrated false-alarm rate)' }),
  model: Type.String({ description: 'pod (its own streaming model), workload (its workload\'s model) or cluster (the cluster-wide fallback)' }),
  model_score: Type.Number({ minimum: 0, maximum: 1, description: 'The model\'s own score' }),
  peer_score: Type.Number({ minimum: 0, maximum: 1, description: 'Score against the other replicas of its ReplicaSet (0.5 = outlier threshold; 0 with fewer than 3)' }),
  features: Type.Record(Type.String(), Num),
  time_to_exhaustion_seconds: Type.Object(
    { memory: Num, cpu: Num },
    { description: 'Predicted seconds until the pod reaches its memory / CPU limit (null: not heading there, no limit, or early warning off)' },
  ),
  early_warnings: Type.Array(Type.String(), { description: 'Resources whose early warning (KadResourceExhaustion) fires' }),
  inhibited_by: Type.Array(Type.String(), { description: 'While flagged: the firing alerts of workloads it calls (topology inhibition: its own alert is held, or names them)' }),
  incident_type: Type.Optional(Type.String({ description: 'While flagged, when an incident classifier is in production (GET /models): the likely incident type from the pod\'s recent feature window, e.g. memory_leak (normal: none of the types it knows)' })),
  incident_probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'The classifier\'s probability of incident_type' })),
  timestamp: Type.String(),
});

const Query = Type.Object({
  namespace: Type.Optional(Type.String({ description: 'Only pods of this namespace.' })),
  flagged: Type.Optional(Type.Boolean({ description: 'Only flagged (true or 1) or unflagged (false or 0) pods.' })),
});

const num = (x: number) => (Number.isFinite(x) ? x : null);

/** Registers GET /detect. */
export const detectRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.withTypeProvider<TypeBoxTypeProvider>().get('/detect', {
    schema: {
      description: 'Anomaly score (0–1, higher is more anomalous) and flag per pod from the latest scoring cycle.',
      tags: ['detection'],
      querystring: Query,
      response: { 200: Type.Object({ pods: Type.Array(PodResult), count: Type.Integer() }) },
    },
  }, async (req) => {
    const { namespace, flagged } = req.query;
    const pods = deps.engine
      .detect()
      .filter((r) => (namespace === undefined || r.ref.namespace === namespace) && (flagged === undefined || r.flagged === flagged))
      .map((r) => ({
        namespace: r.ref.namespace,
        pod: r.ref.pod,
        workload: r.ref.workload,
        node: r.ref.node ?? null,
        cpu: num(r.sample.cpu),
        memory: num(r.sample.memory),
        restarts: num(r.sample.restarts),
        network_rx_bytes: num(r.sample.rxBytes),
        network_tx_bytes: num(r.sample.txBytes),
        anomaly_flag: r.flagged ? 1 : 0,
        anomaly_score: r.score,
        anomaly_threshold: r.threshold,
        model: r.model,
        model_score: r.modelScore,
        peer_score: r.peerScore,
        features: Object.fromEntries(Object.entries(r.features).map(([k, v]) => [k, num(v)])),
        time_to_exhaustion_seconds: { memory: num(r.exhaustion?.memorySeconds ?? NaN), cpu: num(r.exhaustion?.cpuSeconds ?? NaN) },
        early_warnings: r.exhaustion?.warnings ?? [],
        inhibited_by: (r.inhibitedBy ?? []).map((a) => `${a.namespace}/${a.pod ?? a.workload}`),
        ...(r.anomaly?.incident ? { incident_type: r.anomaly.incident.type, incident_probability: r.anomaly.incident.probability } : {}),
        timestamp: new Date(r.t).toISOString(),
      }));
    return { pods, count: pods.length };
  });
};
