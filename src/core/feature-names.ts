/**
 * The names of the pod features every stage agrees on: the built-in ones (computed in
 * features/pod-features.ts) and the custom series users add in the config file (`features.custom`),
 * which the config validates against them and the Prometheus source queries. Here, below both, so
 * the config can refuse a custom name that clashes with a built-in one.
 */

/** Names of the pod's own features (from cAdvisor and kube-state-metrics), in vector order. */
export const POD_FEATURES = ['cpu_per_traffic', 'cpu_above_peers', 'memory_utilisation', 'restarts_recent', 'rx_drop_ratio'] as const;

/** Names of the service-mesh features, last in the vector when the mesh is on. */
export const MESH_FEATURES = ['mesh_request_rate', 'mesh_error_ratio', 'mesh_latency', 'mesh_missing_callees'] as const;

/**
 * The built-in features where only a rise is trouble: a pod using less memory, restarting less,
 * dropping fewer packets, failing fewer requests, answering faster or calling more of its callees than
 * usual (or busy below its peers) is not an incident, and an SRE does not want an alert for it. The pod model scores these
 * above what it expects only (the detectors' `onlyAbove`, detectors/scale-settings.ts). A fall in
 * CPU per unit of traffic, or in a pod's share of its workload's requests, can be one, so those two
 * stay two-sided.
 */
export const ONLY_ABOVE_FEATURES: ReadonlySet<string> = new Set(['cpu_above_peers', 'memory_utilisation', 'restarts_recent', 'rx_drop_ratio', 'mesh_error_ratio', 'mesh_latency', 'mesh_missing_callees']);

/** Every built-in feature name; a custom series may not take one. */
export const BUILT_IN_FEATURES: readonly string[] = Object.freeze([...POD_FEATURES, ...MESH_FEATURES]);

/** What a custom feature's name must match (a Prometheus-style lower-case name). */
export const CUSTOM_FEATURE_NAME = /^[a-z_][a-z0-9_]*$/;

/** A custom per-pod series (config `features.custom`): a feature fed by a PromQL query. */
export interface CustomSeries {
  /** The feature's name (matches {@link CUSTOM_FEATURE_NAME}, unique, not a built-in name). */
  readonly name: string;
  /** PromQL whose answer has one series per pod, with `namespace` and the pod label. */
  readonly query: string;
  /** The feature's smallest scale (its own units), as the built-in features' floors. */
  readonly scaleFloor: number;
  /** Only a rise is anomalous (as for {@link ONLY_ABOVE_FEATURES}); unset or false: a move either way. */
  readonly onlyAbove?: boolean;
}
