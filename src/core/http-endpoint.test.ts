import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertmanagerSink } from '../notify/alertmanager.js';
import type { AlertPayload } from '../notify/payload.js';
import { DeliveryError, getJsonFromAny } from '../notify/sink.js';
import { WebhookSink } from '../notify/webhook.js';
import { ConfigError } from './errors.js';
import { authFromSettings, HttpEndpoint, HttpSendError, httpSend } from './http-endpoint.js';
import { parseHeaderList, redact } from './http-headers.js';
import { makeTestPki, OPENSSL } from './pki.testkit.js';

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A server on a free loopback port that records each request and answers `status` with `body`. */
async function serve(status = 200, body = '[]', make: (h: (req: IncomingMessage, res: ServerResponse) => void) => Server = (h) => createServer(h)): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = make((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ method: req.method!, path: req.url!, headers: req.headers });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, seen };
}

/** One firing alert as a sink sends it. */
const ALERT: AlertPayload = { status: 'firing', labels: { alertname: 'A' }, annotations: {}, startsAt: '2026-01-01T00:00:00Z', endsAt: '2026-01-01T00:05:00Z', generatorURL: '' };

const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
const am = (url: string, auth = {}) => new HttpEndpoint(url, auth, { setting: 'ALERTMANAGER' });

describe('parseHeaderList', () => {
  it('reads Name=value pairs separated by commas, values percent-decoded, blanks and a trailing comma ignored', () => {
    expect(parseHeaderList('X-Scope-OrgID=team-a', 'H')).toEqual({ 'X-Scope-OrgID': 'team-a' });
    expect(parseHeaderList(' X-Scope-OrgID = team-a|team-b , X-Note=a%2Cb%3Dc ,', 'H')).toEqual({ 'X-Scope-OrgID': 'team-a|team-b', 'X-Note': 'a,b=c' });
    expect(parseHeaderList('Authorization=Bearer abc==', 'H')).toEqual({ Authorization: 'Bearer abc==' });
  });

  it('names the setting and the header (never its value, which may be a secret) for what it cannot send', () => {
    expect(() => parseHeaderList('X-Scope-OrgID', 'PROMETHEUS_HEADERS')).toThrow(/^PROMETHEUS_HEADERS: entry 1 is not Name=value; write headers as Name=value pairs/);
    expect(() => parseHeaderList('X-A=1,s3cret-token', 'H')).toThrow(/^H: entry 2 is not Name=value; /);
    expect(() => parseHeaderList('X-A=1,s3cret-token', 'H')).not.toThrow(/s3cret/);
    expect(() => parseHeaderList('=x', 'H')).toThrow(/entry 1 is not Name=value/);
    expect(() => parseHeaderList('X Org=1', 'H')).toThrow(/^H: "X Org" is not an HTTP header name/);
    expect(() => parseHeaderList('Content-Type=text/plain', 'H')).toThrow(/^H: the header Content-Type is set by kad or by the connection/);
    expect(() => parseHeaderList('Host=evil', 'H')).toThrow(ConfigError);
    expect(() => parseHeaderList('X-A=1,x-a=2', 'H')).toThrow(/^H: the header x-a is given a second time$/);
    expect(() => parseHeaderList('X-A=%zz', 'H')).toThrow(/^H: the value of "X-A" has a % that is not followed by two hexadecimal digits/);
    // Values Node would refuse at every request are refused at start: control characters, line breaks, characters beyond Latin-1.
    for (const v of ['a%0Ab', 'a%01b', '%E2%9C%93']) expect(() => parseHeaderList(`X-A=${v}`, 'H')).toThrow(/^H: the value of X-A holds a character an HTTP header cannot carry/);
    expect(parseHeaderList('X-A=caf%C3%A9', 'H')).toEqual({ 'X-A': 'café' });
  });
});

describe('HttpEndpoint', () => {
  it('takes credentials in the URL as basic auth and never shows them', async () => {
    const e = am('https://kad:p%40ss@am.example:9093/prefix/?x=1#frag');
    expect(e.url).toBe('https://am.example:9093/prefix');
    expect(e.resolve('api/v2/alerts').href).toBe('https://am.example:9093/prefix/api/v2/alerts');
    expect(await e.headers()).toEqual({ authorization: basic('kad', 'p@ss') });
    expect(redact('https://kad:secret@am:9093/x')).toBe('https://***@am:9093/x');
    // A webhook is called at its URL as given, query included.
    // A webhook is called at its URL as given, query included, and shown as its origin (its path or query may hold its token).
    const hook = new HttpEndpoint('http://u:pw@hook.example/notify?token=abc', {}, { setting: 'KAD_WEBHOOK', keepQuery: true, credentialSettings: false });
    expect(hook.url).toBe('http://hook.example/…');
    expect(hook.shown('')).toBe('http://hook.example/…');
    expect(hook.resolve('').href).toBe('http://hook.example/notify?token=abc');
    expect(new HttpEndpoint('http://hook.example', {}, { setting: 'KAD_WEBHOOK', keepQuery: true }).url).toBe('http://hook.example');
    // A password with an @ in it: the parser takes the last @ before the path, and so does redact.
    expect(redact('http://user:p@ss@prom:9090/x@y')).toBe('http://***@prom:9090/x@y');
    expect(am('http://user:p@ss@prom:9090').url).toBe('http://prom:9090');
    // A user name in the URL with the password in a file.
    expect(() => am('http://kad@am:9093', { passwordFile: '/run/pw' })).not.toThrow();
    expect(() => am('http://kad:pw@am:9093', { passwordFile: '/run/pw' })).toThrow(/a password in ALERTMANAGER_URL and ALERTMANAGER_PASSWORD\(_FILE\) are both set/);
  });

  it('sends the bearer token or basic auth and the extra headers; secret files are read on every request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kad-endpoint-'));
    writeFileSync(join(dir, 'token'), 'first\n');
    const e = am('http://x', { bearerTokenFile: join(dir, 'token'), headers: { 'X-Scope-OrgID': 'team-a' } });
    expect(await e.headers()).toEqual({ 'X-Scope-OrgID': 'team-a', authorization: 'Bearer first' });
    writeFileSync(join(dir, 'token'), 'rotated');
    expect((await e.headers()).authorization).toBe('Bearer rotated');
    expect(await am('http://x', { username: 'u', password: 'p' }).headers()).toEqual({ authorization: basic('u', 'p') });
    await expect(am('http://x', { username: 'u', passwordFile: join(dir, 'none') }).headers()).rejects.toThrow(
      `cannot read the password file (ALERTMANAGER_PASSWORD_FILE) ${join(dir, 'none')} (ENOENT)`,
    );
  });

  it('refuses conflicting settings, and TLS files it cannot read, naming the settings', () => {
    expect(() => am('ftp://x')).toThrow(/^ALERTMANAGER_URL="ftp:\/\/x" is invalid/);
    expect(() => am('not a url with secret:pw@')).toThrow(ConfigError);
    expect(() => am('https://u:pw@x', { bearerToken: 't' })).toThrow(/ALERTMANAGER_BEARER_TOKEN\(_FILE\) and a user name in ALERTMANAGER_URL are both set/);
    expect(() => am('https://x', { bearerToken: 't', username: 'u' })).toThrow(/ALERTMANAGER_BEARER_TOKEN\(_FILE\) and ALERTMANAGER_USERNAME are both set/);
    expect(() => am('https://x', { password: 'p' })).toThrow(/ALERTMANAGER_PASSWORD\(_FILE\) is set without ALERTMANAGER_USERNAME \(or a user name in ALERTMANAGER_URL\)/);
    expect(() => am('https://x', { certFile: '/c.pem' })).toThrow(/ALERTMANAGER_CERT_FILE is set without ALERTMANAGER_KEY_FILE/);
    expect(() => am('https://x', { keyFile: '/k.pem' })).toThrow(/ALERTMANAGER_KEY_FILE is set without ALERTMANAGER_CERT_FILE/);
    expect(() => am('https://x', { certFile: '/nonexistent/c.pem', keyFile: '/nonexistent/k.pem' })).toThrow(/ALERTMANAGER_CERT_FILE="\/nonexistent\/c.pem" cannot be read \(ENOENT\)/);
    expect(() => am('https://x', { bearerToken: 't', headers: { Authorization: 'Basic x' } })).toThrow(/ALERTMANAGER_HEADERS sets Authorization while/);
    expect(() => am('https://x', { headers: { 'Content-Length': '1' } })).toThrow(/ALERTMANAGER_HEADERS: the header Content-Length is set by kad/);
    expect(authFromSettings({ headers: 'X-Scope-OrgID=a', caFile: '/ca' }, 'PROMETHEUS')).toEqual({ headers: { 'X-Scope-OrgID': 'a' }, caFile: '/ca' });
    expect(() => authFromSettings({ headers: 'nope' }, 'PROMETHEUS')).toThrow(/^PROMETHEUS_HEADERS: entry 1 is not Name=value/);
    // A network error whose message holds a host name with "alert" in it is no TLS failure.
    const dns = new HttpSendError('getaddrinfo ENOTFOUND alertmanager-alerting.invalid', 'network', 'ENOTFOUND');
    expect([dns.tls, dns.refusedByServer]).toEqual([false, false]);
  });

  it.runIf(existsSync(OPENSSL))('presents a client certificate to a server that requires one (mutual TLS), and says what to set when the handshake fails', async () => {
    const pki = makeTestPki(mkdtempSync(join(tmpdir(), 'kad-pki-')));
    const { port, seen } = await serve(200, '{"ok":true}', (h) => createHttpsServer({
      key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert), ca: readFileSync(pki.ca), requestCert: true, rejectUnauthorized: true,
    }, h));
    const url = `https://127.0.0.1:${port}`;
    const get = async (auth: object) => {
      const e = am(url, auth);
      try {
        return await httpSend(e, e.resolve('api/v2/status'), { method: 'GET', headers: await e.headers(), timeoutMs: 5000 });
      } finally {
        e.close();
      }
    };
    const good = { caFile: pki.ca, certFile: pki.clientCert, keyFile: pki.clientKey, headers: { 'X-Scope-OrgID': 'team-a' } };
    const ok = await get(good);
    expect(ok.status).toBe(200);
    expect(seen.at(-1)).toMatchObject({ method: 'GET', path: '/api/v2/status', headers: { 'x-scope-orgid': 'team-a' } });
    // The server's certificate is not trusted without the CA.
    const untrusted = await get({ certFile: pki.clientCert, keyFile: pki.clientKey }).catch((e: unknown) => e);
    expect(untrusted).toBeInstanceOf(HttpSendError);
    expect((untrusted as HttpSendError).tls).toBe(true);
    expect((untrusted as HttpSendError).refusedByServer).toBe(false);
    expect(am(url).tlsAdvice(untrusted as HttpSendError)).toBe('set ALERTMANAGER_CA_FILE to the CA that signed its certificate, or ALERTMANAGER_INSECURE_SKIP_VERIFY=true');
    // No client certificate: the server ends the handshake with an alert (certificate required).
    const refused = await get({ caFile: pki.ca }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HttpSendError);
    expect((refused as HttpSendError).refusedByServer).toBe(true);
    expect(am(url).tlsAdvice(refused as HttpSendError)).toMatch(/^the server refused the handshake: it may require a client certificate \(set ALERTMANAGER_CERT_FILE and ALERTMANAGER_KEY_FILE/);
    // One its CA did not sign: Node's server hangs up after the handshake (Go's, as Prometheus's, sends an alert: tls-auth.integration.test.ts).
    const stranger = await get({ caFile: pki.ca, certFile: pki.strangerCert, keyFile: pki.strangerKey }).catch((e: unknown) => e);
    expect(stranger).toBeInstanceOf(HttpSendError);
    // The files rotated in place (cert-manager renewing the certificate): new connections use the new ones.
    const [cert, key] = [join(tmpdir(), `kad-rot-${port}.pem`), join(tmpdir(), `kad-rot-${port}.key`)];
    writeFileSync(cert, readFileSync(pki.strangerCert));
    writeFileSync(key, readFileSync(pki.strangerKey));
    const rotating = new HttpEndpoint(url, { caFile: pki.ca, certFile: cert, keyFile: key }, { setting: 'ALERTMANAGER', reloadCheckMs: 0 });
    const send = () => httpSend(rotating, rotating.resolve('x'), { method: 'GET', headers: {}, timeoutMs: 5000 });
    await expect(send()).rejects.toBeInstanceOf(HttpSendError);
    writeFileSync(cert, readFileSync(pki.clientCert)); // half way: a key that is not the certificate's is not taken up
    await expect(send()).rejects.toBeInstanceOf(HttpSendError);
    writeFileSync(key, readFileSync(pki.clientKey));
    expect((await send()).status).toBe(200);
    rotating.close();
    expect(seen).toHaveLength(2);
  });
});

describe('Alertmanager and webhook sinks with credentials', () => {
  it('send credentials given in the URL as basic auth and keep the password out of every message (before: every delivery failed, naming it)', async () => {
    const { port, seen } = await serve(401, 'Unauthorized');
    const sink = new AlertmanagerSink({ url: `http://kad:s3cret@127.0.0.1:${port}/am`, timeoutMs: 2000 });
    expect(sink.url).toBe(`http://127.0.0.1:${port}/am/api/v2/alerts`);
    const e = await sink.send([ALERT]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeliveryError);
    expect((e as Error).message).toBe(
      `Alertmanager http://127.0.0.1:${port}/am/api/v2/alerts: HTTP 401 Unauthorized: Unauthorized; check ALERTMANAGER_BEARER_TOKEN(_FILE) or ALERTMANAGER_USERNAME and ALERTMANAGER_PASSWORD(_FILE) (rejected; this batch is dropped)`,
    );
    expect(seen[0]).toMatchObject({ method: 'POST', path: '/am/api/v2/alerts', headers: { authorization: basic('kad', 's3cret'), 'content-type': 'application/json' } });
  });

  it('a webhook gets its extra headers, at its URL as given', async () => {
    const { port, seen } = await serve(200, '');
    const sink = new WebhookSink({ url: `http://127.0.0.1:${port}/hook?channel=ops`, headers: { Authorization: 'Bearer hook-token' }, timeoutMs: 2000 });
    await sink.send([ALERT]);
    expect(seen[0]).toMatchObject({ method: 'POST', path: '/hook?channel=ops', headers: { authorization: 'Bearer hook-token' } });
  });

  it('reads from the first Alertmanager replica that answers; with none, names each failure', async () => {
    const { port, seen } = await serve(200, '[{"id":"s1"}]');
    const dead = am('http://127.0.0.1:1');
    expect(await getJsonFromAny([dead, am(`http://127.0.0.1:${port}`)], 'api/v2/silences', 2000, 'Alertmanager')).toEqual([{ id: 's1' }]);
    expect(seen.map((s) => s.path)).toEqual(['/api/v2/silences']);
    await expect(getJsonFromAny([dead, am('http://127.0.0.1:2')], 'api/v2/silences', 2000, 'Alertmanager')).rejects.toThrow(
      'Alertmanager http://127.0.0.1:1/api/v2/silences: connection refused (ECONNREFUSED); Alertmanager http://127.0.0.1:2/api/v2/silences: connection refused (ECONNREFUSED)',
    );
  });

  it('an unreadable password file is a delivery failure naming the setting (retried: the file may appear)', async () => {
    const { port, seen } = await serve();
    const sink = new AlertmanagerSink({ url: `http://127.0.0.1:${port}`, auth: { username: 'kad', passwordFile: '/nonexistent/pw' }, timeoutMs: 2000 });
    const e = await sink.send([ALERT]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeliveryError);
    expect((e as DeliveryError).permanent).toBe(false);
    expect((e as Error).message).toContain('cannot read the password file (ALERTMANAGER_PASSWORD_FILE) /nonexistent/pw (ENOENT)');
    expect(seen).toHaveLength(0);
  });
});

describe('httpSend', () => {
  it('follows redirects to the same server (307/308 with the body, 301-303 for GET), not a 301 after a POST, never to another server', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${body} ${req.headers.authorization ?? '-'}`);
        const to: Record<string, [number, string]> = {
          '//api/v2/alerts': [308, '/api/v2/alerts'], '/moved': [301, '/api/v2/alerts'], '/away': [307, 'http://127.0.0.1:1/elsewhere'], '/away/api/v2/alerts': [307, 'http://127.0.0.1:1/elsewhere'],
          '/loop': [307, '/loop'],
        };
        const r = to[req.url!];
        if (r) res.writeHead(r[0], { location: r[1] }).end();
        else res.writeHead(200).end('ok');
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const e = am(`http://kad:pw@127.0.0.1:${(server.address() as { port: number }).port}`);
    const send = async (path: string, method: 'GET' | 'POST') => (await httpSend(e, new URL(`${e.url}${path}`), { method, headers: await e.headers(), body: method === 'POST' ? '[1]' : undefined, timeoutMs: 2000 })).status;
    const auth = basic('kad', 'pw');
    expect(await send('//api/v2/alerts', 'POST')).toBe(200);
    expect(seen.splice(0)).toEqual([`POST //api/v2/alerts [1] ${auth}`, `POST /api/v2/alerts [1] ${auth}`]);
    expect(await send('/moved', 'GET')).toBe(200);
    expect(seen.splice(0)).toEqual([`GET /moved  ${auth}`, `GET /api/v2/alerts  ${auth}`]);
    expect(await send('/moved', 'POST')).toBe(301); // browsers would resend it as a GET, without the alerts
    expect(await send('/away', 'POST')).toBe(307); // elsewhere: not followed with kad's credentials
    expect(await send('/loop', 'GET')).toBe(307);
    expect(seen.splice(0).filter((l) => l.startsWith('GET /loop'))).toHaveLength(6); // the first and 5 redirects
    const sink = new AlertmanagerSink({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/away` });
    await expect(sink.send([ALERT])).rejects.toThrow(/HTTP 307 Temporary Redirect; it redirects to http:\/\/127\.0\.0\.1:1\/…, another server, where kad does not follow with its credentials: set the URL to where it redirects/);
  });

  it('sends once more on a new connection when a kept-alive one turns out closed (the server dropped it while idle)', async () => {
    let n = 0;
    const server = createServer((req, res) => {
      req.resume();
      n++;
      // The second request on the first connection: hang up without an answer, as a server does that
      // closed the idle connection just as the request left.
      if (n === 2) return req.socket.destroy();
      res.writeHead(200, { connection: 'keep-alive' }).end('ok');
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const e = am(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
    const get = () => httpSend(e, e.resolve('x'), { method: 'GET', headers: {}, timeoutMs: 2000 });
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(200);
    expect(n).toBe(3);
    e.close();
  });

  it('a webhook\'s advice names the settings it has: its URL and headers', async () => {
    const { port } = await serve(401, 'no');
    const sink = new WebhookSink({ url: `http://127.0.0.1:${port}/hooks/T000/s3cret?token=abc`, timeoutMs: 2000 });
    const err = (await sink.send([ALERT]).catch((x: unknown) => x)) as Error;
    expect(err.message).toBe(`webhook http://127.0.0.1:${port}/…: HTTP 401 Unauthorized: no; check the credentials in KAD_WEBHOOK_URL or KAD_WEBHOOK_HEADERS (rejected; this batch is dropped)`);
    const hook = new HttpEndpoint('https://hook.example', {}, { setting: 'KAD_WEBHOOK', keepQuery: true, credentialSettings: false });
    expect(hook.tlsAdvice(new HttpSendError('x', 'network', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'))).toBe('kad trusts the system\'s CAs for it (add one with NODE_EXTRA_CA_CERTS)');
    expect(hook.tlsAdvice(new HttpSendError('x', 'network', 'ERR_TLS_CERT_ALTNAME_INVALID'))).toBe('its certificate does not name this host: use a host name in KAD_WEBHOOK_URL that the certificate has');
  });

  it.runIf(existsSync(OPENSSL))('a certificate file that is not PEM, or a key that is not the certificate\'s, is refused at start naming both settings; a CA that did not sign is said so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kad-pki-'));
    const pki = makeTestPki(dir);
    expect(() => am('https://x', { certFile: pki.clientCert, keyFile: pki.serverKey })).toThrow(
      new RegExp(`^ALERTMANAGER_CERT_FILE="${pki.clientCert}" with ALERTMANAGER_KEY_FILE="${pki.serverKey}" cannot be used: .*key values mismatch`),
    );
    writeFileSync(join(dir, 'junk.pem'), 'not a certificate\n');
    expect(() => am('https://x', { caFile: join(dir, 'junk.pem') })).toThrow(/^ALERTMANAGER_CA_FILE=".*junk.pem" holds no PEM certificate/);
    expect(() => am('https://x', { certFile: join(dir, 'junk.pem'), keyFile: pki.clientKey })).toThrow(/^ALERTMANAGER_CERT_FILE=".*junk.pem" with ALERTMANAGER_KEY_FILE=".*" cannot be used: .*no start line/);
    expect(am('https://x', { caFile: pki.ca }).tlsAdvice(new HttpSendError('x', 'network', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')))
      .toBe('ALERTMANAGER_CA_FILE does not hold the CA that signed its certificate: set it to the one that does, or ALERTMANAGER_INSECURE_SKIP_VERIFY=true');
  });
});
