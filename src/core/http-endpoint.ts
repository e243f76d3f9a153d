/**
 * A server kad calls (Prometheus, Alertmanager, a webhook receiver) with the credentials, TLS and
 * headers its config section gives: Prometheus's own `http_config` in short. A bearer token or basic
 * auth; a CA to trust; a client certificate and key (mutual TLS); skipping verification; extra headers
 * such as `X-Scope-OrgID` for a Mimir, Cortex or Thanos tenant. Credentials in the URL
 * (`https://user:pass@host`) are basic auth, and they never reach a message: {@link HttpEndpoint.url}
 * is the URL without them.
 *
 * Secrets in files (the token, the password) are read on every request, so rotated ones are picked up;
 * the CA, certificate and key are read once, when the endpoint is made, and a file that cannot be read
 * is a {@link ConfigError} naming its setting (e.g. `ALERTMANAGER_CERT_FILE`). Each setting's name is
 * the endpoint's prefix and the field's: `PROMETHEUS_BEARER_TOKEN_FILE`, `ALERTMANAGER_HEADERS`, ….
 *
 * @example
 * const am = new HttpEndpoint('https://kad:pw@alertmanager:9093', { caFile: '/etc/ca.pem', headers: { 'X-Scope-OrgID': 'team-a' } }, { setting: 'ALERTMANAGER' });
 * am.url;                       // 'https://alertmanager:9093'
 * const r = await httpSend(am, am.resolve('api/v2/status'), { method: 'GET', headers: await am.headers(), timeoutMs: 5000 });
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { requestAbort } from './abort.js';
import { ConfigError } from './errors.js';

/** Credentials, TLS and headers for one server; every field is optional. */
export interface HttpClientAuth {
  bearerToken?: string;
  /** Read on every request, so a rotated token is picked up. */
  bearerTokenFile?: string;
  username?: string;
  password?: string;
  /** Read on every request. */
  passwordFile?: string;
  /** PEM bundle of CAs to trust for https (it replaces the system CAs). */
  caFile?: string;
  /** PEM client certificate, with {@link keyFile}: mutual TLS. */
  certFile?: string;
  /** PEM private key of {@link certFile}. */
  keyFile?: string;
  insecureSkipVerify?: boolean;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
}

/** A config section's authentication settings (schema.ts `httpAuth`): as {@link HttpClientAuth}, with the headers as their text. */
export type HttpAuthSettings = Omit<HttpClientAuth, 'headers'> & { headers?: string };

/** The {@link HttpClientAuth} of a config section's settings; `setting` is their prefix (`ALERTMANAGER`), for a message about the headers. */
export function authFromSettings(c: Readonly<HttpAuthSettings>, setting: string): HttpClientAuth {
  const { headers, ...rest } = c;
  return { ...rest, ...(headers ? { headers: parseHeaderList(headers, `${setting}_HEADERS`) } : {}) };
}

/** How an endpoint names its settings in messages, and its connection pool. */
export interface HttpEndpointOptions {
  /** The settings' prefix: `PROMETHEUS` names `PROMETHEUS_URL`, `PROMETHEUS_CA_FILE`, …. */
  setting: string;
  /** Keep the URL's query string (a webhook's URL is used as it is). Default false. */
  keepQuery?: boolean;
  /** Connections kept open per host. Default 8. */
  maxSockets?: number;
}

/**
 * Headers kad writes itself or that belong to the connection: not settable, so that a setting cannot
 * break the request (Prometheus refuses the same in its `headers`).
 */
const RESERVED_HEADERS = new Set(['host', 'content-type', 'content-length', 'content-encoding', 'transfer-encoding', 'accept-encoding', 'connection', 'keep-alive', 'te', 'upgrade', 'trailer', 'proxy-connection']);

/** An HTTP header name (RFC 9110 token). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Parses extra headers written as `Name=value` pairs separated by commas, as OpenTelemetry's
 * `OTEL_EXPORTER_OTLP_HEADERS` writes them (a value holding a comma or an equals sign is
 * percent-encoded: `%2C`, `%3D`), e.g. `X-Scope-OrgID=team-a,X-Org=ops`. Throws a {@link ConfigError}
 * naming `setting` and the pair for a malformed pair, a name that is not a header name, a name given
 * twice, a value with a line break, or a header kad sets itself.
 */
export function parseHeaderList(text: string, setting: string): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    const item = part.trim();
    if (!item) continue;
    const eq = item.indexOf('=');
    const bad = (why: string) => new ConfigError(`${setting}: ${JSON.stringify(item)} ${why}; write headers as Name=value pairs separated by commas (a comma or = in a value as %2C or %3D), e.g. X-Scope-OrgID=team-a`);
    if (eq <= 0) throw bad('is not Name=value');
    const name = item.slice(0, eq).trim();
    let value: string;
    try {
      value = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      throw bad('has a % that is not followed by two hexadecimal digits');
    }
    checkHeader(name, value, setting);
    if (seen.has(name.toLowerCase())) throw bad(`names the header ${name} a second time`);
    seen.add(name.toLowerCase());
    out[name] = value;
  }
  return out;
}

/** Throws a {@link ConfigError} naming `setting` unless `name: value` is a header kad may send as asked. */
function checkHeader(name: string, value: string, setting: string): void {
  if (!TOKEN.test(name)) throw new ConfigError(`${setting}: ${JSON.stringify(name)} is not an HTTP header name (letters, digits and !#$%&'*+.^_\`|~- only)`);
  if (RESERVED_HEADERS.has(name.toLowerCase())) throw new ConfigError(`${setting}: the header ${name} is set by kad or by the connection and cannot be set`);
  if (/[\r\n\0]/.test(value)) throw new ConfigError(`${setting}: the value of ${name} holds a line break or a NUL`);
}

/** A server, its base URL without credentials, and how to authenticate to it; see the module comment. */
export class HttpEndpoint {
  /** The URL without credentials (nor query, unless kept) and without a trailing slash: safe to show. */
  readonly url: string;
  /** A keep-alive agent with the TLS settings; {@link close} ends its connections. */
  readonly agent: http.Agent;
  private readonly base: URL;
  private readonly full: URL;
  private readonly auth: HttpClientAuth;
  private readonly setting: string;

  /** Throws a {@link ConfigError} naming the setting for a URL that is not http(s), conflicting credentials, a bad header, or a TLS file that cannot be read. */
  constructor(url: string, auth: HttpClientAuth = {}, opts: HttpEndpointOptions) {
    const s = opts.setting;
    this.setting = s;
    let base: URL;
    try {
      base = new URL(url);
    } catch {
      throw new ConfigError(`${s}_URL="${redact(url)}" is invalid: must be an http:// or https:// URL`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new ConfigError(`${s}_URL="${redact(url)}" is invalid: must be an http:// or https:// URL`);
    const userInUrl = base.username !== '';
    if ((auth.bearerToken || auth.bearerTokenFile) && (auth.username || userInUrl)) {
      throw new ConfigError(`${s}_BEARER_TOKEN(_FILE) and ${userInUrl ? `a user name in ${s}_URL` : `${s}_USERNAME`} are both set: use one way to authenticate`);
    }
    if (auth.bearerToken && auth.bearerTokenFile) throw new ConfigError(`${s}_BEARER_TOKEN and ${s}_BEARER_TOKEN_FILE are both set: use one`);
    if ((auth.password !== undefined || auth.passwordFile) && !auth.username) throw new ConfigError(`${s}_PASSWORD(_FILE) is set without ${s}_USERNAME`);
    if (auth.password !== undefined && auth.passwordFile) throw new ConfigError(`${s}_PASSWORD and ${s}_PASSWORD_FILE are both set: use one`);
    if (Boolean(auth.certFile) !== Boolean(auth.keyFile)) throw new ConfigError(`${auth.certFile ? `${s}_CERT_FILE is set without ${s}_KEY_FILE` : `${s}_KEY_FILE is set without ${s}_CERT_FILE`}: a client certificate needs both`);
    for (const [name, value] of Object.entries(auth.headers ?? {})) {
      checkHeader(name, value, `${s}_HEADERS`);
      if (name.toLowerCase() === 'authorization' && (auth.bearerToken || auth.bearerTokenFile || auth.username || userInUrl)) {
        throw new ConfigError(`${s}_HEADERS sets Authorization while ${s}_BEARER_TOKEN(_FILE) or a user name is set too: use one way to authenticate`);
      }
    }
    // Credentials in the URL are basic auth; they are kept out of every message.
    this.auth = userInUrl && !auth.username ? { ...auth, username: decodeURIComponent(base.username), password: decodeURIComponent(base.password) } : { ...auth };
    base.username = '';
    base.password = '';
    base.hash = '';
    if (!opts.keepQuery) base.search = '';
    this.full = new URL(base.href);
    base.search = '';
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.base = base;
    this.url = opts.keepQuery ? this.full.href : base.href.replace(/\/$/, '');
    const maxSockets = opts.maxSockets ?? 8;
    if (base.protocol === 'https:') {
      const read = (file: string | undefined, name: string): Buffer | undefined => {
        if (!file) return undefined;
        try {
          return readFileSync(file);
        } catch (e) {
          throw new ConfigError(`${s}_${name}="${file}" cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
      };
      const tls = { ca: read(auth.caFile, 'CA_FILE'), cert: read(auth.certFile, 'CERT_FILE'), key: read(auth.keyFile, 'KEY_FILE') };
      try {
        this.agent = new https.Agent({ keepAlive: true, maxSockets, ...tls, rejectUnauthorized: !auth.insecureSkipVerify });
      } catch (e) {
        throw new ConfigError(`${s}_CA_FILE, ${s}_CERT_FILE or ${s}_KEY_FILE is not usable PEM (${(e as Error).message})`);
      }
    } else {
      this.agent = new http.Agent({ keepAlive: true, maxSockets });
    }
  }

  /** `path` (no leading slash; it may carry a query) under the base URL, a path prefix kept; '' is the URL itself. */
  resolve(path: string): URL {
    return path === '' ? new URL(this.full.href) : new URL(path, this.base);
  }

  /** The extra headers and the Authorization header; rejects with an Error naming the setting when a secret file cannot be read. */
  async headers(): Promise<Record<string, string>> {
    const h: Record<string, string> = { ...this.auth.headers };
    const { bearerToken, bearerTokenFile, username, password, passwordFile } = this.auth;
    const s = this.setting;
    if (bearerToken || bearerTokenFile) {
      const token = bearerTokenFile ? await readSecret(bearerTokenFile, `bearer token file (${s}_BEARER_TOKEN_FILE)`) : bearerToken!;
      h.authorization = `Bearer ${token}`;
    } else if (username) {
      const pw = passwordFile ? await readSecret(passwordFile, `password file (${s}_PASSWORD_FILE)`) : (password ?? '');
      h.authorization = `Basic ${Buffer.from(`${username}:${pw}`).toString('base64')}`;
    }
    return h;
  }

  /** The settings that choose how it authenticates, for a message after a 401 or 403. */
  get authSettings(): string {
    const s = this.setting;
    return `${s}_BEARER_TOKEN(_FILE) or ${s}_USERNAME and ${s}_PASSWORD(_FILE)`;
  }

  /**
   * What to set after a failed TLS handshake: the CA when kad could not verify the server's
   * certificate; a client certificate when the server ended the handshake with an alert (it wants one,
   * or refused the one it got).
   */
  tlsAdvice(e: HttpSendError): string {
    const s = this.setting;
    if (e.refusedByServer) return `the server refused the handshake: it may require a client certificate (set ${s}_CERT_FILE and ${s}_KEY_FILE to one signed by a CA it trusts)`;
    return `set ${s}_CA_FILE to the CA that signed its certificate, or ${s}_INSECURE_SKIP_VERIFY=true`;
  }

  /** Ends the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}

/** A URL as it may be shown: user name and password replaced by `***`. */
export function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1***@');
}

/** A secret file's contents, trimmed; an Error naming `what` and the path when it cannot be read. */
async function readSecret(path: string, what: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (e) {
    throw Object.assign(new Error(`cannot read the ${what} ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`), { secretFile: true, cause: e });
  }
}

/** Whether `e` is the error of a secret file that could not be read ({@link HttpEndpoint.headers}). */
export function isSecretFileError(e: unknown): e is Error {
  return (e as { secretFile?: boolean })?.secretFile === true;
}

/** An HTTP answer, read whole. */
export interface HttpAnswer {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Why {@link httpSend} failed: its timeout, the caller's signal, the network (`code` as Node gives it), or an answer cut off mid-way. */
export class HttpSendError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'aborted' | 'network' | 'cut-off',
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Whether the TLS handshake failed (an untrusted or invalid certificate, a refused client certificate). */
  get tls(): boolean {
    return this.kind === 'network' && (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|ERR_SSL|EPROTO/.test(this.code ?? '') || /certificate|SSL routines|alert/i.test(this.message));
  }

  /** Whether the server ended the TLS handshake with an alert (e.g. `ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE`, `…_TLSV13_ALERT_CERTIFICATE_REQUIRED`), rather than kad refusing its certificate. */
  get refusedByServer(): boolean {
    return this.tls && /ALERT/i.test(`${this.code ?? ''} ${this.message}`);
  }
}

/** What to send. */
export interface HttpSendOptions {
  method: 'GET' | 'POST';
  headers: http.OutgoingHttpHeaders;
  body?: string | Buffer;
  /** Timeout of the whole exchange, ms. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** One HTTP exchange with `endpoint` (its agent) at `url`, bounded by the timeout and the signal; rejects with an {@link HttpSendError}. */
export function httpSend(endpoint: HttpEndpoint, url: URL, o: HttpSendOptions): Promise<HttpAnswer> {
  const ctrl = requestAbort(o.timeoutMs, o.signal);
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false;
    const fail = (e: unknown, cutOff = false) => {
      if (settled) return;
      settled = true;
      ctrl.dispose();
      const err = e as NodeJS.ErrnoException;
      if (ctrl.timedOut && !o.signal?.aborted) reject(new HttpSendError(`no answer within ${o.timeoutMs / 1000} s`, 'timeout', undefined, { cause: e }));
      else if (o.signal?.aborted) reject(new HttpSendError('aborted', 'aborted', undefined, { cause: e }));
      else if (cutOff) reject(new HttpSendError(err.message, 'cut-off', undefined, { cause: e }));
      else reject(new HttpSendError(err?.message ?? String(e), 'network', err?.code, { cause: e }));
    };
    if (o.signal?.aborted) return fail(new Error('aborted before sending'));
    const headers = { ...o.headers, ...(o.body !== undefined ? { 'content-length': Buffer.byteLength(o.body) } : {}) };
    const req = mod.request(url, { method: o.method, headers, agent: endpoint.agent, signal: ctrl.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => fail(e));
      res.on('aborted', () => fail(new Error('response aborted'), true));
      res.on('end', () => {
        if (!res.complete) return fail(new Error('connection closed mid-response'), true);
        if (settled) return;
        settled = true;
        ctrl.dispose();
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', (e) => fail(e));
    req.end(o.body);
  });
}
