/**
 * GitOps and cloud files. No Argo CD, API server or terraform binary runs here, so:
 * - deploy/argocd: the Application and ApplicationSet validate against Argo CD's CRD schemas
 *   (@kubernetes-models/argo-cd); they point at the chart's path; every values file they name exists,
 *   passes values.schema.json and renders (the chart renderer of test/deploy/helm.ts) into valid objects;
 * - deploy/terraform: every file parses as HCL (@cdktf/hcl2json, Terraform's own parser built to
 *   WebAssembly); the module installs the chart with helm_release; every `var.x` used is declared; each
 *   example root passes the module only variables it declares and all it requires.
 * Not proven: that Argo CD syncs, or that `terraform plan` succeeds against a cloud account.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import hcl from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT } from '../helpers.js';
import { REQUIRE_INTEGRATION } from '../integration.js';
import { CHART, parseManifests, render, RENDER_MISSING, mergeValues, validateObject, valuesProblems, type K8sObject } from './helm.js';

const ARGO = join(ROOT, 'deploy/argocd');
const TF = join(ROOT, 'deploy/terraform');
const defaults = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;


describe('deploy/argocd', () => {
  const objects = ['application.yaml', 'applicationset.yaml'].flatMap((f) => parseAllDocuments(readFileSync(join(ARGO, f), 'utf8')).map((d) => d.toJS() as K8sObject));
  /** The values files an Argo CD helm source names, resolved from the chart's path, per environment. */
  const valueFiles = (source: { path: string; helm: { valueFiles: string[] } }, env = '') =>
    source.helm.valueFiles.map((f) => resolve(ROOT, source.path, f.replace('{{.env}}', env)));
  const app = objects.find((o) => o.kind === 'Application')!;
  const set = objects.find((o) => o.kind === 'ApplicationSet')!;
  const envs = (set.spec.generators[0].list.elements as { env: string }[]).map((e) => e.env);
  const files = [...valueFiles(app.spec.source), ...envs.flatMap((e) => valueFiles(set.spec.template.spec.source, e))];

  it('the Application and the ApplicationSet validate against Argo CD\'s schemas and install deploy/helm/kad', async () => {
    for (const o of objects) await validateObject(o);
    expect(app.spec.source.path).toBe('deploy/helm/kad');
    expect(set.spec.template.spec.source.path).toBe('deploy/helm/kad');
    expect(envs).toEqual(['dev', 'staging', 'prod']);
    expect(resolve(ROOT, app.spec.source.path)).toBe(CHART);
  });

  it('every values file they name exists and passes values.schema.json', () => {
    expect(new Set(files).size).toBe(3);
    expect(readdirSync(join(ARGO, 'values')).sort()).toEqual(['dev.yaml', 'prod.yaml', 'staging.yaml']);
    for (const f of files) expect(valuesProblems(mergeValues(defaults, parse(readFileSync(f, 'utf8')))), f).toBeNull();
  });

  it.skipIf(RENDER_MISSING !== null && !REQUIRE_INTEGRATION)('the chart renders with each environment\'s values into valid objects', async () => {
    for (const f of new Set(files)) {
      const objs = parseManifests(render({ values: [f] }));
      expect(objs.some((o) => o.kind === 'Deployment'), f).toBe(true);
      for (const o of objs) await validateObject(o);
    }
  });
});

type Hcl = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every .tf file under `dir` (recursively), parsed; by folder. */
async function parseDir(dir: string): Promise<Map<string, { files: string[]; text: string; json: Hcl[] }>> {
  const out = new Map<string, { files: string[]; text: string; json: Hcl[] }>();
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.tf') ? [join(d, e.name)] : []));
  for (const f of walk(dir)) {
    const text = readFileSync(f, 'utf8');
    const json = (await hcl.parse(f, text)) as Hcl;
    const m = out.get(dirname(f)) ?? { files: [], text: '', json: [] };
    m.files.push(f);
    m.text += text;
    m.json.push(json);
    out.set(dirname(f), m);
  }
  return out;
}

describe('deploy/terraform', async () => {
  const dirs = await parseDir(TF);
  const moduleDir = join(TF, 'modules/kad');
  const declared = (d: string) => new Map(dirs.get(d)!.json.flatMap((j) => Object.entries((j.variable ?? {}) as Record<string, { default?: unknown }[]>)).map(([k, v]) => [k, v[0]]));

  it('parses: a module and three example roots (aks, eks, gke)', () => {
    expect([...dirs.keys()].map((d) => d.slice(TF.length + 1)).sort()).toEqual(['examples/aks', 'examples/eks', 'examples/gke', 'modules/kad']);
  });

  it('the module installs the chart with helm_release, from deploy/helm/kad by default', () => {
    const m = dirs.get(moduleDir)!;
    const release = m.json.map((j) => j.resource?.helm_release?.kad).find(Boolean)[0];
    expect(release.chart).toContain('${path.module}/../../../helm/kad');
    expect(resolve(moduleDir, '../../../helm/kad')).toBe(CHART);
    expect(release.namespace).toBe('${var.namespace}');
    expect(m.json.some((j) => j.terraform?.[0]?.required_providers?.[0]?.helm)).toBe(true);
  });

  it('every var.x used is declared, in the module and in each root', () => {
    for (const [d, m] of dirs) {
      const used = new Set([...m.text.matchAll(/\bvar\.([a-z_][a-z0-9_]*)/g)].map((x) => x[1]));
      const vars = declared(d);
      for (const v of used) expect(vars.has(v), `${d}: var.${v}`).toBe(true);
    }
  });

  it('each root calls the module with variables it declares, all required ones included, and configures the helm provider', () => {
    const moduleVars = declared(moduleDir);
    const required = [...moduleVars].filter(([, v]) => !('default' in v)).map(([k]) => k);
    for (const cloud of ['aks', 'eks', 'gke']) {
      const root = dirs.get(join(TF, 'examples', cloud))!;
      const call = root.json.map((j) => j.module?.kad).find(Boolean)[0] as Record<string, unknown>;
      expect(resolve(TF, 'examples', cloud, call.source as string), cloud).toBe(moduleDir);
      const args = Object.keys(call).filter((k) => k !== 'source');
      for (const a of args) expect(moduleVars.has(a), `${cloud}: ${a}`).toBe(true);
      for (const r of required) expect(args, `${cloud} passes ${r}`).toContain(r);
      expect(root.json.some((j) => j.provider?.helm), `${cloud} configures helm`).toBe(true);
      expect(args, `${cloud} chooses its Prometheus`).toContain('prometheus_url');
    }
  });

  it('the module\'s chart values, with its variables\' defaults, pass values.schema.json', () => {
    // The module's `values` local, evaluated by hand for the defaults (no terraform here): kept in step by the keys check.
    const m = dirs.get(moduleDir)!;
    const local = m.json.map((j) => j.locals?.[0]?.values).find(Boolean) as Record<string, unknown>;
    const keys = Object.keys(local).sort();
    expect(keys).toEqual(['config', 'image', 'prometheusRule', 'replicaCount', 'secrets', 'serviceAccount', 'serviceMonitor', 'training']);
    const v = moduleVars(m);
    const values = {
      replicaCount: v.replicas, image: {}, secrets: {}, serviceAccount: { annotations: {} },
      config: { source: { kind: 'prometheus' }, prometheus: { url: v.prometheus_url }, state: { dir: '/var/lib/kad' }, alertmanager: { url: v.alertmanager_url } },
      serviceMonitor: { enabled: v.prometheus_operator, labels: v.prometheus_operator_labels },
      prometheusRule: { enabled: v.prometheus_operator, labels: v.prometheus_operator_labels },
      training: { enabled: v.training_enabled },
    };
    expect(valuesProblems(mergeValues(defaults, values))).toBeNull();
  });

  function moduleVars(m: { json: Hcl[] }): Record<string, unknown> {
    return Object.fromEntries(m.json.flatMap((j) => Object.entries((j.variable ?? {}) as Record<string, { default?: unknown }[]>)).map(([k, v]) => [k, v[0].default]));
  }
});
