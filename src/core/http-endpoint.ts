/**
 * A server kad calls (Prometheus, Alertmanager, a webhook receiver) with the credentials, TLS and
 * headers its config section gives: Prometheus's own `http_config` in short. A bearer token or basic
 * auth; a CA to trust; a client certificate and key (mutual TLS); skipping verification; extra headers
 * such as `X-Scope-OrgID` for a Mimir, Cortex or Thanos tenant. Credentials in the URL
 * (`https://user:pass@host`) are basic auth, and they never reach a message: {@link HttpEndpoint.url}
 * is the URL without them.
 *
 * Secrets in files (the token, the password) are read on every request, so rotated ones are picked up;
 * the CA, certificate and key are read and checked when the endpoint is made, where a file that cannot
 * be read or used (not PEM, a key that is not the certificate's) is a {@link ConfigError} naming its
 * setting (e.g. `ALERTMANAGER_CERT_FILE`), and read again when they change (looked at every 10 s: a
 * certificate renewed by cert-manager is used without a restart; until the new files are usable
 * together, the old ones stay in use). Each setting's name is the endpoint's prefix and the
 * field's: `PROMETHEUS_BEARER_TOKEN_FILE`, `ALERTMANAGER_HEADERS`, …; a webhook has only its URL and
 * `KAD_WEBHOOK_HEADERS` (`credentialSettings: false`), and its messages say so.
 *
 * Connections are kept alive and an idle one is closed after 4 s (a middlebox may drop idle flows
 * silently); a request that finds its reused connection reset is sent once more on a new one.
 * Redirects to the same server are followed (307 and 308, and 301 to 303 for GET; at most 5), so a
 * URL with a doubled slash or a moved path still works; a redirect elsewhere is returned as it is, for
 * the caller to name where it points (credentials are never sent to another server).
 *
 * @example
 * const am = new HttpEndpoint('https://kad:pw@alertmanager:9093', { caFile: '/etc/ca.pem', headers: { 'X-Scope-OrgID': 'team-a' } }, { setting: 'ALERTMANAGER' });
 * am.url;                       // 'https://alertmanager:9093'
 * const r = await httpSend(am, am.resolve('api/v2/status'), { method: 'GET', headers: await am.headers(), timeoutMs: 5000 });
 */
import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { createSecureContext } from 'node:tls';
import { requestAbort } from './abort.js';
import { ConfigError } from './errors.js';
import { checkHeader, parseHeaderList, redact } from './http-headers.js';

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
  /** Keep the URL's query string (a webhook's URL is used as it is; shown as its origin and `/…`). Default false. */
  keepQuery?: boolean;
  /** Whether the `<setting>_BEARER_TOKEN`, `_USERNAME`, `_CA_FILE`, … settings exist (false: only `_URL` and `_HEADERS`, a webhook's). Default true. */
  credentialSettings?: boolean;
  /** Connections kept open per host. Default 8. */
  maxSockets?: number;
  /** How often the TLS files are looked at for a change, ms. Default 10 s. */
  reloadCheckMs?: number;
}

/** The TLS files are looked at for a change at most this often, ms. */
const TLS_RELOAD_CHECK_MS = 10_000;

/** Idle kept-alive connections are closed after this, ms. */
const IDLE_SOCKET_MS = 4_000;

/** Redirects followed at most, each to the same server. */
const MAX_REDIRECTS = 5;

/** The redirect statuses (301 to 303 are followed for GET only; 307 and 308 keep the method and body). */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A server, its base URL without credentials, and how to authenticate to it; see the module comment. */
export class HttpEndpoint {
  /** The URL without credentials (nor query, unless kept: then the origin and `/…`) and without a trailing slash: safe to show. */
  readonly url: string;
  private currentAgent: http.Agent;
  private readonly retired: http.Agent[] = [];
  private readonly agentOptions: https.AgentOptions;
  private tlsFiles: string[] = [];
  private tlsStamp = '';
  private checkedAt: number;
  private readonly reloadCheckMs: number;
  private readonly base: URL;
  private readonly full: URL;
  private readonly auth: HttpClientAuth;
  private readonly setting: string;
  private readonly settings: boolean;

  /** Throws a {@link ConfigError} naming the setting for a URL that is not http(s), conflicting credentials, a bad header, or a TLS file that cannot be read or used. */
  constructor(url: string, auth: HttpClientAuth = {}, opts: HttpEndpointOptions) {
    const s = opts.setting;
    this.setting = s;
    this.settings = opts.credentialSettings ?? true;
    let base: URL;
    try {
      base = new URL(url);
    } catch {
      throw new ConfigError(`${s}_URL="${redact(url)}" is invalid: must be an http:// or https:// URL`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new ConfigError(`${s}_URL="${redact(url)}" is invalid: must be an http:// or https:// URL`);
    const userInUrl = base.username !== '';
    const passwordInUrl = base.password !== '';
    if ((auth.bearerToken || auth.bearerTokenFile) && (auth.username || userInUrl)) {
      throw new ConfigError(`${s}_BEARER_TOKEN(_FILE) and ${userInUrl ? `a user name in ${s}_URL` : `${s}_USERNAME`} are both set: use one way to authenticate`);
    }
    if (auth.bearerToken && auth.bearerTokenFile) throw new ConfigError(`${s}_BEARER_TOKEN and ${s}_BEARER_TOKEN_FILE are both set: use one`);
    const passwordSet = auth.password !== undefined || Boolean(auth.passwordFile);
    if (passwordSet && !auth.username && !userInUrl) throw new ConfigError(`${s}_PASSWORD(_FILE) is set without ${s}_USERNAME (or a user name in ${s}_URL)`);
    if (passwordSet && passwordInUrl && !auth.username) throw new ConfigError(`a password in ${s}_URL and ${s}_PASSWORD(_FILE) are both set: use one`);
    if (auth.password !== undefined && auth.passwordFile) throw new ConfigError(`${s}_PASSWORD and ${s}_PASSWORD_FILE are both set: use one`);
    if (Boolean(auth.certFile) !== Boolean(auth.keyFile)) throw new ConfigError(`${auth.certFile ? `${s}_CERT_FILE is set without ${s}_KEY_FILE` : `${s}_KEY_FILE is set without ${s}_CERT_FILE`}: a client certificate needs both`);
    for (const [name, value] of Object.entries(auth.headers ?? {})) {
      checkHeader(name, value, `${s}_HEADERS`);
      if (name.toLowerCase() === 'authorization' && (auth.bearerToken || auth.bearerTokenFile || auth.username || userInUrl)) {
        throw new ConfigError(`${s}_HEADERS sets Authorization while ${this.settings ? `${s}_BEARER_TOKEN(_FILE) or ` : ''}a user name${this.settings ? '' : ` in ${s}_URL`} is set too: use one way to authenticate`);
      }
    }
    // Credentials in the URL are basic auth (a password file may go with a user name there); they are kept out of every message.
    this.auth = userInUrl && !auth.username
      ? { ...auth, username: decodeURIComponent(base.username), ...(passwordSet ? {} : { password: decodeURIComponent(base.password) }) }
      : { ...auth };
    base.username = '';
    base.password = '';
    base.hash = '';
    if (!opts.keepQuery) base.search = '';
    this.full = new URL(base.href);
    base.search = '';
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.base = base;
    // A webhook's path and query may hold its token: shown as its origin only.
    this.url = opts.keepQuery ? `${base.origin}${this.full.pathname === '/' && !this.full.search ? '' : '/…'}` : base.href.replace(/\/$/, '');
    this.agentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? 8, timeout: IDLE_SOCKET_MS, rejectUnauthorized: !auth.insecureSkipVerify };
    this.reloadCheckMs = opts.reloadCheckMs ?? TLS_RELOAD_CHECK_MS;
    if (base.protocol === 'https:') {
      this.tlsFiles = [auth.caFile, auth.certFile, auth.keyFile].filter((f): f is string => Boolean(f));
      this.tlsStamp = this.stampOfTlsFiles();
      this.currentAgent = new https.Agent({ ...this.agentOptions, ...this.readTls(true) });
    } else {
      this.currentAgent = new http.Agent(this.agentOptions);
    }
    this.checkedAt = Date.now();
  }

  /**
   * The keep-alive agent of the next request. Its TLS files are looked at every `reloadCheckMs` (10 s by
   * default): changed (a certificate rotated by cert-manager, say), they are read again and new
   * connections use them; unreadable or unusable for now (half written), the old ones stay until the
   * next look.
   */
  get agent(): http.Agent {
    if (this.tlsFiles.length && Date.now() - this.checkedAt >= this.reloadCheckMs) {
      this.checkedAt = Date.now();
      const stamp = this.stampOfTlsFiles();
      if (stamp !== this.tlsStamp) {
        try {
          const next = new https.Agent({ ...this.agentOptions, ...this.readTls(false) });
          this.tlsStamp = stamp;
          this.retired.push(this.currentAgent); // requests in flight finish on it; closed with the endpoint
          this.currentAgent = next;
        } catch {
          // not usable yet: the previous files stay in use, and are looked at again next time
        }
      }
    }
    return this.currentAgent;
  }

  /** The sizes and modification times of the TLS files, as one string ('' for a file that cannot be read). */
  private stampOfTlsFiles(): string {
    return this.tlsFiles.map((f) => {
      try {
        const st = statSync(f);
        return `${st.size}:${st.mtimeMs}:${st.ino}`;
      } catch {
        return '';
      }
    }).join('|');
  }

  /** Reads and checks the CA, certificate and key (see the constructor); throws a {@link ConfigError} naming the setting. */
  private readTls(atStart: boolean): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
    const s = this.setting;
    const { caFile, certFile, keyFile } = this.auth;
    const read = (file: string | undefined, name: string): Buffer | undefined => {
      if (!file) return undefined;
      try {
        return readFileSync(file);
      } catch (e) {
        throw new ConfigError(`${s}_${name}="${file}" cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    };
    const tls = { ca: read(caFile, 'CA_FILE'), cert: read(certFile, 'CERT_FILE'), key: read(keyFile, 'KEY_FILE') };
    // Node skips what in a CA bundle is not a certificate, silently: one with none would trust nothing.
    if (tls.ca && !tls.ca.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`${s}_CA_FILE="${caFile}" holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    // Parsed now: a file that is not PEM, or a key that is not the certificate's, is said at start, not at every request.
    for (const [name, part] of [['CA_FILE', { ca: tls.ca }], ['CERT_FILE', { cert: tls.cert, key: tls.key }]] as const) {
      if (!Object.values(part).some(Boolean)) continue;
      try {
        createSecureContext(part);
      } catch (e) {
        const which = name === 'CA_FILE' ? `${s}_CA_FILE="${caFile}"` : `${s}_CERT_FILE="${certFile}" with ${s}_KEY_FILE="${keyFile}"`;
        throw new ConfigError(`${which} cannot be used: ${(e as Error).message} (PEM files are expected; the key must be the certificate's)${atStart ? '' : ' (after a change)'}`);
      }
    }
    return Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined));
  }

  /** `path` (no leading slash; it may carry a query) under the base URL, a path prefix kept; '' is the URL itself. */
  resolve(path: string): URL {
    return path === '' ? new URL(this.full.href) : new URL(path, this.base);
  }

  /** How `path` is shown in messages: {@link resolve}'s URL, or {@link url} for a URL used as it is (a webhook's, which may hold a token). */
  shown(path: string): string {
    return path === '' ? this.url : this.resolve(path).href;
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
    return this.settings ? `${s}_BEARER_TOKEN(_FILE) or ${s}_USERNAME and ${s}_PASSWORD(_FILE)` : `the credentials in ${s}_URL or ${s}_HEADERS`;
  }

  /**
   * What to do after a failed TLS handshake: a client certificate when the server ended the handshake
   * with an alert (it wants one, or refused the one it got); a host name the certificate has; else the
   * CA that signed the server's certificate.
   */
  tlsAdvice(e: HttpSendError): string {
    const s = this.setting;
    if (e.refusedByServer) {
      return `the server refused the handshake: it may require a client certificate (${this.settings ? `set ${s}_CERT_FILE and ${s}_KEY_FILE to one signed by a CA it trusts` : 'kad sends one only to Prometheus and Alertmanager'})`;
    }
    if (e.code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `its certificate does not name this host: use a host name in ${s}_URL that the certificate has`;
    if (!this.settings) return 'kad trusts the system\'s CAs for it (add one with NODE_EXTRA_CA_CERTS)';
    if (this.auth.caFile) return `${s}_CA_FILE does not hold the CA that signed its certificate: set it to the one that does, or ${s}_INSECURE_SKIP_VERIFY=true`;
    return `set ${s}_CA_FILE to the CA that signed its certificate, or ${s}_INSECURE_SKIP_VERIFY=true`;
  }

  /** Ends the kept-alive connections. */
  close(): void {
    this.currentAgent.destroy();
    for (const a of this.retired.splice(0)) a.destroy();
  }
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

/** Node's and OpenSSL's codes of a failed TLS handshake or certificate check. */
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|ERR_OSSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|INVALID_CA|INVALID_PURPOSE)/;

/** Why {@link httpSend} failed: its timeout, the caller's signal, the network (`code` as Node gives it), or an answer cut off mid-way. */
export class HttpSendError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'aborted' | 'network' | 'cut-off',
    readonly code: string | undefined,
    options?: { cause?: unknown },
    /** A network failure on a kept-alive connection used before (the server may have closed it meanwhile). */
    readonly reusedSocket = false,
  ) {
    super(message, options);
  }

  /** Whether the TLS handshake failed (an untrusted or invalid certificate, a refused client certificate); judged by the error's code (a message may hold the host name). */
  get tls(): boolean {
    if (this.kind !== 'network' || !this.code) return false;
    return TLS_CODE.test(this.code) || (this.code === 'EPROTO' && /SSL routines/.test(this.message));
  }

  /** Whether the server ended the TLS handshake with an alert (e.g. `ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE`, `…_TLSV13_ALERT_CERTIFICATE_REQUIRED`), rather than kad refusing its certificate. */
  get refusedByServer(): boolean {
    return this.tls && (/ALERT/.test(this.code ?? '') || (this.code === 'EPROTO' && /alert/i.test(this.message)));
  }
}

/** What to send. */
export interface HttpSendOptions {
  method: 'GET' | 'POST';
  headers: http.OutgoingHttpHeaders;
  body?: string | Buffer;
  /** Timeout of the whole exchange, ms (each redirect's request has its own). */
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * One HTTP exchange with `endpoint` (its agent) at `url`, bounded by the timeout and the signal, with
 * redirects to the same server followed and a reset reused connection tried once more (see the module
 * comment); rejects with an {@link HttpSendError}.
 */
export async function httpSend(endpoint: HttpEndpoint, url: URL, o: HttpSendOptions): Promise<HttpAnswer> {
  let at = url;
  let method = o.method;
  let body = o.body;
  for (let hop = 0; ; hop++) {
    const res = await sendOnce(endpoint, at, { ...o, method, body });
    const location = res.headers.location;
    if (hop >= MAX_REDIRECTS || !location || !REDIRECTS.has(res.status)) return res;
    const next = new URL(location, at);
    if (next.origin !== at.origin) return res; // elsewhere: credentials stay here; the caller says where it points
    if (res.status <= 303 && method !== 'GET') {
      if (res.status !== 303) return res; // 301/302 after a POST: browsers turn it into a GET, which would lose the body
      method = 'GET';
      body = undefined;
    }
    at = next;
  }
}

/** One request (and once more on a new connection when a reused one was reset before any answer). */
async function sendOnce(endpoint: HttpEndpoint, url: URL, o: HttpSendOptions): Promise<HttpAnswer> {
  try {
    return await request(endpoint, url, o);
  } catch (e) {
    if (!(e instanceof HttpSendError && e.kind === 'network' && (e.code === 'ECONNRESET' || e.code === 'EPIPE') && e.reusedSocket)) throw e;
    return request(endpoint, url, o);
  }
}

function request(endpoint: HttpEndpoint, url: URL, o: HttpSendOptions): Promise<HttpAnswer> {
  const ctrl = requestAbort(o.timeoutMs, o.signal);
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false;
    let reused = false;
    const fail = (e: unknown, cutOff = false) => {
      if (settled) return;
      settled = true;
      ctrl.dispose();
      const err = e as NodeJS.ErrnoException;
      if (ctrl.timedOut && !o.signal?.aborted) reject(new HttpSendError(`no answer within ${o.timeoutMs / 1000} s`, 'timeout', undefined, { cause: e }));
      else if (o.signal?.aborted) reject(new HttpSendError('aborted', 'aborted', undefined, { cause: e }));
      else if (cutOff) reject(new HttpSendError(err.message, 'cut-off', undefined, { cause: e }));
      else reject(new HttpSendError(err?.message ?? String(e), 'network', err?.code, { cause: e }, reused));
    };
    if (o.signal?.aborted) return fail(new Error('aborted before sending'));
    const headers = { ...o.headers, ...(o.body !== undefined ? { 'content-length': Buffer.byteLength(o.body) } : {}) };
    let req: http.ClientRequest;
    try {
      req = mod.request(url, { method: o.method, headers, agent: endpoint.agent, signal: ctrl.signal }, (res) => {
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
    } catch (e) {
      return fail(e); // a header Node cannot send, say
    }
    req.on('socket', () => {
      reused = req.reusedSocket;
    });
    req.on('error', (e) => fail(e));
    req.end(o.body);
  });
}
