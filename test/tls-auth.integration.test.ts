/**
 * kad against a real Prometheus and a real Alertmanager that serve behind their `--web.config.file`
 * (the exporter toolkit's TLS and basic auth): https with a test CA, a client certificate required
 * (mutual TLS) and a password, as a hardened or multi-tenant setup has them. Everything is configured
 * the way a user does it, through the environment (`PROMETHEUS_*`, `ALERTMANAGER_*`), and each failure
 * is checked for a message that says what to set and never shows the password.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { manualClock } from '../src/core/clock.js';
import { HttpEndpoint, httpSend } from '../src/core/http-endpoint.js';
import { makeTestPki, type TestPki } from '../src/core/pki.testkit.js';
import { ShardOwnership } from '../src/core/shard.js';
import { alertmanagerAuth, createNotifier } from '../src/notify/notifier.js';
import { flaggedPod, recordingLogger } from '../src/notify/notify.testkit.js';
import { ShardAlertWatcher } from '../src/notify/shard-alerts.js';
import { getJson } from '../src/notify/sink.js';
import { SilenceWatcher } from '../src/notify/silences.js';
import { PrometheusClient } from '../src/sources/prometheus-client.js';
import { openEventStore } from '../src/store/event-store.js';
import { startAlertmanager, type AlertmanagerServer } from './alertmanager.js';
import { describeWithServers } from './integration.js';
import { startPrometheus, type PrometheusServer, type WebConfig } from './prometheus.js';

const PASSWORD = 'kad-test-password';
/** bcrypt (cost 4) of PASSWORD, as `basic_auth_users` wants it: computed once with crypt(3)'s $2b$, a fixed value for a fixed password. */
const PASSWORD_BCRYPT = '$2b$04$ERv9aDarzib/QCznHGEtR.qF69M0i0q0//LujMM27.D2O6i09wMnO';

describeWithServers('Prometheus and Alertmanager behind TLS, client certificates and basic auth', ['prometheus', 'alertmanager', 'openssl'], () => {
  let dir: string;
  let pki: TestPki;
  let prom: PrometheusServer;
  let am: AlertmanagerServer;
  /** The environment of a kad that may call both. */
  let env: Record<string, string>;
  const log = recordingLogger();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kad-tls-'));
    pki = makeTestPki(dir);
    const file = join(dir, 'web.yml');
    writeFileSync(file, [
      'tls_server_config:',
      `  cert_file: ${pki.serverCert}`,
      `  key_file: ${pki.serverKey}`,
      '  client_auth_type: RequireAndVerifyClientCert',
      `  client_ca_file: ${pki.ca}`,
      'basic_auth_users:',
      `  kad: ${PASSWORD_BCRYPT}`,
      '',
    ].join('\n'));
    const ready = async (url: string) => {
      const e = new HttpEndpoint(url, { username: 'kad', password: PASSWORD, caFile: pki.ca, certFile: pki.clientCert, keyFile: pki.clientKey }, { setting: 'TEST' });
      try {
        return (await httpSend(e, e.resolve('-/ready'), { method: 'GET', headers: await e.headers(), timeoutMs: 2000 })).status === 200;
      } catch {
        return false;
      } finally {
        e.close();
      }
    };
    const web: WebConfig = { file, https: true, ready };
    [prom, am] = await Promise.all([startPrometheus({ web }), startAlertmanager({ web })]);
    const hostPort = (url: string) => new URL(url).host;
    writeFileSync(join(dir, 'password'), `${PASSWORD}\n`);
    env = {
      PROMETHEUS_URL: `https://kad:${PASSWORD}@${hostPort(prom.url)}`,
      PROMETHEUS_CA_FILE: pki.ca, PROMETHEUS_CERT_FILE: pki.clientCert, PROMETHEUS_KEY_FILE: pki.clientKey,
      PROMETHEUS_HEADERS: 'X-Scope-OrgID=team-a',
      ALERTMANAGER_URL: am.url,
      ALERTMANAGER_USERNAME: 'kad', ALERTMANAGER_PASSWORD_FILE: join(dir, 'password'),
      ALERTMANAGER_CA_FILE: pki.ca, ALERTMANAGER_CERT_FILE: pki.clientCert, ALERTMANAGER_KEY_FILE: pki.clientKey,
      KAD_STATE_DIR: join(dir, 'state'),
      KAD_ALERT_LABELS: 'cluster=test-eu',
    };
  }, 60_000);

  afterAll(async () => {
    await Promise.all([prom?.stop(), am?.stop()]);
  });

  it('queries Prometheus with the client certificate and the password from the URL; says what to set when one is missing', async () => {
    const client = PrometheusClient.fromConfig(loadConfig({ env }).prometheus, { maxRetries: 0 });
    expect(client.url).toBe(prom.url);
    expect((await client.query('vector(42)', Date.now()))[0].value).toBe(42);
    await client.close();

    const failure = async (over: Record<string, string | undefined>) => {
      const c = PrometheusClient.fromConfig(loadConfig({ env: { ...env, ...over } }).prometheus, { maxRetries: 0 });
      try {
        await c.query('vector(1)', Date.now());
        return '';
      } catch (e) {
        return (e as Error).message;
      } finally {
        await c.close();
      }
    };
    const wrongPassword = await failure({ PROMETHEUS_URL: `https://kad:not-it@${new URL(prom.url).host}` });
    expect(wrongPassword).toMatch(/HTTP 401 Unauthorized.*; check PROMETHEUS_BEARER_TOKEN\(_FILE\) or PROMETHEUS_USERNAME and PROMETHEUS_PASSWORD\(_FILE\)/);
    expect(wrongPassword).not.toContain('not-it');
    const untrusted = await failure({ PROMETHEUS_CA_FILE: undefined });
    expect(untrusted).toMatch(/TLS handshake failed \(.+\); set PROMETHEUS_CA_FILE to the CA that signed its certificate, or PROMETHEUS_INSECURE_SKIP_VERIFY=true/);
    // Without a client certificate, or with one its CA did not sign, the server ends the handshake.
    for (const over of [{ PROMETHEUS_CERT_FILE: undefined, PROMETHEUS_KEY_FILE: undefined }, { PROMETHEUS_CERT_FILE: pki.strangerCert, PROMETHEUS_KEY_FILE: pki.strangerKey }]) {
      const refused = await failure(over);
      expect(refused).toMatch(/^Prometheus https:\/\/127\.0\.0\.1:\d+ TLS handshake failed \(.*ALERT.*\); the server refused the handshake: it may require a client certificate \(set PROMETHEUS_CERT_FILE and PROMETHEUS_KEY_FILE to one signed by a CA it trusts\)/);
      expect(refused).not.toContain(PASSWORD);
    }
  });

  it('delivers alerts to Alertmanager and reads its alerts and silences back through the same credentials', async () => {
    const config = loadConfig({ env });
    const clock = manualClock(Math.floor(Date.now() / 1000) * 1000);
    const up: [string, boolean][] = [];
    const notifier = createNotifier(config, { clock, log, onSinkStatus: (s, ok) => up.push([s, ok]), retry: false, timeoutMs: 5000 });
    await notifier.update(clock.now(), [flaggedPod('api-0', { namespace: 'payments', workload: 'api' })]);
    expect(notifier.status().sinks.alertmanager).toMatchObject({ up: true, lastError: null, pending: 0 });
    await notifier.close();

    // What Alertmanager holds, read as kad reads it (ShardAlertWatcher), and directly.
    const endpoint = new HttpEndpoint(config.alertmanager.url!, alertmanagerAuth(config.alertmanager), { setting: 'ALERTMANAGER' });
    const held = (await getJson(endpoint, 'api/v2/alerts', 5000, 'Alertmanager')) as { labels: Record<string, string> }[];
    endpoint.close();
    expect(held.find((a) => a.labels.pod === 'api-0')?.labels).toMatchObject({ cluster: 'test-eu', namespace: 'payments', workload: 'api' });
    // The shard that does not own payments/api sees it as another shard's; a kad of another cluster (other labels) does not.
    const shards = [0, 1].map((shard) => new ShardOwnership({ shard, shards: 2 }));
    const notOwner = shards.find((s) => !s.owns({ namespace: 'payments', workload: 'api' }))!;
    const watcher = (labels: Record<string, string>) => new ShardAlertWatcher({ url: config.alertmanager.url!, auth: alertmanagerAuth(config.alertmanager), labels, shard: notOwner });
    const same = watcher({ cluster: 'test-eu' });
    expect(await same.pollOnce()).toBe(true);
    expect([...same.firing().keys()]).toEqual(['payments/api']);
    const elsewhere = watcher({ cluster: 'prod-us' });
    expect(await elsewhere.pollOnce()).toBe(true);
    expect(elsewhere.firing().size).toBe(0);

    const events = openEventStore();
    const silences = new SilenceWatcher({ url: config.alertmanager.url!, auth: alertmanagerAuth(config.alertmanager), events, now: () => clock.now(), registry: new Registry() });
    await silences.pollOnce();
    expect(silences.status()).toMatchObject({ up: true, lastError: null });

    // A wrong password: Alertmanager refuses the batch; the message says what to check, not the password.
    writeFileSync(join(dir, 'password'), 'not-the-password');
    await silences.pollOnce();
    expect(silences.status().up).toBe(false);
    expect(silences.status().lastError).toMatch(/HTTP 401 Unauthorized.*check ALERTMANAGER_BEARER_TOKEN\(_FILE\) or ALERTMANAGER_USERNAME and ALERTMANAGER_PASSWORD\(_FILE\)/);
    // The password file is read on every request: the right one again, and it answers.
    writeFileSync(join(dir, 'password'), PASSWORD);
    await silences.pollOnce();
    expect(silences.status().up).toBe(true);
    events.close();
  });
});
