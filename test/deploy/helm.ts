/**
 * Renders the Helm chart deploy/helm/kad the way `helm template` does, without helm: the Go program in
 * deploy/helm/render (Go's text/template + the sprig functions Helm uses + Helm's own functions and
 * objects) is built with Debian's golang-go and golang-github-masterminds-sprig-dev, offline (GOPATH
 * mode, GOFLAGS and GOPROXY off), once per test process, into a temporary directory. Also: the objects'
 * schemas (kubernetes-models and its CRD packages) and the chart's values.schema.json (ajv).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../helpers.js';

/** The chart's directory. */
export const CHART = join(ROOT, 'deploy/helm/kad');
const RENDER_SRC = join(ROOT, 'deploy/helm/render');
/** Debian's Go and the GOPATH holding sprig and its dependencies. */
export const GO = '/usr/bin/go';
const GOPATH = '/usr/share/gocode';
/** Why the renderer cannot be built here, or null when it can. */
export const RENDER_MISSING: string | null = !existsSync(GO)
  ? `${GO} not installed (apt-get install golang-go golang-github-masterminds-sprig-dev)`
  : !existsSync(join(GOPATH, 'src/github.com/Masterminds/sprig'))
    ? 'sprig not installed (apt-get install golang-github-masterminds-sprig-dev)'
    : null;

let binary: string | undefined;

/** Builds the renderer (once per process; reused across processes while its source is unchanged). */
export function renderer(): string {
  if (binary) return binary;
  const src = readFileSync(join(RENDER_SRC, 'main.go'));
  const dir = join(tmpdir(), `kad-helm-render-${createHash('sha256').update(src).digest('hex').slice(0, 12)}`);
  const bin = join(dir, 'render');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const out = join(dir, `render.${process.pid}`);
    execFileSync(GO, ['build', '-o', out, '.'], {
      cwd: RENDER_SRC,
      env: { ...process.env, GO111MODULE: 'off', GOPATH, GOFLAGS: '', GOPROXY: 'off', GOCACHE: join(dir, 'cache'), CGO_ENABLED: '0' },
      stdio: 'pipe',
    });
    execFileSync('mv', ['-f', out, bin]);
  }
  return (binary = bin);
}

/** Options of {@link render}. */
export interface RenderOptions {
  name?: string;
  namespace?: string;
  /** Values files, later ones win (as `helm template -f a -f b`). */
  values?: string[];
  /** Render NOTES.txt instead of the manifests. */
  notes?: boolean;
}

/** `helm template NAME deploy/helm/kad -n NAMESPACE -f …`: the manifests as text. */
export function render(opts: RenderOptions = {}): string {
  const args = ['-chart', CHART, '-name', opts.name ?? 'kad', '-namespace', opts.namespace ?? 'monitoring'];
  for (const v of opts.values ?? []) args.push('-f', v);
  if (opts.notes) args.push('-notes');
  return execFileSync(renderer(), args, { encoding: 'utf8', stdio: 'pipe' });
}

/** A rendered Kubernetes object. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  data?: Record<string, string>;
  [k: string]: unknown;
}

/** The objects of `render`'s output, each with the template it came from (its `# Source:` line). */
export function parseManifests(text: string): (K8sObject & { source: string })[] {
  const out: (K8sObject & { source: string })[] = [];
  for (const section of text.split(/^---\n(?=# Source: )/m)) {
    const source = /^# Source: (\S+)/.exec(section)?.[1] ?? '';
    for (const doc of parseAllDocuments(section)) {
      if (doc.errors.length) throw new Error(`${source}: rendered YAML does not parse: ${doc.errors[0].message}`);
      const obj = doc.toJS() as K8sObject | null;
      if (obj) out.push({ ...obj, source });
    }
  }
  return out;
}

/** Where the model class of an apiVersion lives. */
function modelModule(apiVersion: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === 'monitoring.coreos.com') return `@kubernetes-models/prometheus-operator/${apiVersion}`;
  if (group === 'argoproj.io') return `@kubernetes-models/argo-cd/${apiVersion}`;
  return group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
}

/**
 * Validates an object against its schema (Kubernetes' OpenAPI schema, or the CRD's); throws with
 * the object's kind, name and the schema's message.
 */
export async function validateObject(obj: K8sObject): Promise<void> {
  const { source: _source, ...plain } = obj as K8sObject & { source?: string };
  const mod = (await import(modelModule(obj.apiVersion))) as Record<string, new (o: unknown) => { validate(): void }>;
  const Model = mod[obj.kind];
  if (!Model) throw new Error(`no schema for ${obj.apiVersion} ${obj.kind}`);
  try {
    new Model(plain).validate();
  } catch (e) {
    throw new Error(`${obj.kind}/${obj.metadata?.name}: ${(e as Error).message}`);
  }
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validateValues = ajv.compile(JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')));

/** values.schema.json's verdict on a values object: null when valid, else Helm-like messages. */
export function valuesProblems(values: unknown): string[] | null {
  if (validateValues(values)) return null;
  return (validateValues.errors ?? []).map((e) => `${e.instancePath || '(root)'}: ${e.message}`);
}

/** Helm's merge of values files: maps merge deeply, the later file's value wins otherwise. */
export function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = b && v && typeof b === 'object' && typeof v === 'object' && !Array.isArray(b) && !Array.isArray(v)
      ? mergeValues(b as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}
