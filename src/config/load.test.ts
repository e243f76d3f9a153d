import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { environmentVariables, loadConfig } from './load.js';

function tmpFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kad-config-'));
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('loadConfig', () => {
  it('has the seed defaults', () => {
    const c = loadConfig({ env: {} });
    expect(c.prometheus.url).toBeUndefined();
    expect(c.prometheus.namespaceRegex).toBe('.*');
    expect(c.prometheus.podLabel).toBe('pod');
    expect(c.training.lookbackMinutes).toBe(60);
    expect(c.training.queryStepSeconds).toBe(60);
    expect(c.prometheus.requestTimeoutSeconds).toBe(5);
    expect(c.iforest).toEqual({ nEstimators: 100, maxSamples: 256, contamination: 'auto' });
    expect(c.alertmanager.url).toBeUndefined();
    expect(c.server.port).toBe(8080);
    expect(Object.isFrozen(c.iforest)).toBe(true);
  });

  it('reads the environment variables of the seeds with their types', () => {
    const c = loadConfig({
      env: {
        PROMETHEUS_URL: 'http://prom:9090', NAMESPACE_REGEX: 'prod-.*', POD_LABEL: 'pod_name',
        TRAINING_LOOKBACK_MINUTES: '120', QUERY_STEP_SECONDS: '30', REQUEST_TIMEOUT_SECONDS: '2.5',
        IFOREST_N_ESTIMATORS: '50', IFOREST_MAX_SAMPLES: 'auto', IFOREST_CONTAMINATION: '0.05',
        ALERTMANAGER_URL: 'http://am:9093', PORT: '9000',
      },
    });
    expect(c.prometheus).toMatchObject({ url: 'http://prom:9090', namespaceRegex: 'prod-.*', podLabel: 'pod_name', requestTimeoutSeconds: 2.5 });
    expect(c.training.lookbackMinutes).toBe(120);
    expect(c.iforest).toEqual({ nEstimators: 50, maxSamples: 'auto', contamination: 0.05 });
    expect(c.alertmanager.url).toBe('http://am:9093');
    expect(c.server.port).toBe(9000);
  });

  it('names the setting, the value and what is allowed', () => {
    const bad = () => loadConfig({ env: { IFOREST_N_ESTIMATORS: 'many', IFOREST_CONTAMINATION: '0.9', PORT: '70000' } });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toContain('IFOREST_N_ESTIMATORS="many" is invalid: must be an integer from 1 to 10000');
      expect(msg).toContain('IFOREST_CONTAMINATION=0.9 is invalid: must be "auto" or a number above 0 and at most 0.5');
      expect(msg).toContain('PORT=70000');
      expect((e as ConfigError).exitCode).toBe(2);
    }
  });

  it('rejects a namespace regex that does not compile', () => {
    expect(() => loadConfig({ env: { NAMESPACE_REGEX: 'prod-(' } })).toThrow(/NAMESPACE_REGEX="prod-\(" is invalid: must be a regular expression/);
  });

  it('reads the credentials, TLS and headers of Prometheus and Alertmanager, and names a header it cannot send', () => {
    const c = loadConfig({
      env: {
        PROMETHEUS_URL: 'https://mimir:8080/prometheus', PROMETHEUS_HEADERS: 'X-Scope-OrgID=team-a', PROMETHEUS_CERT_FILE: '/tls/c.pem', PROMETHEUS_KEY_FILE: '/tls/k.pem',
        ALERTMANAGER_URL: 'https://am:9093', ALERTMANAGER_USERNAME: 'kad', ALERTMANAGER_PASSWORD_FILE: '/s/pw', ALERTMANAGER_CA_FILE: '/tls/ca.pem', ALERTMANAGER_INSECURE_SKIP_VERIFY: 'false',
        KAD_WEBHOOK_URL: 'https://hook', KAD_WEBHOOK_HEADERS: 'Authorization=Bearer%20x',
      },
    });
    expect(c.prometheus).toMatchObject({ headers: 'X-Scope-OrgID=team-a', certFile: '/tls/c.pem', keyFile: '/tls/k.pem' });
    expect(c.alertmanager).toMatchObject({ username: 'kad', passwordFile: '/s/pw', caFile: '/tls/ca.pem', insecureSkipVerify: false, webhookHeaders: 'Authorization=Bearer%20x' });
    expect(() => loadConfig({ env: { PROMETHEUS_HEADERS: 'X-Scope-OrgID' } })).toThrow(/PROMETHEUS_HEADERS: entry 1 is not Name=value/);
    expect(loadConfig({ env: { KAD_ALERT_LABELS: 'cluster=prod-eu' } }).alertmanager.labels).toBe('cluster=prod-eu');
    expect(() => loadConfig({ env: { KAD_ALERT_LABELS: 'cluster=prod-eu,severity=page' } })).toThrow(/KAD_ALERT_LABELS: severity is a label kad sets itself \(set it with KAD_ALERT_SEVERITY\)/);
    // An HA Alertmanager: one URL per replica.
    expect(loadConfig({ env: { ALERTMANAGER_URL: 'http://am-0.am:9093, http://am-1.am:9093' } }).alertmanager.url).toBe('http://am-0.am:9093, http://am-1.am:9093');
    expect(() => loadConfig({ env: { ALERTMANAGER_URL: 'http://am-0:9093,am-1:9093' } })).toThrow(/ALERTMANAGER_URL: entry 2 of 2 is not an http:\/\/ or https:\/\/ URL: must be one URL, or one per Alertmanager replica/);
    expect(() => loadConfig({ env: { ALERTMANAGER_URL: 'http://u:pw@am-0:9093,,http://u:pw@am-0:9093' } })).toThrow(/ALERTMANAGER_URL: entry 2 of 3 is empty: .*\n.*ALERTMANAGER_URL: entry 3 of 3 \(http:\/\/\*\*\*@am-0:9093\) is listed twice/);
    // A comma in a password splits the URL: said by position, the password not shown.
    const comma = (() => { try { loadConfig({ env: { ALERTMANAGER_URL: 'http://kad:s3cr,et@am:9093' } }); return ''; } catch (e) { return (e as Error).message; } })();
    expect(comma).toMatch(/entry 2 of 2 is not an http:\/\/ or https:\/\/ URL: .*a comma in a user name or password as %2C/);
    expect(comma).not.toMatch(/s3cr|et@am/);
    const f = tmpFile('kad.yaml', 'alertmanager:\n  url: http://am:9093\n  headers: "Host=x"\n');
    expect(() => loadConfig({ file: f })).toThrow(new RegExp(`alertmanager.headers \\(${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line 3\\): the header Host is set by kad`));
  });

  it('reads a YAML file, and the environment wins over it', () => {
    const f = tmpFile('kad.yaml', 'iforest:\n  nEstimators: 10\n  contamination: 0.1\nserver:\n  port: 9100\n');
    const c = loadConfig({ file: f, env: { PORT: '9200' } });
    expect(c.iforest.nEstimators).toBe(10);
    expect(c.iforest.contamination).toBe(0.1);
    expect(c.server.port).toBe(9200);
  });

  it('points at the file and line of a bad or unknown setting', () => {
    const f = tmpFile('kad.yaml', 'training:\n  lookbackMinutes: 1\n  lookbak: 3\nfoo: 1\n');
    try {
      loadConfig({ file: f, env: {} });
      expect.unreachable();
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toContain(`training.lookbackMinutes (${f} line 2): 1 is out of range: must be an integer from 5 to 100000`);
      expect(msg).toContain(`${f}:3: unknown setting "training.lookbak"`);
      expect(msg).toContain(`${f}:4: unknown section "foo"`);
    }
  });

  it('refuses a section that is not a mapping (a value or a list where settings belong), naming the line; an empty section is fine', () => {
    const f = tmpFile('kad.yaml', 'policy:\n  modelb "-1.2"\niforest:\n  - 1\n');
    expect(() => loadConfig({ file: f, env: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ file: f, env: {} })).toThrow(/kad.yaml:\d+: section "policy" must be a mapping of settings .*, got "modelb/);
    expect(() => loadConfig({ file: f, env: {} })).toThrow(/section "iforest" must be a mapping of settings .*, got a list/);
    expect(loadConfig({ file: tmpFile('kad.yaml', 'policy:\n'), env: {} }).policy.consecutive).toBe(2);
  });

  it('says what is wrong with a value from the file: its type, its range or its form, the value escaped', () => {
    const f = tmpFile('kad.yaml', [
      'iforest:', '  nEstimators: two hundred', '  maxSamples: lots', '  contamination: 0.9',
      'server:', '  port: 8080', 'prometheus:', '  insecureSkipVerify: maybe', '  podLabel: "bad\\u001b label"', '  requestTimeoutSeconds: .inf', '',
    ].join('\n'));
    const g = tmpFile('kad.yaml', ['server:', '  port: 8080.5', 'log:', `  level: ${'x'.repeat(200)}`, ''].join('\n'));
    const message = (file: string): string => {
      try {
        loadConfig({ file, env: {} });
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    };
    expect(message(g)).toContain(`server.port (${g} line 2): 8080.5 is not an integer: must be an integer from 0 to 65535`);
    expect(message(g)).toContain(`log.level (${g} line 4): "${'x'.repeat(77)}…" is not one of the values allowed`);
    try {
      loadConfig({ file: f, env: {} });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).code).toBe('KAD_ERR_CONFIG');
      const msg = (e as Error).message;
      expect(msg).toContain(`iforest.nEstimators (${f} line 2): "two hundred" is not an integer: must be an integer from 1 to 10000`);
      expect(msg).toContain(`iforest.maxSamples (${f} line 3): "lots" is not one of the values allowed: must be "auto" or an integer from 2 to 1000000`);
      expect(msg).toContain(`iforest.contamination (${f} line 4): 0.9 is out of range: must be "auto" or a number above 0 and at most 0.5`);
      expect(msg).toContain(`prometheus.insecureSkipVerify (${f} line 8): "maybe" is not true or false`);
      expect(msg).toContain(`prometheus.podLabel (${f} line 9): "bad\\u001b label" is invalid: must be a Prometheus label name`);
      expect(msg).toContain(`prometheus.requestTimeoutSeconds (${f} line 10): Infinity is out of range`);
    }
    // The environment overrides the file, and its message names the variable as before.
    expect(() => loadConfig({ file: f, env: { IFOREST_N_ESTIMATORS: 'many' } })).toThrow('IFOREST_N_ESTIMATORS="many" is invalid: must be an integer from 1 to 10000');
  });

  it('reports YAML syntax errors with a line', () => {
    const f = tmpFile('kad.yaml', 'iforest:\n  nEstimators: [1\n');
    expect(() => loadConfig({ file: f, env: {} })).toThrow(/kad\.yaml:\d+:\d+: not valid YAML/);
  });

  it('lists every environment variable it reads', () => {
    const names = environmentVariables().map((v) => v.name);
    for (const n of ['PROMETHEUS_URL', 'NAMESPACE_REGEX', 'POD_LABEL', 'TRAINING_LOOKBACK_MINUTES', 'QUERY_STEP_SECONDS',
      'REQUEST_TIMEOUT_SECONDS', 'IFOREST_N_ESTIMATORS', 'IFOREST_MAX_SAMPLES', 'IFOREST_CONTAMINATION', 'ALERTMANAGER_URL', 'PORT']) {
      expect(names).toContain(n);
    }
  });
});

describe('loadConfig booleans', () => {
  it('reads true/false from the environment and rejects anything else', () => {
    expect(loadConfig({ env: { PROMETHEUS_INSECURE_SKIP_VERIFY: 'true' } }).prometheus.insecureSkipVerify).toBe(true);
    expect(() => loadConfig({ env: { PROMETHEUS_INSECURE_SKIP_VERIFY: 'yes' } })).toThrow(/PROMETHEUS_INSECURE_SKIP_VERIFY="yes" is invalid: must be true or false/);
  });
});

describe('loadConfig sharding', () => {
  it('is one shard by default, shard 0', () => {
    const c = loadConfig({ env: {} });
    expect(c.sharding).toEqual({ shards: 1, shard: 0, by: 'workload' });
  });

  it('takes KAD_SHARD, else the ordinal of a StatefulSet pod\'s host name', () => {
    expect(loadConfig({ env: { KAD_SHARDS: '4', KAD_SHARD: '3', HOSTNAME: 'kad-1' } }).sharding).toEqual({ shards: 4, shard: 3, by: 'workload' });
    expect(loadConfig({ env: { KAD_SHARDS: '4', HOSTNAME: 'kad-anomaly-detector-2' } }).sharding).toEqual({ shards: 4, shard: 2, by: 'workload' });
  });

  it('names the setting when neither gives a shard, or the shard is not below KAD_SHARDS', () => {
    expect(() => loadConfig({ env: { KAD_SHARDS: '2', HOSTNAME: 'laptop' } })).toThrow(/KAD_SHARD is unset and HOSTNAME="laptop".*set KAD_SHARD to this replica's shard, from 0 to 1/);
    expect(() => loadConfig({ env: { KAD_SHARDS: '2' } })).toThrow(/KAD_SHARD is unset/);
    expect(() => loadConfig({ env: { KAD_SHARDS: '2', KAD_SHARD: '2' } })).toThrow(/KAD_SHARD=2 is invalid: must be below KAD_SHARDS=2/);
    expect(() => loadConfig({ env: { KAD_SHARDS: '3', HOSTNAME: 'kad-5' } })).toThrow(/HOSTNAME="kad-5" gives shard 5, which is not below KAD_SHARDS=3/);
    expect(() => loadConfig({ env: { KAD_SHARDS: '0' } })).toThrow(/KAD_SHARDS=0 is invalid/);
  });
});
