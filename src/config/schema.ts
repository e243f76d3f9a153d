/**
 * The one configuration schema (CONVENTIONS.md point 8). It describes both the config file
 * (`--config kad.yaml`) and the environment variables; defaults live here and nowhere else. Each
 * field's `allowed` text is what an error message tells the user.
 */
import { Type, type Static } from 'typebox';

const int = (min: number, max: number, dflt: number, env?: string) =>
  Type.Integer({ minimum: min, maximum: max, default: dflt, allowed: `an integer from ${min} to ${max}`, env });

const HEADERS_ALLOWED = (what: string) =>
  `extra HTTP headers on every request to ${what}, as Name=value pairs separated by commas (a comma or = in a value as %2C or %3D), e.g. X-Scope-OrgID=team-a`;

/**
 * How kad authenticates to a server it calls (core/http-endpoint.ts), the settings named
 * `<PREFIX>_BEARER_TOKEN`, `<PREFIX>_CA_FILE`, …: a bearer token or basic auth, a CA, a client
 * certificate (mutual TLS), skipping verification, extra headers.
 */
function httpAuth(prefix: string, what: string) {
  const text = (suffix: string, allowed: string) => Type.Optional(Type.String({ minLength: 1, env: `${prefix}_${suffix}`, allowed }));
  return {
    bearerToken: text('BEARER_TOKEN', `a bearer token for ${what}`),
    bearerTokenFile: text('BEARER_TOKEN_FILE', `a path to a file holding a bearer token for ${what} (read on every request)`),
    username: text('USERNAME', `a basic-auth user name for ${what}`),
    password: Type.Optional(Type.String({ env: `${prefix}_PASSWORD`, allowed: `a basic-auth password for ${what}` })),
    passwordFile: text('PASSWORD_FILE', `a path to a file holding the basic-auth password for ${what}`),
    caFile: text('CA_FILE', `a path to a PEM bundle of the CAs to trust for ${what}`),
    certFile: text('CERT_FILE', `a path to a PEM client certificate for ${what} (mutual TLS; with ${prefix}_KEY_FILE)`),
    keyFile: text('KEY_FILE', `a path to the PEM private key of ${prefix}_CERT_FILE`),
    insecureSkipVerify: Type.Boolean({ default: false, env: `${prefix}_INSECURE_SKIP_VERIFY`, allowed: 'true or false' }),
    headers: text('HEADERS', HEADERS_ALLOWED(what)),
  };
}

/** The configuration schema. */
export const ConfigSchema = Type.Object(
  {
    prometheus: Type.Object(
      {
        url: Type.Optional(
          Type.String({ pattern: '^https?://', env: 'PROMETHEUS_URL', allowed: 'an http:// or https:// URL (unset: the embedded simulated cluster)' }),
        ),
        namespaceRegex: Type.String({ default: '.*', env: 'NAMESPACE_REGEX', allowed: 'a regular expression' }),
        podLabel: Type.String({ default: 'pod', minLength: 1, pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$', env: 'POD_LABEL', allowed: 'a Prometheus label name' }),
        requestTimeoutSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 600, default: 5, env: 'REQUEST_TIMEOUT_SECONDS', allowed: 'a number of seconds above 0 and at most 600' }),
        rateWindow: Type.String({ default: '1m', pattern: '^[0-9]+(ms|s|m|h)$', env: 'KAD_RATE_WINDOW', allowed: 'a PromQL duration such as 30s, 1m or 5m' }),
        recordingRules: Type.Union(['auto', 'on', 'off'].map((l) => Type.Literal(l)), {
          default: 'auto', env: 'KAD_RECORDING_RULES',
          allowed: 'one of auto (read the per-pod values from the recording rules `kad rules` prints when Prometheus has them), on (always; an error while they are missing), off (never: six queries per batch)',
        }),
        batchSize: int(1, 100_000, 500, 'KAD_QUERY_BATCH_PODS'),
        concurrency: int(1, 64, 4, 'KAD_QUERY_CONCURRENCY'),
        maxRetries: int(0, 20, 3, 'KAD_QUERY_RETRIES'),
        ...httpAuth('PROMETHEUS', 'Prometheus'),
      },
      { default: {}, additionalProperties: false },
    ),
    source: Type.Object(
      {
        kind: Type.Union(['auto', 'simulator', 'prometheus', 'metrics-api', 'replay', 'remote-write'].map((l) => Type.Literal(l)), {
          default: 'auto', env: 'KAD_SOURCE', allowed: 'one of auto (Prometheus when PROMETHEUS_URL is set, else the simulator), simulator, prometheus, metrics-api, replay (recorded per-pod CSV files in KAD_REPLAY_DIR), remote-write (Prometheus pushes to POST /api/v1/write)',
        }),
        replayDir: Type.Optional(Type.String({ minLength: 1, env: 'KAD_REPLAY_DIR', allowed: 'a folder of per-pod CSV files to replay (KAD_SOURCE=replay; layouts in src/sources/replay.ts)' })),
        kubeconfig: Type.Optional(Type.String({ minLength: 1, env: 'KUBECONFIG', allowed: 'a path to a kubeconfig file (unset: in-cluster service account)' })),
      },
      { default: {}, additionalProperties: false },
    ),
    remoteWrite: Type.Object(
      {
        maxSeries: int(1, 100_000_000, 200_000, 'KAD_REMOTE_WRITE_MAX_SERIES'),
        maxSamplesPerSeries: int(4, 1_000_000, 360, 'KAD_REMOTE_WRITE_MAX_SAMPLES_PER_SERIES'),
        bufferBytes: int(1024, 4_294_967_295, 33_554_432, 'KAD_REMOTE_WRITE_BUFFER_BYTES'),
      },
      { default: {}, additionalProperties: false },
    ),
    sharding: Type.Object(
      {
        shards: int(1, 1024, 1, 'KAD_SHARDS'),
        by: Type.Union([Type.Literal('workload'), Type.Literal('namespace')], {
          default: 'workload', env: 'KAD_SHARD_BY',
          allowed: 'workload (each replica owns the workloads whose namespace/workload hashes to it) or namespace (whole namespaces: cheaper queries, balance by namespace size)',
        }),
        shard: Type.Optional(Type.Integer({
          minimum: 0, maximum: 1023, env: 'KAD_SHARD',
          allowed: 'this replica\'s shard, from 0 to KAD_SHARDS - 1 (unset: the ordinal of a StatefulSet pod\'s host name, kad-<N>)',
        })),
      },
      { default: {}, additionalProperties: false },
    ),
    training: Type.Object(
      {
        lookbackMinutes: int(5, 100_000, 60, 'TRAINING_LOOKBACK_MINUTES'),
        warmupMinutes: int(0, 100_000, 1440, 'KAD_WARMUP_MINUTES'),
        queryStepSeconds: int(1, 3600, 60, 'QUERY_STEP_SECONDS'),
        retrainMinutes: int(0, 100_000, 60, 'KAD_RETRAIN_MINUTES'),
        modelDir: Type.Optional(Type.String({ minLength: 1, env: 'KAD_MODEL_DIR', allowed: 'a directory written by `kad train` (load it at start instead of training)' })),
      },
      { default: {}, additionalProperties: false },
    ),
    iforest: Type.Object(
      {
        nEstimators: int(1, 10_000, 100, 'IFOREST_N_ESTIMATORS'),
        maxSamples: Type.Union([Type.Literal('auto'), Type.Integer({ minimum: 2, maximum: 1_000_000 })], {
          default: 256, env: 'IFOREST_MAX_SAMPLES', allowed: '"auto" or an integer from 2 to 1000000',
        }),
        contamination: Type.Union([Type.Literal('auto'), Type.Number({ exclusiveMinimum: 0, maximum: 0.5 })], {
          default: 'auto', env: 'IFOREST_CONTAMINATION', allowed: '"auto" or a number above 0 and at most 0.5',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    detector: Type.Object(
      {
        kind: Type.String({
          default: 'adaptive', minLength: 1, env: 'KAD_DETECTOR',
          allowed: 'adaptive (kad score\'s default, one per pod), pod-model (per-workload Isolation Forest + largest z) or another detector kind of `kad score --detector` (ensemble, zmax, robust-z, hst, ...)',
        }),
        seed: int(0, 2 ** 31 - 1, 42, 'KAD_SEED'),
        peerGroup: Type.Boolean({ default: true, env: 'KAD_PEER_GROUP', allowed: 'true (compare each pod with the other replicas of its ReplicaSet) or false' }),
      },
      { default: {}, additionalProperties: false },
    ),
    policy: Type.Object(
      {
        consecutive: int(1, 100, 2, 'KAD_CONSECUTIVE'),
        window: int(0, 1000, 0, 'KAD_POLICY_WINDOW'),
        hysteresis: Type.Number({ minimum: 0, exclusiveMaximum: 1, default: 0, env: 'KAD_POLICY_HYSTERESIS', allowed: 'a score difference from 0 (none) to below 1' }),
        forSeconds: Type.Number({ minimum: 0, maximum: 86_400, default: 0, env: 'KAD_ALERT_FOR_SECONDS', allowed: 'seconds from 0 to 86400' }),
        keepFiringForSeconds: Type.Number({ minimum: 0, maximum: 86_400, default: 0, env: 'KAD_ALERT_KEEP_FIRING_FOR_SECONDS', allowed: 'seconds from 0 to 86400' }),
        cooldownSeconds: Type.Number({ minimum: 0, maximum: 86_400, default: 0, env: 'KAD_ALERT_COOLDOWN_SECONDS', allowed: 'seconds from 0 to 86400' }),
        targetFalseAlarmsPerDay: Type.Number({ minimum: 0, maximum: 1000, default: 0, env: 'KAD_TARGET_FALSE_ALARMS_PER_DAY', allowed: 'false alarms per pod-day from 0 (calibration off) to 1000' }),
        targetFalseAlarmRate: Type.Number({
          minimum: 0, maximum: 0.5, default: 0.001, env: 'KAD_TARGET_FALSE_ALARM_RATE',
          allowed: 'a share of each series\' points from 0 (flag at the detector\'s own threshold) to 0.5: a point is flagged when its score is rarer than this among its series\' own scores',
        }),
        stopLearning: Type.Boolean({ default: true, env: 'KAD_STOP_LEARNING', allowed: 'true or false' }),
        maxQuarantineSeconds: Type.Number({ minimum: 0, maximum: 604_800, default: 3600, env: 'KAD_MAX_QUARANTINE_SECONDS', allowed: 'seconds from 0 to 604800' }),
      },
      { default: {}, additionalProperties: false },
    ),
    mesh: Type.Object(
      {
        mode: Type.Union(['auto', 'istio', 'linkerd', 'off'].map((l) => Type.Literal(l)), {
          default: 'auto', env: 'KAD_MESH',
          allowed: 'one of auto (Istio or Linkerd series, whichever the cluster has), istio, linkerd, off: each pod\'s request rate, 5xx share, latency and missing callees as features, and the call graph for topology inhibition of alerts',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    features: Type.Object(
      {
        custom: Type.Array(
          Type.Object(
            {
              name: Type.String({ pattern: '^[a-z_][a-z0-9_]*$' }),
              query: Type.String({ minLength: 1 }),
              scaleFloor: Type.Number({ minimum: 0 }),
              onlyAbove: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
          {
            default: [],
            allowed: 'a list of custom per-pod series, each with name (a feature name: lower-case letters, digits and _, not a built-in feature\'s), query (PromQL answering one series per pod, with namespace and pod labels) scaleFloor (a number >= 0: the feature\'s smallest scale) and optionally onlyAbove (true: only a rise is anomalous); see config/custom-series.ts',
          },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    earlyWarning: Type.Object(
      {
        enabled: Type.Boolean({ default: true, env: 'KAD_EARLY_WARNING', allowed: 'true (warn before a pod\'s memory or CPU reaches its limit) or false' }),
        horizonMinutes: int(5, 10_080, 120, 'KAD_EARLY_WARNING_MINUTES'),
        consecutive: int(1, 100, 3, 'KAD_EARLY_WARNING_CONSECUTIVE'),
        memoryAt: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.98, env: 'KAD_EARLY_WARNING_MEMORY_AT', allowed: 'a share of the memory limit above 0 and at most 1' }),
        cpuAt: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.95, env: 'KAD_EARLY_WARNING_CPU_AT', allowed: 'a share of the CPU limit above 0 and at most 1' }),
      },
      { default: {}, additionalProperties: false },
    ),
    forecast: Type.Object(
      {
        enabled: Type.Boolean({ default: true, env: 'KAD_FORECAST', allowed: 'true (forecast every workload\'s CPU and memory, recommend replicas) or false' }),
        horizonMinutes: int(1, 1440, 30, 'KAD_FORECAST_HORIZON_MINUTES'),
        model: Type.Union(['seasonal', 'seasonal-ets', 'mstl', 'prophet'].map((l) => Type.Literal(l)), {
          default: 'seasonal', env: 'KAD_FORECAST_MODEL', allowed: 'one of seasonal, seasonal-ets (augurs ETS on the remainder), mstl (augurs MSTL), prophet (augurs Prophet)',
        }),
        refreshMinutes: int(1, 1440, 5, 'KAD_FORECAST_REFRESH_MINUTES'),
        refreshBudgetMs: int(1, 60_000, 1000, 'KAD_FORECAST_REFRESH_BUDGET_MS'),
        historyDays: int(0, 60, 8, 'KAD_FORECAST_HISTORY_DAYS'),
      },
      { default: {}, additionalProperties: false },
    ),
    scaling: Type.Object(
      {
        targetUtilisation: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.7, env: 'KAD_SCALING_TARGET_UTILISATION', allowed: 'a share of the CPU request above 0 and at most 1' }),
        minReplicas: int(0, 100_000, 1, 'KAD_SCALING_MIN_REPLICAS'),
        maxReplicas: int(1, 100_000, 100, 'KAD_SCALING_MAX_REPLICAS'),
        scaleDownStabilisationSeconds: int(0, 86_400, 300, 'KAD_SCALING_STABILISATION_SECONDS'),
      },
      { default: {}, additionalProperties: false },
    ),
    alertmanager: Type.Object(
      {
        url: Type.Optional(Type.String({ pattern: '^https?://', env: 'ALERTMANAGER_URL', allowed: 'an http:// or https:// URL, or one per replica of an HA Alertmanager separated by commas (each is sent every alert); unset: no Alertmanager' })),
        webhookUrl: Type.Optional(Type.String({ pattern: '^https?://', env: 'KAD_WEBHOOK_URL', allowed: 'an http:// or https:// URL to POST alerts to as JSON (unset: none)' })),
        resendSeconds: int(1, 86_400, 60, 'KAD_ALERT_RESEND_SECONDS'),
        severity: Type.String({ default: 'warning', minLength: 1, env: 'KAD_ALERT_SEVERITY', allowed: 'a severity label value' }),
        labels: Type.Optional(Type.String({ minLength: 1, env: 'KAD_ALERT_LABELS', allowed: 'labels added to every alert, as name=value pairs separated by commas (Prometheus\'s external_labels), e.g. cluster=prod-eu' })),
        externalUrl: Type.Optional(Type.String({ pattern: '^https?://', env: 'KAD_EXTERNAL_URL', allowed: 'the URL users reach kad at, for links in alerts' })),
        silencePollSeconds: Type.Integer({ minimum: 0, maximum: 86_400, default: 60, env: 'KAD_SILENCE_POLL_SECONDS', allowed: 'seconds between reads of Alertmanager\'s silences (weak feedback on anomalies), from 0 (off) to 86400' }),
        ...httpAuth('ALERTMANAGER', 'Alertmanager'),
        webhookHeaders: Type.Optional(Type.String({ minLength: 1, env: 'KAD_WEBHOOK_HEADERS', allowed: HEADERS_ALLOWED('the webhook') })),
      },
      { default: {}, additionalProperties: false },
    ),
    store: Type.Object(
      {
        recentMinutes: Type.Integer({ minimum: 1, maximum: 100_000, default: 120, allowed: 'minutes of recent samples kept per pod and per workload at the cycle step, from 1 to 100000' }),
        historyTailHours: Type.Integer({ minimum: 1, maximum: 1440, default: 26, allowed: 'hours of each workload series kept at the cycle step for forecasting, from 1 to 1440' }),
        historyKeepDays: Type.Integer({ minimum: 1, maximum: 400, default: 15, allowed: 'days of each workload series kept as bucket means for forecasting, from 1 to 400' }),
        historyBucketMinutes: Type.Integer({ minimum: 1, maximum: 1440, default: 5, allowed: 'minutes per bucket mean of the long history (at least the cycle step), from 1 to 1440' }),
        workloadTtlHours: Type.Integer({ minimum: 1, maximum: 1440, default: 24, allowed: 'hours after which a workload no longer seen is forgotten, from 1 to 1440' }),
      },
      { default: {}, additionalProperties: false },
    ),
    state: Type.Object(
      {
        dir: Type.Optional(Type.String({
          minLength: 1, env: 'KAD_STATE_DIR',
          allowed: 'a writable directory for the event store (kad.db), the alert outbox and other state (unset: the event store is in memory only, the outbox in .kad)',
        })),
        retentionDays: int(1, 3650, 7, 'KAD_RETENTION_DAYS'),
        historyPointsPerPod: int(60, 10_000_000, 10_080, 'KAD_HISTORY_POINTS_PER_POD'),
      },
      { default: {}, additionalProperties: false },
    ),
    classifier: Type.Object(
      {
        data: Type.Optional(Type.String({
          minLength: 1, env: 'KAD_CLASSIFIER_DATA',
          allowed: 'a labelled CSV, or a directory of them, that kad serve trains the incident classifier on and retrains on whenever it changes (unset: no watch)',
        })),
        target: Type.String({ default: 'abnormality_class', minLength: 1, env: 'KAD_CLASSIFIER_TARGET', allowed: 'the class column of KAD_CLASSIFIER_DATA' }),
        dir: Type.Optional(Type.String({
          minLength: 1, env: 'KAD_CLASSIFIER_DIR',
          allowed: 'where classifier versions are kept (unset: classifiers under KAD_STATE_DIR, or under .kad without one)',
        })),
        algorithm: Type.String({ default: 'random-forest', minLength: 1, env: 'KAD_CLASSIFIER_ALGORITHM', allowed: 'a classifier kind (random-forest, gbdt, logistic, stack, …: `kad classify train --algorithm`\'s kinds)' }),
        promoteMargin: Type.Number({ minimum: 0, maximum: 1, default: 0.01, env: 'KAD_CLASSIFIER_PROMOTE_MARGIN', allowed: 'how much worse (macro-F1) a retrained classifier may be than production and still be promoted, from 0 to 1' }),
        debounceMs: int(0, 3_600_000, 2000, 'KAD_CLASSIFIER_DEBOUNCE_MS'),
        defaultHours: Type.Integer({
          minimum: 0, maximum: 168, default: 6, env: 'KAD_CLASSIFIER_DEFAULT_HOURS',
          allowed: 'hours of the simulator\'s labelled export the default classifier is trained on (in the background at start, when the source is the simulator, KAD_CLASSIFIER_DATA is unset and no version is in production), from 0 (no default classifier) to 168',
        }),
        seed: int(0, 2 ** 31 - 1, 42, 'KAD_CLASSIFIER_SEED'),
      },
      { default: {}, additionalProperties: false },
    ),
    api: Type.Object(
      {
        token: Type.Optional(Type.String({ minLength: 1, env: 'KAD_API_TOKEN', allowed: 'the bearer token that mutating endpoints (POST /anomalies/{id}/feedback) require (unset, with no token file: mutations are disabled)' })),
        tokenFile: Type.Optional(Type.String({ minLength: 1, env: 'KAD_API_TOKEN_FILE', allowed: 'a path to a file holding the API bearer token (read on each mutating request, so a rotated secret takes effect)' })),
      },
      { default: {}, additionalProperties: false },
    ),
    server: Type.Object(
      {
        host: Type.String({ default: '0.0.0.0', env: 'KAD_HOST', allowed: 'a host name or IP address to listen on' }),
        port: int(0, 65535, 8080, 'PORT'),
      },
      { default: {}, additionalProperties: false },
    ),
    simulator: Type.Object(
      {
        seed: int(0, 2 ** 31 - 1, 1, 'KAD_SIM_SEED'),
        speed: Type.Number({ minimum: 0.01, maximum: 100_000, default: 1, env: 'KAD_SIM_SPEED', allowed: 'a clock speed-up from 0.01 to 100000 (1 = real time)' }),
        meshFaults: Type.Boolean({ default: false, env: 'KAD_SIM_MESH_FAULTS', allowed: 'true (the random incidents include latency and error faults of the service mesh) or false' }),
      },
      { default: {}, additionalProperties: false },
    ),
    log: Type.Object(
      {
        level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), {
          default: 'info', env: 'KAD_LOG_LEVEL', allowed: 'one of fatal, error, warn, info, debug, trace, silent',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** The validated, frozen configuration. */
export type Config = Static<typeof ConfigSchema>;

/** Where the alert outbox, alert state and simulated clock are kept when `KAD_STATE_DIR` is unset. */
export const DEFAULT_STATE_DIR = '.kad';

/** The state directory for the alert outbox, alert state and simulated clock: `state.dir`, else {@link DEFAULT_STATE_DIR}. */
export function stateDir(config: { readonly state: { readonly dir?: string } }): string {
  return config.state.dir ?? DEFAULT_STATE_DIR;
}

/** Where classifier versions are kept: `classifier.dir`, else `classifiers` under the state directory ({@link stateDir}). */
export function classifierDir(config: { readonly state: { readonly dir?: string }; readonly classifier: { readonly dir?: string } }): string {
  return config.classifier.dir ?? `${stateDir(config)}/classifiers`;
}
