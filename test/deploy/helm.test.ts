/**
 * The Helm chart deploy/helm/kad. No helm binary or API server is available here, so:
 * - the templates are rendered by Go's text/template with sprig and Helm's functions (test/deploy/helm.ts),
 *   with the default values and with ci/all-on-values.yaml, which turns every option on;
 * - every rendered object is validated against the Kubernetes OpenAPI schema or its CRD's schema
 *   (kubernetes-models, @kubernetes-models/prometheus-operator) — what `kubectl apply --dry-run=client`
 *   would check, not what admission webhooks or controllers would do;
 * - values.schema.json is checked with ajv (Helm validates the merged values with a JSON Schema
 *   validator too), and a bad value is rejected with a message naming it;
 * - the rendered ConfigMap's config is loaded by kad's own config loader, and `kad serve --config` starts from it;
 * - the PrometheusRule's rules pass promtool.
 * Not proven: that Helm's own engine renders byte-for-byte the same (sorting by kind aside, the
 * functions and objects are Helm's), that the objects are accepted by a real cluster, RBAC enough at run time.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { meshRecordingRuleGroup, recordingRuleGroup } from '../../src/sources/prometheus-rules.js';
import { exited, ROOT, spawnKad, waitFor } from '../helpers.js';
import { BINARIES, REQUIRE_INTEGRATION, tempDir } from '../integration.js';
import { CHART, parseManifests, render, RENDER_MISSING, mergeValues, validateObject, valuesProblems, type K8sObject } from './helm.js';

const ALL_ON = join(CHART, 'ci/all-on-values.yaml');
const defaults = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;


describe('values.yaml and values.schema.json', () => {
  it('the defaults and the all-on values satisfy the schema', () => {
    expect(valuesProblems(defaults)).toBeNull();
    expect(valuesProblems(mergeValues(defaults, parse(readFileSync(ALL_ON, 'utf8'))))).toBeNull();
  });

  it('config takes every section of kad\'s config schema, and no other (a new section is not refused by helm install)', () => {
    const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as { properties: { config: { propertyNames: { enum: string[] } } } };
    expect([...schema.properties.config.propertyNames.enum].sort()).toEqual(Object.keys(ConfigSchema.properties).sort());
    expect(valuesProblems(mergeValues(defaults, { config: { classifier: { data: '/data/labels.csv' }, sharding: { shards: 2 }, features: { custom: [] } } }))).toBeNull();
    expect(valuesProblems(mergeValues(defaults, { config: { clasifier: {} } }))?.join('; ')).toMatch(/config/);
  });

  it('a bad value fails with a message naming the setting', () => {
    const bad = (over: Record<string, unknown>) => valuesProblems(mergeValues(defaults, over))?.join('; ');
    expect(bad({ service: { type: 'Public' } })).toMatch(/\/service\/type: must be equal to one of the allowed values/);
    expect(bad({ replicaCount: -1 })).toMatch(/\/replicaCount: must be >= 0/);
    expect(bad({ resources: { limits: { memory: 'lots' } } })).toMatch(/\/resources\/limits\/memory: must match pattern/);
    expect(bad({ ingres: { enabled: true } })).toMatch(/must NOT have additional properties/);
    expect(bad({ config: { prometheus: { url: 'prometheus:9090' } } })).toMatch(/\/config\/prometheus\/url: must match pattern/);
    expect(bad({ training: { schedule: 'nightly' } })).toMatch(/\/training\/schedule/);
  });

  it('documents every setting: each section has a comment, and so has each setting of a section that is not a free-form object', () => {
    const lines = readFileSync(join(CHART, 'values.yaml'), 'utf8').split('\n');
    const undocumented: string[] = [];
    let parentFreeForm = false; // the top-level key's own "# --" comment documents its whole value
    lines.forEach((line, i) => {
      const m = /^( *)([A-Za-z][\w]*):/.exec(line);
      if (!m) return;
      const above = lines[i - 1]?.trim() ?? '';
      const below = lines[i + 1]?.trim() ?? '';
      if (m[1].length === 0) {
        let j = i - 1;
        while (j > 0 && lines[j - 1].startsWith('#')) j--; // the first line of the comment block above
        parentFreeForm = (lines[j] ?? '').startsWith('# --');
        if (!above.startsWith('#') && !below.startsWith('#')) undocumented.push(`${i + 1}: ${line.trim()}`);
      } else if (m[1].length === 2 && !parentFreeForm && !above.startsWith('#') && !below.startsWith('#')) {
        undocumented.push(`${i + 1}: ${line.trim()}`);
      }
    });
    expect(undocumented).toEqual([]);
  });
});

describe.skipIf(RENDER_MISSING !== null && !REQUIRE_INTEGRATION)('helm template deploy/helm/kad (Go text/template + sprig)', () => {
  let def: (K8sObject & { source: string })[];
  let all: (K8sObject & { source: string })[];
  const kinds = (objs: K8sObject[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();
  const one = (objs: K8sObject[], kind: string, name?: string) => {
    const found = objs.filter((o) => o.kind === kind && (!name || o.metadata.name === name));
    expect(found, `${kind}${name ? '/' + name : ''}`).toHaveLength(1);
    return found[0];
  };

  beforeAll(() => {
    if (RENDER_MISSING) throw new Error(`KAD_REQUIRE_INTEGRATION=1 but ${RENDER_MISSING}`);
    def = parseManifests(render());
    all = parseManifests(render({ values: [ALL_ON] }));
  }, 120_000);

  it('renders the defaults: kad with its config, Service, ServiceAccount, state PVC, dashboards and the helm test; no RBAC', async () => {
    expect(kinds(def)).toEqual([
      'ConfigMap/kad', 'ConfigMap/kad-dashboard-model', 'ConfigMap/kad-dashboard-overview', 'ConfigMap/kad-dashboard-workload',
      'Deployment/kad', 'PersistentVolumeClaim/kad-state', 'Pod/kad-test', 'Service/kad', 'ServiceAccount/kad',
    ]);
    for (const o of def) await validateObject(o);
  });

  it('renders every option on, each object valid against its schema (Kubernetes or Prometheus Operator CRD)', async () => {
    expect(kinds(all)).toEqual([
      'ConfigMap/kad-all', 'ConfigMap/kad-all-dashboard-model', 'ConfigMap/kad-all-dashboard-overview', 'ConfigMap/kad-all-dashboard-workload',
      'CronJob/kad-all-train', 'Deployment/kad-all', 'HorizontalPodAutoscaler/kad-all', 'Ingress/kad-all', 'NetworkPolicy/kad-all',
      'PersistentVolumeClaim/kad-all-models', 'PodDisruptionBudget/kad-all', 'Pod/kad-all-test', 'PrometheusRule/kad-all',
      'Role/kad-all-metrics-reader', 'Role/kad-all-metrics-reader', 'RoleBinding/kad-all-metrics-reader', 'RoleBinding/kad-all-metrics-reader',
      'Service/kad-all', 'ServiceAccount/kad-all', 'ServiceMonitor/kad-all',
    ].sort());
    for (const o of all) await validateObject(o);
  });

  it('the Deployment: probes on /readyz and /healthz, non-root, read-only root, state volume at KAD_STATE_DIR, spread', () => {
    const d = one(def, 'Deployment');
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    expect(c.args).toEqual(['serve', '--config', '/etc/kad/config.yaml']);
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    const stateDir = c.env.find((e: { name: string }) => e.name === 'KAD_STATE_DIR').value;
    expect(c.volumeMounts.find((m: { name: string }) => m.name === 'state').mountPath).toBe(stateDir);
    expect(pod.volumes.find((v: { name: string }) => v.name === 'state').persistentVolumeClaim.claimName).toBe('kad-state');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchLabels).toEqual(d.spec.selector.matchLabels);
    expect(pod.topologySpreadConstraints[0].labelSelector.matchLabels).toEqual(d.spec.selector.matchLabels);
    expect(d.spec.strategy.type).toBe('Recreate');
  });

  it('all on: secrets by reference only, hard anti-affinity, HPA in place of replicas, state in an emptyDir with several replicas', () => {
    const d = one(all, 'Deployment');
    const pod = d.spec.template.spec;
    const env = pod.containers[0].env as { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
    for (const v of ['PROMETHEUS_BEARER_TOKEN', 'PROMETHEUS_USERNAME', 'PROMETHEUS_PASSWORD', 'ALERTMANAGER_USERNAME', 'ALERTMANAGER_PASSWORD', 'KAD_WEBHOOK_URL', 'KAD_API_TOKEN']) {
      expect(env.find((e) => e.name === v)?.valueFrom?.secretKeyRef.name, v).toBe('kad-secrets');
    }
    // A client certificate from a Secret, mounted where the *_FILE settings point, in kad serve, its init container and the training job.
    expect(pod.volumes.find((v: { name: string }) => v.name === 'tls')).toEqual({ name: 'tls', secret: { secretName: 'kad-client-tls' } });
    const jobPod = one(all, 'CronJob').spec.jobTemplate.spec.template.spec;
    for (const c of [pod.containers[0], pod.initContainers[0], jobPod.containers[0]]) {
      expect(c.volumeMounts.find((m: { name: string }) => m.name === 'tls'), c.name).toEqual({ name: 'tls', mountPath: '/etc/kad-tls', readOnly: true });
    }
    expect(jobPod.volumes.find((v: { name: string }) => v.name === 'tls')).toBeDefined();
    expect(env.find((e) => e.name === 'ALERTMANAGER_CERT_FILE')?.value).toBe('/etc/kad-tls/tls.crt');
    expect(JSON.stringify(all)).not.toMatch(/kind":"Secret"/);
    expect(d.spec.replicas).toBeUndefined();
    expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(pod.affinity.nodeAffinity).toBeDefined();
    expect(pod.volumes.find((v: { name: string }) => v.name === 'state').emptyDir).toBeDefined();
    expect(pod.containers[0].image).toMatch(/@sha256:/);
    expect(pod.initContainers[0].name).toBe('train-if-missing');
    expect(one(all, 'Ingress').spec).toMatchObject({ ingressClassName: 'nginx', tls: [{ secretName: 'kad-tls', hosts: ['kad.example.com'] }] });
  });

  it('RBAC is least privilege: nothing for Prometheus; get/list pods and pods.metrics.k8s.io for metrics-api, per namespace or cluster-wide', () => {
    const rbacKinds = /^(Cluster)?Role(Binding)?$/;
    expect(def.filter((o) => rbacKinds.test(o.kind))).toEqual([]);
    const roles = all.filter((o) => o.kind === 'Role');
    expect(roles.map((r) => r.metadata.namespace)).toEqual(['shop', 'payments']);
    const expected = [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }, { apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: ['get', 'list'] }];
    for (const r of roles) expect(r.rules).toEqual(expected);
    const dir = tempDir('helm-values');
    const f = join(dir, 'v.yaml');
    writeFileSync(f, stringify({ config: { source: { kind: 'metrics-api' } } }));
    const cluster = parseManifests(render({ values: [f] }));
    expect(one(cluster, 'ClusterRole').rules).toEqual(expected);
    expect(one(cluster, 'ClusterRoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'kad', namespace: 'monitoring' }]);
    expect(one(cluster, 'Deployment').spec.template.spec.automountServiceAccountToken).toBe(true);
  });

  it('NetworkPolicy: default deny both ways; in from Prometheus and the ingress controller; out to DNS, Prometheus, Alertmanager, the API server', () => {
    const np = one(all, 'NetworkPolicy').spec;
    expect(np.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.ingress.map((r: { from: { podSelector: { matchLabels: Record<string, string> } }[] }) => r.from[0].podSelector.matchLabels['app.kubernetes.io/name']))
      .toEqual(['prometheus', 'ingress-nginx', 'kad']);
    const ports = np.egress.map((r: { ports: { port: number }[] }) => r.ports.map((p) => p.port).join('+'));
    expect(ports).toEqual(['53+53', '9090', '9093', '443', '443']);
    expect(np.egress[3].to).toEqual([{ ipBlock: { cidr: '10.0.0.1/32' } }]);
  });

  it('training: a CronJob (concurrencyPolicy Forbid) writing kad train into the models PVC that kad serve loads (KAD_MODEL_DIR)', () => {
    const cj = one(all, 'CronJob').spec;
    expect(cj.concurrencyPolicy).toBe('Forbid');
    const job = cj.jobTemplate.spec.template.spec;
    expect(job.containers[0].args).toEqual(['train', '--config', '/etc/kad/config.yaml', '--output', '/var/lib/kad-models']);
    expect(job.volumes.find((v: { name: string }) => v.name === 'models').persistentVolumeClaim.claimName).toBe('kad-all-models');
    const serve = one(all, 'Deployment').spec.template.spec;
    expect(serve.containers[0].env.find((e: { name: string }) => e.name === 'KAD_MODEL_DIR').value).toBe('/var/lib/kad-models');
    expect(serve.volumes.find((v: { name: string }) => v.name === 'models').persistentVolumeClaim.claimName).toBe('kad-all-models');
  });

  it('ServiceMonitor scrapes the Service\'s http port; dashboards carry the sidecar label; the test pod is a helm test hook', () => {
    const sm = one(all, 'ServiceMonitor');
    expect(sm.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(sm.spec.endpoints[0]).toMatchObject({ port: 'http', path: '/metrics' });
    expect(sm.spec.selector.matchLabels).toEqual(one(all, 'Service').spec.selector);
    const dashboards = all.filter((o) => o.metadata.name.includes('-dashboard-'));
    for (const d of dashboards) {
      expect(d.metadata).toMatchObject({ namespace: 'monitoring', labels: { grafana_dashboard: '1' }, annotations: { grafana_folder: 'kad' } });
      const [file, body] = Object.entries(d.data!)[0];
      expect(body).toBe(readFileSync(join(ROOT, 'deploy/grafana', file), 'utf8').replace(/\n$/, ''));
    }
    expect(one(def, 'Pod').metadata.annotations).toMatchObject({ 'helm.sh/hook': 'test' });
  });

  it('the ConfigMap\'s config is the values\' config, accepted by kad\'s config loader (default and all-on)', () => {
    const dir = tempDir('helm-config');
    for (const [name, objs] of [['default', def], ['all-on', all]] as const) {
      const cm = objs.find((o) => o.kind === 'ConfigMap' && o.source.endsWith('configmap.yaml'))!;
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, cm.data!['config.yaml']);
      const config = loadConfig({ file, env: {} });
      expect(config.state.dir).toBe('/var/lib/kad');
      expect(config.prometheus.url).toMatch(/^http:\/\/.*prometheus/);
    }
    expect(loadConfig({ file: join(dir, 'all-on.yaml'), env: {} }).source.kind).toBe('metrics-api');
  });

  it('kad serve --config starts from the rendered ConfigMap (state and port overridden for the test)', async () => {
    const dir = tempDir('helm-serve');
    const file = join(dir, 'config.yaml');
    writeFileSync(file, one(def, 'ConfigMap', 'kad').data!['config.yaml']);
    const kad = spawnKad(['serve', '--config', file, '--port', '0', '--host', '127.0.0.1'], { KAD_STATE_DIR: join(dir, 'state'), REQUEST_TIMEOUT_SECONDS: '1' });
    try {
      const url = await waitFor(() => /serving on (http:\/\/\S+) /.exec(kad.output())?.[1], 60_000, `kad serve to start: ${kad.output()}`);
      const h = (await (await fetch(`${url}/healthz`)).json()) as { source: string };
      expect(h.source).toBe('prometheus');
    } finally {
      kad.kill('SIGTERM');
      await exited(kad);
    }
  }, 90_000);

  it('the PrometheusRule holds deploy/prometheus/kad-rules.yml (+ the training rule), and promtool accepts it', () => {
    const rules = parse(readFileSync(join(ROOT, 'deploy/prometheus/kad-rules.yml'), 'utf8')) as { groups: unknown[] };
    expect(readFileSync(join(CHART, 'files/kad-rules.yml'), 'utf8')).toBe(readFileSync(join(ROOT, 'deploy/prometheus/kad-rules.yml'), 'utf8'));
    const spec = one(all, 'PrometheusRule').spec;
    expect(spec.groups.slice(0, rules.groups.length)).toEqual(rules.groups);
    expect(spec.groups.at(-1).rules[0].alert).toBe('KadTrainingFailed');
    // kad's recording rules, as `kad rules` prints them for the chart's config.
    const chartSettings = { namespaceRegex: 'shop|payments', podLabel: 'pod', rateWindow: '1m' };
    expect(spec.groups.at(-3)).toEqual(recordingRuleGroup(chartSettings, '30s'));
    expect(spec.groups.at(-2)).toEqual(meshRecordingRuleGroup(chartSettings, '30s'));
    const dir = tempDir('helm-rules');
    writeFileSync(join(dir, 'rules.yml'), stringify({ groups: spec.groups }));
    expect(execFileSync(BINARIES.promtool, ['check', 'rules', 'rules.yml'], { cwd: dir, encoding: 'utf8' })).toMatch(/SUCCESS: 23 rules found/);
  });

  it('the recording rules follow config.prometheus (rate window, namespaces, pod label), or are left out', () => {
    const dir = tempDir('helm-recording');
    const values = join(dir, 'values.yaml');
    const settings = { rateWindow: '2m', namespaceRegex: 'shop|pay"x\\d', podLabel: 'pod_name' };
    writeFileSync(values, stringify({ config: { prometheus: settings }, prometheusRule: { enabled: true, recordingRules: { interval: '15s' } } }));
    const spec = one(parseManifests(render({ values: [values] })), 'PrometheusRule').spec;
    expect(spec.groups.find((g: { name: string }) => g.name === 'kad-pod-values')).toEqual(recordingRuleGroup(settings, '15s'));
    expect(spec.groups.find((g: { name: string }) => g.name === 'kad-mesh-values')).toEqual(meshRecordingRuleGroup(settings, '15s'));
    // The missing callees' subquery spans 10 rate windows, in seconds or milliseconds as kad writes it.
    for (const rateWindow of ['90s', '1500ms', '1h']) {
      writeFileSync(values, stringify({ config: { prometheus: { ...settings, rateWindow } }, prometheusRule: { enabled: true } }));
      const mesh = one(parseManifests(render({ values: [values] })), 'PrometheusRule').spec.groups.find((g: { name: string }) => g.name === 'kad-mesh-values');
      expect(mesh).toEqual(meshRecordingRuleGroup({ ...settings, rateWindow }, '30s'));
    }
    writeFileSync(values, stringify({ prometheusRule: { enabled: true, recordingRules: { enabled: false } } }));
    const off = one(parseManifests(render({ values: [values] })), 'PrometheusRule').spec;
    expect(off.groups.map((g: { name: string }) => g.name)).not.toContain('kad-pod-values');
    expect(off.groups.map((g: { name: string }) => g.name)).not.toContain('kad-mesh-values');
  });

  it('NOTES.txt renders with the release\'s commands', () => {
    const notes = render({ notes: true });
    expect(notes).toContain('kubectl -n monitoring rollout status deploy/kad');
    expect(notes).toContain('helm test kad -n monitoring');
    // Without a ServiceMonitor, the plain scrape job keeps kad's Services by their name label.
    expect(notes).toContain('it keeps Services labelled\napp.kubernetes.io/name=kad).');
    expect(render({ notes: true, values: [ALL_ON] })).toContain('https://kad.example.com/');
  });

  it('sharding: a StatefulSet of sharding.shards pods with one state volume each, a headless Service, KAD_SHARDS and KAD_SHARD from the ordinal', async () => {
    const values = join(CHART, 'ci/sharding-values.yaml');
    expect(valuesProblems(mergeValues(defaults, parse(readFileSync(values, 'utf8'))))).toBeNull();
    expect(valuesProblems(mergeValues(defaults, { sharding: { enabled: true, shards: 0 } }))?.join('; ')).toMatch(/\/sharding\/shards: must be >= 1/);
    const objs = parseManifests(render({ values: [values] }));
    expect(kinds(objs)).toEqual([
      'ConfigMap/kad', 'ConfigMap/kad-dashboard-model', 'ConfigMap/kad-dashboard-overview', 'ConfigMap/kad-dashboard-workload',
      'Pod/kad-test', 'PodDisruptionBudget/kad', 'Service/kad', 'Service/kad-headless', 'ServiceAccount/kad', 'StatefulSet/kad',
    ]);
    for (const o of objs) await validateObject(o);
    const sts = one(objs, 'StatefulSet').spec;
    expect(sts).toMatchObject({ replicas: 4, serviceName: 'kad-headless', podManagementPolicy: 'Parallel' });
    expect(one(objs, 'Service', 'kad-headless').spec).toMatchObject({ clusterIP: 'None', selector: sts.selector.matchLabels });
    expect(sts.volumeClaimTemplates).toEqual([expect.objectContaining({
      metadata: expect.objectContaining({ name: 'state' }),
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '2Gi' } } },
    })]);
    const pod = sts.template.spec;
    expect(pod.volumes.map((v: { name: string }) => v.name)).not.toContain('state');
    const c = pod.containers[0];
    const env = Object.fromEntries(c.env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]));
    expect(c.volumeMounts.find((m: { name: string }) => m.name === 'state').mountPath).toBe(env.KAD_STATE_DIR);
    expect(env.KAD_SHARDS).toBe('4');
    expect(env.KAD_SHARD_BY).toBe('namespace');
    expect(valuesProblems(mergeValues(defaults, { sharding: { enabled: true, by: 'pod' } }))?.join('; ')).toMatch(/\/sharding\/by/);
    expect(env.KAD_SHARD).toEqual({ fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } });
    // Before Kubernetes 1.28 the label is absent and the variable empty: the host name gives the ordinal.
    expect(loadConfig({ env: { KAD_SHARDS: env.KAD_SHARDS, KAD_SHARD_BY: env.KAD_SHARD_BY, KAD_SHARD: '', HOSTNAME: 'kad-3' } }).sharding).toEqual({ shards: 4, shard: 3, by: 'namespace' });
    expect(render({ notes: true, values: [values] })).toContain('rollout status statefulset/kad');
  });

  it('the chart\'s dashboards are deploy/grafana\'s', () => {
    const ours = readdirSync(join(CHART, 'files/dashboards')).sort();
    expect(ours).toEqual(readdirSync(join(ROOT, 'deploy/grafana')).filter((f) => f.endsWith('.json')).sort());
    for (const f of ours) expect(readFileSync(join(CHART, 'files/dashboards', f), 'utf8'), f).toBe(readFileSync(join(ROOT, 'deploy/grafana', f), 'utf8'));
  });
});
