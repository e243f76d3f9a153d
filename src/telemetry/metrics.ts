/**
 * The service's own Prometheus metrics, on a prom-client Registry passed in (no global registry), so
 * tests and several engines in one process never collide. Names follow the seed documents.
 */
import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';
import { KeyedGauge } from './keyed-gauge.js';

/** Every metric kad exports. */
export interface Telemetry {
  readonly registry: Registry;
  /** Raw detector score per pod, in [0, 1]. */
  anomalyScore: KeyedGauge;
  anomalyThreshold: KeyedGauge;
  /** 1 when the policy flags the pod, else 0. */
  anomalyFlag: KeyedGauge;
  inferenceDuration: Histogram<never>;
  predictions: Counter<never>;
  anomaliesDetected: Counter<'namespace' | 'workload'>;
  sourceUp: Gauge<'source'>;
  /** 1 when the last delivery to the sink (alertmanager, webhook) succeeded. */
  notifyUp: Gauge<'sink'>;
  trainingDuration: Histogram<never>;
  lastCycle: Gauge<never>;
  cycleDuration: Histogram<never>;
  podsScored: Gauge<never>;
  modelsTrained: Gauge<never>;
  /** Predicted seconds until the pod's memory or CPU reaches its limit (only while heading there). */
  timeToExhaustion: KeyedGauge;
  /** 1 while the pod's early warning for the resource fires, else 0. */
  earlyWarning: KeyedGauge;
  /** A workload's forecast for the horizon's end: point and interval bounds. */
  forecast: Gauge<'namespace' | 'workload' | 'metric' | 'bound'>;
  /** Live accuracy of a workload's forecasts: MASE against seasonal naive, MAPE (%), interval coverage, poor (0/1). */
  forecastMase: Gauge<'namespace' | 'workload' | 'metric'>;
  forecastMape: Gauge<'namespace' | 'workload' | 'metric'>;
  forecastCoverage: Gauge<'namespace' | 'workload' | 'metric' | 'level'>;
  forecastPoor: Gauge<'namespace' | 'workload' | 'metric'>;
  forecastRefresh: Histogram<never>;
  /** Recommended replicas per workload (predictive scaling), and whether the forecast (1) or the reactive rule (0) set it. */
  recommendedReplicas: Gauge<'namespace' | 'workload'>;
  scalingPredictive: Gauge<'namespace' | 'workload'>;
  /** The production incident classifier's validation macro-F1, labelled by its algorithm and version (one series: the production one). */
  modelAccuracy: Gauge<'model' | 'version'>;
  /** Operator feedback recorded on anomalies, by verdict. */
  feedback: Counter<'verdict'>;
  /** Anomalies operators marked as false alarms, per workload (the alarms before feedback took effect). */
  falseAlarms: Counter<'namespace' | 'workload'>;
  /** Anomaly events opened on a workload with a score floor from false-alarm feedback (the alarms after). */
  alarmsAfterFeedback: Counter<'namespace' | 'workload'>;
  /** A workload's score floor from false-alarm feedback: alerts at or below it are muted. */
  workloadFloor: Gauge<'namespace' | 'workload'>;
  /** 1, labelled with this replica's shard and the number of shards (KAD_SHARD, KAD_SHARDS). */
  shardInfo: Gauge<'shard' | 'shards'>;
  /** Workloads and pods this replica owned in the source's last snapshot. */
  shardWorkloads: Gauge<never>;
  shardPods: Gauge<never>;
  /** 1 while the Prometheus source reads kad's recorded series (`kad rules`, KAD_RECORDING_RULES), 0 while it asks the six queries per batch. */
  recordedSeries: Gauge<never>;
}

/** Creates and registers kad's metrics on `registry`; with `processMetrics`, also Node's defaults. */
export function createTelemetry(registry: Registry, opts: { processMetrics?: boolean } = {}): Telemetry {
  if (opts.processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    anomalyScore: new KeyedGauge('anomaly_score', 'Anomaly score of the pod in [0,1]; higher is more anomalous.', registry),
    anomalyThreshold: new KeyedGauge(
      'anomaly_threshold',
      'Lowest anomaly score that would flag the pod now (its model\'s threshold, raised by the pod\'s calibrated false-alarm rate).',
      registry,
    ),
    anomalyFlag: new KeyedGauge('anomaly_flag', '1 when the pod is flagged anomalous by the alert policy, else 0.', registry),
    inferenceDuration: new Histogram({
      name: 'anomaly_detector_inference_duration_seconds',
      help: 'Time to score all pods in one scoring cycle (features, detectors, policy).',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    predictions: new Counter({ name: 'anomaly_detector_predictions_total', help: 'Pod scores computed.', registers }),
    anomaliesDetected: new Counter({
      name: 'anomaly_detector_anomalies_detected_total',
      help: 'Times a pod went from not flagged to flagged.',
      labelNames: ['namespace', 'workload'],
      registers,
    }),
    sourceUp: new Gauge({ name: 'anomaly_detector_source_up', help: '1 when the last query to the metrics source succeeded.', labelNames: ['source'], registers }),
    notifyUp: new Gauge({ name: 'anomaly_detector_notify_up', help: '1 when the last delivery to the alert sink succeeded.', labelNames: ['sink'], registers }),
    trainingDuration: new Histogram({
      name: 'anomaly_detector_training_duration_seconds',
      help: 'Time to train all workload models (fetching history included).',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    lastCycle: new Gauge({ name: 'anomaly_detector_last_cycle_timestamp_seconds', help: 'When the last scoring cycle finished (metrics time).', registers }),
    cycleDuration: new Histogram({
      name: 'anomaly_detector_cycle_duration_seconds',
      help: 'Time of a whole scoring cycle, source query included.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    podsScored: new Gauge({ name: 'anomaly_detector_pods', help: 'Pods scored in the last cycle.', registers }),
    shardInfo: new Gauge({ name: 'anomaly_detector_shard_info', help: 'Always 1: this replica\'s shard (0-based) and the number of shards the workloads are split into.', labelNames: ['shard', 'shards'], registers }),
    shardWorkloads: new Gauge({ name: 'anomaly_detector_shard_workloads', help: 'Workloads this replica owned (by rendezvous hashing of namespace/workload) in the last snapshot of the source.', registers }),
    shardPods: new Gauge({ name: 'anomaly_detector_shard_pods', help: 'Pods of the workloads this replica owned in the last snapshot of the source.', registers }),
    recordedSeries: new Gauge({
      name: 'anomaly_detector_prometheus_recorded_series',
      help: '1 while the Prometheus source reads kad\'s recorded series (kad rules, KAD_RECORDING_RULES), 0 otherwise (six queries per batch of pods, or another source).',
      registers,
    }),
    modelsTrained: new Gauge({ name: 'anomaly_detector_models', help: 'Workload models currently trained.', registers }),
    timeToExhaustion: new KeyedGauge(
      'anomaly_detector_time_to_exhaustion_seconds',
      'Predicted seconds until the pod\'s memory (working set) or CPU reaches its limit; present only while it is heading there.',
      registry,
    ),
    forecast: new Gauge({
      name: 'anomaly_detector_forecast',
      help: 'Forecast of a workload\'s total CPU (cores) or memory (bytes) for the end of the forecast horizon (graph it with `offset <horizon>` against the actual): bound="point", "lower_80", "upper_80", "lower_95", "upper_95".',
      labelNames: ['namespace', 'workload', 'metric', 'bound'],
      registers,
    }),
    forecastMase: new Gauge({ name: 'anomaly_detector_forecast_mase', help: 'Mean absolute scaled error of the workload\'s recent forecasts against seasonal naive (below 1: better than naive).', labelNames: ['namespace', 'workload', 'metric'], registers }),
    forecastMape: new Gauge({ name: 'anomaly_detector_forecast_mape', help: 'Mean absolute percentage error of the workload\'s recent forecasts (%).', labelNames: ['namespace', 'workload', 'metric'], registers }),
    forecastCoverage: new Gauge({ name: 'anomaly_detector_forecast_coverage', help: 'Share of recent actual values inside the forecast interval of the level (0.8, 0.95).', labelNames: ['namespace', 'workload', 'metric', 'level'], registers }),
    forecastPoor: new Gauge({ name: 'anomaly_detector_forecast_poor', help: '1 when the workload\'s recent forecasts are no better than seasonal naive (scaling falls back to reactive), else 0.', labelNames: ['namespace', 'workload', 'metric'], registers }),
    forecastRefresh: new Histogram({
      name: 'anomaly_detector_forecast_refresh_duration_seconds',
      help: 'Time refitting forecasts in one cycle.',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    recommendedReplicas: new Gauge({ name: 'anomaly_detector_recommended_replicas', help: 'Replicas kad recommends for the workload from its CPU forecast and the target utilisation (predictive scaling).', labelNames: ['namespace', 'workload'], registers }),
    scalingPredictive: new Gauge({ name: 'anomaly_detector_scaling_predictive', help: '1 when the recommendation comes from the forecast, 0 when it fell back to the reactive rule (no forecast yet, or a poor one).', labelNames: ['namespace', 'workload'], registers }),
    modelAccuracy: new Gauge({
      name: 'anomaly_detector_model_accuracy',
      help: 'Validation macro-F1 of the production incident classifier (held-out rows of its training data), by algorithm (model) and version.',
      labelNames: ['model', 'version'], registers,
    }),
    feedback: new Counter({ name: 'anomaly_detector_feedback_total', help: 'Feedback recorded on anomalies, by verdict: false_alarm and real_incident from operators (POST /anomalies/{id}/feedback), silenced from Alertmanager silences on their alerts (weak feedback).', labelNames: ['verdict'], registers }),
    falseAlarms: new Counter({ name: 'anomaly_detector_false_alarms_total', help: 'Anomalies of the workload that operators marked as false alarms (POST /anomalies/{id}/feedback).', labelNames: ['namespace', 'workload'], registers }),
    alarmsAfterFeedback: new Counter({
      name: 'anomaly_detector_alarms_after_feedback_total',
      help: 'Anomalies opened on a workload after false-alarm feedback set its score floor: compare with anomaly_detector_false_alarms_total to see what feedback changed.',
      labelNames: ['namespace', 'workload'],
      registers,
    }),
    workloadFloor: new Gauge({
      name: 'anomaly_detector_workload_score_floor',
      help: 'The workload\'s score floor from false-alarm feedback (the highest peak score of its false alarms): its alerts are muted until a score exceeds it (absent: none).',
      labelNames: ['namespace', 'workload'],
      registers,
    }),
    earlyWarning: new KeyedGauge(
      'anomaly_detector_early_warning',
      '1 while the pod\'s early warning (KadResourceExhaustion) for the resource fires, else 0.',
      registry,
    ),
  };
}
