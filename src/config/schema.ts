/**
 * The one configuration schema (CONVENTIONS.md point 8). It describes both the config file
 * (`--config kad.yaml`) and the environment variables; defaults live here and nowhere else. Each
 * field's `allowed` text is what an error message tells the user.
 */
import { Type, type Static } from 'typebox';

const int = (min: number, max: number, dflt: number, env?: string) =>
  Type.Integer({ minimum: min, maximum: max, default: dflt, allowed: `an integer from ${min} to ${max}`, env });

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
      },
      { default: {}, additionalProperties: false },
    ),
    training: Type.Object(
      {
        lookbackMinutes: int(5, 100_000, 60, 'TRAINING_LOOKBACK_MINUTES'),
        queryStepSeconds: int(1, 3600, 60, 'QUERY_STEP_SECONDS'),
        retrainMinutes: int(0, 100_000, 60, 'KAD_RETRAIN_MINUTES'),
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
        kind: Type.String({ default: 'iforest', env: 'KAD_DETECTOR', allowed: 'a detector kind (see `kad score --help`)' }),
        seed: int(0, 2 ** 31 - 1, 42, 'KAD_SEED'),
      },
      { default: {}, additionalProperties: false },
    ),
    policy: Type.Object(
      {
        consecutive: int(1, 100, 2, 'KAD_CONSECUTIVE'),
      },
      { default: {}, additionalProperties: false },
    ),
    alertmanager: Type.Object(
      {
        url: Type.Optional(Type.String({ pattern: '^https?://', env: 'ALERTMANAGER_URL', allowed: 'an http:// or https:// URL (unset: no Alertmanager)' })),
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
