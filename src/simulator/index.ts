/**
 * The embedded simulated Kubernetes cluster: workloads with daily and weekly seasonality, cAdvisor
 * and kube-state-metrics series, injected incidents with ground truth, and an HTTP exporter.
 */
export { SimulatedCluster, FUTURE_HORIZON_MS, type SimulatorOptions } from './cluster.js';
export { renderExposition, escapeLabelValue, formatValue, EXPOSITION_CONTENT_TYPE } from './exposition.js';
export { startExporter, incidentToJson, type Exporter, type ExporterOptions, type IncidentJson } from './exporter.js';
export { METRIC_METADATA, selectSamples, type MetricMeta } from './metrics.js';
export { defaultTopology, type ClusterTopology, type WorkloadSpec, type NodeSpec, type AutoscaleSpec } from './topology.js';
export { dailyFactor, weeklyFactor } from './traffic.js';
export { ROTATION, DEFAULT_DURATION_MS, DEFAULT_TARGET } from './schedule.js';
export { OOM_WINDOW_MS, BACKOFF_START_S, BACKOFF_CAP_S } from './incidents.js';
export {
  INCIDENT_KINDS, BENIGN_KINDS,
  type Incident, type IncidentKind, type SchedulableKind, type ScheduledEvent, type ScenarioOptions,
  type MetricSample, type SimPod, type WorkloadStatus, type TrafficPattern,
} from './types.js';
export { incidentTour, meshFaultTour } from './scenarios.js';
