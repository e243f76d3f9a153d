/**
 * A small client for the Prometheus HTTP query API (`/api/v1/query`, `/api/v1/query_range`), which
 * Thanos, Mimir and VictoriaMetrics speak too. Only the two query endpoints are used, so anything that
 * answers PromQL works. Requests are POSTed form-encoded (long batched queries fit), each attempt has
 * its own timeout, and network errors, 429 and 5xx are retried with exponential backoff and jitter.
 * Bearer tokens (inline or from a file re-read on every request, so rotated service-account tokens
 * work), basic auth, a custom CA and `insecureSkipVerify` are supported. Every failure is a
 * {@link PrometheusQueryError} (a `SourceError`, code `KAD_ERR_SOURCE`) naming the URL, the query and
 * the reason.
 *
 * @example
 * const client = new PrometheusClient({ url: 'http://prometheus:9090', timeoutMs: 5000 });
 * const up = await client.query('up', Date.now());            // [{ metric: {job: …}, t, value: 1 }]
 * const cpu = await client.queryRange('rate(x[1m])', t0, t1, 60_000);
 * await client.close();
 */
import type http from 'node:http';
import { promisify } from 'node:util';
import { gunzip as gunzipCb } from 'node:zlib';
import type { Config } from '../config/schema.js';
import { ConfigError, InputError, SourceError } from '../core/errors.js';
import { authFromSettings, HttpEndpoint, HttpSendError, httpSend, isSecretFileError, type HttpAnswer, type HttpClientAuth } from '../core/http-endpoint.js';

const gunzip = promisify(gunzipCb);

/** A label set. */
export type Labels = Record<string, string>;

/** One element of an instant vector: a series' labels and its value at `t` (epoch ms). */
export interface VectorSample {
  metric: Labels;
  t: number;
  value: number;
}

/** One series of a range matrix: its labels, evaluation times (epoch ms) and values. */
export interface MatrixSeries {
  metric: Labels;
  times: Float64Array;
  values: Float64Array;
}

/** The two queries a source needs; {@link PrometheusClient} implements it, tests may stub it. */
export interface PrometheusApi {
  /** Instant query at `time` (epoch ms). A scalar answer comes back as one sample with no labels. */
  query(expr: string, time: number, signal?: AbortSignal): Promise<VectorSample[]>;
  /** Range query over [start, end] (epoch ms) every `stepMs`. */
  queryRange(expr: string, start: number, end: number, stepMs: number, signal?: AbortSignal): Promise<MatrixSeries[]>;
  close(): Promise<void>;
}

/** Options of {@link PrometheusClient}: the URL, timeouts and retries, and the credentials, TLS and headers of {@link HttpClientAuth}. */
export interface PrometheusClientOptions extends HttpClientAuth {
  /** Base URL, e.g. `http://prometheus:9090` or `https://mimir.example/prometheus` (a path prefix is kept). */
  url: string;
  /** Timeout of one attempt, ms (config `prometheus.requestTimeoutSeconds` × 1000). */
  timeoutMs: number;
  /** Retries after the first attempt, for network errors, timeouts, 429 and 5xx (config `prometheus.maxRetries`). */
  maxRetries: number;
  /** First backoff, ms; doubles each retry, with jitter. Default 250. */
  retryBaseMs?: number;
  /** Longest backoff (and longest Retry-After honoured), ms. Default 5000. */
  retryMaxMs?: number;
  /**
   * Ask for gzip-compressed answers. Default false: next to Prometheus the network is not the
   * bottleneck and compressing costs Prometheus CPU (range queries took twice as long on loopback);
   * turn it on for a remote Thanos or Mimir over a slow link.
   */
  gzip?: boolean;
  /** Connections kept per host. Default 8. */
  maxSockets?: number;
  /** Random numbers in [0, 1) for the jitter; tests pass their own. */
  random?: () => number;
}

/** The client's settings of the `prometheus` config section besides its URL and credentials: the timeout and retries of one query. */
export function prometheusClientSettings(cfg: Readonly<Pick<Config['prometheus'], 'requestTimeoutSeconds' | 'maxRetries'>>): Pick<PrometheusClientOptions, 'timeoutMs' | 'maxRetries'> {
  return { timeoutMs: cfg.requestTimeoutSeconds * 1000, maxRetries: cfg.maxRetries };
}

/** A failed query: a {@link SourceError} with the parts of its message as fields. */
export class PrometheusQueryError extends SourceError {
  constructor(
    /** The base URL, without credentials. */
    readonly url: string,
    readonly query: string,
    /** Why it failed, e.g. `unreachable (ECONNREFUSED)`, `timed out after 5 s`, `bad_data: …`. */
    readonly reason: string,
    /** Attempts made. */
    readonly attempts: number,
    /** HTTP status, when there was an answer. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`Prometheus ${url} ${reason} for query ${truncate(query, 80)}${attempts > 1 ? ` (${attempts} attempts)` : ''}`, options);
  }
}

/** Shortens a query for messages: whitespace collapsed, at most `n` characters, then `…`. */
export function truncate(s: string, n: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length <= n ? t : `${t.slice(0, n - 1)}…`;
}

/** Parses a sample value as Prometheus writes it (`"NaN"`, `"+Inf"`, `"-Inf"`, decimals). */
export function parseSampleValue(v: string): number {
  if (v === '+Inf' || v === 'Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v); // "NaN" → NaN
}

/** Why one attempt failed, and whether another may succeed. */
interface Failure {
  reason: string;
  retryable: boolean;
  status?: number;
  retryAfterMs?: number;
  cause?: unknown;
}

/** A client of the Prometheus query API. Keeps connections alive until {@link close}. */
export class PrometheusClient implements PrometheusApi {
  /** The base URL without credentials, as shown in messages. */
  readonly url: string;
  private readonly endpoint: HttpEndpoint;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly random: () => number;
  private readonly gzip: boolean;

  constructor(opts: PrometheusClientOptions) {
    this.endpoint = new HttpEndpoint(opts.url, opts, { setting: 'PROMETHEUS', maxSockets: opts.maxSockets });
    this.url = this.endpoint.url;
    if (!(opts.timeoutMs > 0) || !(Number.isInteger(opts.maxRetries) && opts.maxRetries >= 0)) {
      throw new InputError(`prometheus client: timeoutMs must be above 0 and maxRetries an integer >= 0, got ${opts.timeoutMs} and ${opts.maxRetries}`);
    }
    this.timeoutMs = opts.timeoutMs;
    this.maxRetries = opts.maxRetries;
    this.retryBaseMs = opts.retryBaseMs ?? 250;
    this.retryMaxMs = opts.retryMaxMs ?? 5000;
    this.random = opts.random ?? Math.random;
    this.gzip = opts.gzip ?? false;
  }

  /** A client from the `prometheus` config section (which must have a `url`). */
  static fromConfig(cfg: Readonly<Config['prometheus']>, extra: Partial<PrometheusClientOptions> = {}): PrometheusClient {
    if (!cfg.url) throw new ConfigError('PROMETHEUS_URL is not set');
    return new PrometheusClient({
      url: cfg.url,
      ...prometheusClientSettings(cfg),
      ...authFromSettings(cfg, 'PROMETHEUS'),
      ...extra,
    });
  }

  async query(expr: string, time: number, signal?: AbortSignal): Promise<VectorSample[]> {
    const data = await this.call('api/v1/query', expr, { query: expr, time: seconds(time) }, signal);
    if (data.resultType === 'scalar') {
      const [ts, v] = data.result as [number, string];
      return [{ metric: {}, t: Math.round(ts * 1000), value: parseSampleValue(v) }];
    }
    if (data.resultType !== 'vector') throw this.error(expr, `answered a ${data.resultType}, not an instant vector`, 1);
    const result = this.list(expr, data.result) as { metric: Labels; value: unknown }[];
    return result.map((r) => {
      if (!isSeries(r) || !isSample(r.value)) throw this.malformed(expr, r);
      return { metric: r.metric, t: Math.round(r.value[0] * 1000), value: parseSampleValue(r.value[1]) };
    });
  }

  async queryRange(expr: string, start: number, end: number, stepMs: number, signal?: AbortSignal): Promise<MatrixSeries[]> {
    const data = await this.call('api/v1/query_range', expr, {
      query: expr, start: seconds(start), end: seconds(end), step: seconds(stepMs),
    }, signal);
    if (data.resultType !== 'matrix') throw this.error(expr, `answered a ${data.resultType}, not a range matrix`, 1);
    const result = this.list(expr, data.result) as { metric: Labels; values: unknown[] }[];
    return result.map((r) => {
      if (!isSeries(r) || !Array.isArray(r.values)) throw this.malformed(expr, r);
      const n = r.values.length;
      const times = new Float64Array(n);
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = r.values[i];
        if (!isSample(v)) throw this.malformed(expr, v);
        times[i] = Math.round(v[0] * 1000);
        values[i] = parseSampleValue(v[1]);
      }
      return { metric: r.metric, times, values };
    });
  }

  async close(): Promise<void> {
    this.endpoint.close();
  }

  private error(query: string, reason: string, attempts: number, status?: number, cause?: unknown): PrometheusQueryError {
    return new PrometheusQueryError(this.url, query, reason, attempts, status, cause === undefined ? undefined : { cause });
  }

  /** `result` of a successful answer, which must be a list (a proxy or an incompatible API may send anything). */
  private list(query: string, result: unknown): unknown[] {
    if (!Array.isArray(result)) throw this.malformed(query, result);
    return result;
  }

  private malformed(query: string, part: unknown): PrometheusQueryError {
    return this.error(query, `sent a malformed answer (unexpected ${truncate(JSON.stringify(part) ?? String(part), 80)} in data.result)`, 1);
  }

  /** POSTs the form to `path`, retrying what may pass, and returns the answer's `data`. */
  private async call(path: string, expr: string, form: Record<string, string>, signal?: AbortSignal): Promise<{ resultType: string; result: unknown }> {
    const body = new URLSearchParams({ ...form, timeout: `${Math.max(1, Math.round(this.timeoutMs))}ms` }).toString();
    const url = this.endpoint.resolve(path);
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw this.error(expr, 'query aborted', attempt - 1, undefined, signal.reason);
      let f: Failure;
      try {
        const headers = await this.headers();
        const res = await this.send(url, headers, body, signal);
        const out = await this.interpret(res);
        if ('data' in out) return out.data;
        f = out;
      } catch (e) {
        if (e instanceof PrometheusQueryError) throw e;
        if (isFailure(e)) f = e;
        else throw e;
      }
      if (signal?.aborted) throw this.error(expr, 'query aborted', attempt, f.status, signal.reason);
      if (!f.retryable || attempt > this.maxRetries) throw this.error(expr, f.reason, attempt, f.status, f.cause);
      const backoff = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** (attempt - 1));
      const jittered = backoff / 2 + (backoff / 2) * this.random(); // "equal jitter"
      await sleep(Math.max(jittered, Math.min(f.retryAfterMs ?? 0, this.retryMaxMs)), signal);
    }
  }

  private async headers(): Promise<http.OutgoingHttpHeaders> {
    let auth: Record<string, string>;
    try {
      auth = await this.endpoint.headers();
    } catch (e) {
      if (isSecretFileError(e)) throw failure(e.message, false, undefined, e);
      throw e;
    }
    const h: http.OutgoingHttpHeaders = {
      ...auth,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      'user-agent': 'kad (k8s-anomaly-detector)',
    };
    if (this.gzip) h['accept-encoding'] = 'gzip';
    return h;
  }

  /** One HTTP attempt, bounded by the per-attempt timeout and the caller's signal; a failure is a {@link Failure}. */
  private async send(url: URL, headers: http.OutgoingHttpHeaders, body: string, signal?: AbortSignal): Promise<HttpAnswer> {
    try {
      return await httpSend(this.endpoint, url, { method: 'POST', headers, body, timeoutMs: this.timeoutMs, signal });
    } catch (e) {
      if (!(e instanceof HttpSendError)) throw e;
      if (e.kind === 'timeout') throw failure(`timed out after ${this.timeoutMs / 1000} s (REQUEST_TIMEOUT_SECONDS)`, true, undefined, e);
      if (e.kind === 'aborted') throw failure('query aborted', false, undefined, e);
      if (e.kind === 'cut-off') throw failure(`sent an answer cut off before its end (${e.message})`, true, undefined, e);
      if (e.tls) throw failure(`TLS handshake failed (${e.code || e.message}); ${this.endpoint.tlsAdvice(e)}`, false, undefined, e);
      throw failure(`unreachable (${e.code || e.message})`, true, undefined, e);
    }
  }

  /** Turns an HTTP answer into data, or a {@link Failure}. */
  private async interpret(res: HttpAnswer): Promise<{ data: { resultType: string; result: unknown } } | Failure> {
    let text: string;
    try {
      text = (res.headers['content-encoding'] === 'gzip' ? await gunzip(res.body) : res.body).toString('utf8');
    } catch (e) {
      return failure('sent a corrupt gzip body', true, res.status, e);
    }
    let json: { status?: string; data?: { resultType: string; result: unknown }; errorType?: string; error?: string } | undefined;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const retryable = res.status === 429 || res.status >= 500;
    if (res.status === 200 && json?.status === 'success' && json.data) return { data: json.data };
    let reason: string;
    if (json?.status === 'error') {
      reason = `${json.errorType ?? 'error'}: ${truncate(json.error ?? '', 300)} (HTTP ${res.status})`;
    } else {
      const snippet = truncate(text, 200);
      reason = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${snippet ? `: ${snippet}` : ''}`;
      if (res.status === 200) reason = `sent an answer that is not the query API's JSON (${reason}); is ${this.url} a Prometheus-compatible API?`;
    }
    if (res.status === 401 || res.status === 403) {
      reason += `; check ${this.endpoint.authSettings}`;
    } else if (res.status === 404) {
      reason += `; is ${this.url} the base URL of a Prometheus-compatible API (…/api/v1/query must exist)?`;
    }
    return failure(reason, retryable, res.status, undefined, retryAfter(res.headers['retry-after']));
  }
}

/** A series of a vector or matrix answer: an object with a `metric` label set. */
function isSeries(r: unknown): r is { metric: Labels } {
  const m = (r as { metric?: unknown } | null)?.metric;
  return typeof r === 'object' && r !== null && typeof m === 'object' && m !== null;
}

/** One `[time, "value"]` pair. */
function isSample(v: unknown): v is [number, string] {
  return Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string';
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function failure(reason: string, retryable: boolean, status?: number, cause?: unknown, retryAfterMs?: number): Failure & { kadFailure: true } {
  return { reason, retryable, status, cause, retryAfterMs, kadFailure: true };
}

function isFailure(e: unknown): e is Failure {
  return typeof e === 'object' && e !== null && (e as { kadFailure?: boolean }).kadFailure === true;
}

function retryAfter(h: string | undefined): number | undefined {
  if (!h) return undefined;
  const s = Number(h);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const d = Date.parse(h);
  return Number.isFinite(d) ? Math.max(0, d - Date.now()) : undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
