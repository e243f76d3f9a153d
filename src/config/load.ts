/**
 * Loads the configuration: schema defaults, then the config file, then environment variables (then
 * command-line overrides). Validates everything at once and fails with a {@link ConfigError} that
 * names each bad setting (environment variable or file path and line), its value and what is allowed.
 */
import { readFileSync } from 'node:fs';
import Value from 'typebox/value';
import { LineCounter, parseDocument, isMap } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { parseHeaderList, redact } from '../core/http-headers.js';
import { parseLabelList } from '../core/label-list.js';
import { shownValue as shown } from '../core/quote.js';
import { customSeriesProblems, CUSTOM_SERIES_PATH } from './custom-series.js';
import { ordinalFromHostname } from '../core/shard.js';
import { ConfigSchema, type Config } from './schema.js';

interface Leaf {
  path: string[];
  schema: Record<string, unknown>;
}

/** Every leaf setting of the schema with its path, in schema order. */
function leaves(schema: Record<string, unknown>, path: string[] = []): Leaf[] {
  if (schema.type === 'object' && schema.properties) {
    return Object.entries(schema.properties as Record<string, Record<string, unknown>>).flatMap(([k, s]) =>
      leaves(s, [...path, k]),
    );
  }
  return [{ path, schema }];
}

const LEAVES = leaves(ConfigSchema as unknown as Record<string, unknown>);

/** The environment variables the schema reads, with their config paths, for `--help` and docs. */
export function environmentVariables(): { name: string; path: string; default: unknown; allowed: string }[] {
  return LEAVES.filter((l) => typeof l.schema.env === 'string').map((l) => ({
    name: l.schema.env as string,
    path: l.path.join('.'),
    default: l.schema.default,
    allowed: String(l.schema.allowed ?? ''),
  }));
}

function acceptsBoolean(s: Record<string, unknown>): boolean {
  return s.type === 'boolean';
}

function acceptsNumber(s: Record<string, unknown>): boolean {
  if (s.type === 'integer' || s.type === 'number') return true;
  return Array.isArray(s.anyOf) && (s.anyOf as Record<string, unknown>[]).some(acceptsNumber);
}

/** Turns an environment string into the type the schema wants; leaves it a string if it is not one. */
function coerce(raw: string, s: Record<string, unknown>): unknown {
  const t = raw.trim();
  if (acceptsBoolean(s) && /^(true|false)$/i.test(t)) return t.toLowerCase() === 'true';
  if (acceptsNumber(s) && t !== '' && Number.isFinite(Number(t))) return Number(t);
  return raw;
}

/** What is wrong with `value` for a setting of `schema`: its type (`is not an integer`), else its range, else its form. */
function whatIsWrong(schema: Record<string, unknown>, value: unknown): string {
  const isNumber = typeof value === 'number';
  switch (schema.type) {
    case 'integer':
      return isNumber && Number.isInteger(value) ? 'is out of range' : 'is not an integer';
    case 'number':
      return isNumber ? 'is out of range' : 'is not a number';
    case 'boolean':
      return 'is not true or false';
    case 'string':
      return typeof value === 'string' ? 'is invalid' : 'is not text';
    default:
      // A union such as "auto" or a number: out of range when it is a number, else not one of them.
      return isNumber && acceptsNumber(schema) ? 'is out of range' : 'is not one of the values allowed';
  }
}

function setIn(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let o = obj;
  for (const k of path.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[path[path.length - 1]] = value;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Environment variables (pass `process.env`). */
  env?: Record<string, string | undefined>;
  /** Path of a YAML or JSON config file. */
  file?: string;
  /** Values from the command line, by config path (`server.port`), applied last. */
  overrides?: Record<string, unknown>;
}

/**
 * Builds the frozen configuration. Throws {@link ConfigError} listing every invalid setting.
 * @example loadConfig({ env: process.env, file: 'kad.yaml' }).iforest.nEstimators // 100
 */
export function loadConfig(opts: LoadConfigOptions = {}): Readonly<Config> {
  const env = opts.env ?? {};
  const origin = new Map<string, string>(); // config path → the variable or option its value came from
  const inFile = new Map<string, string>(); // config path → `FILE line N`, for values from the config file
  let raw: Record<string, unknown> = {};
  const problems: string[] = [];
  let lineAt: (path: readonly (string | number)[]) => number | undefined = () => undefined;

  if (opts.file) {
    let text: string;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (e) {
      throw new ConfigError(`Cannot read config file ${opts.file}: ${(e as Error).message}`);
    }
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
    if (doc.errors.length) {
      const e = doc.errors[0];
      const pos = lc.linePos(e.pos[0]);
      throw new ConfigError(`${opts.file}:${pos.line}:${pos.col}: not valid YAML: ${e.message.split('\n')[0]}`);
    }
    if (doc.contents !== null && !isMap(doc.contents)) {
      throw new ConfigError(`${opts.file}: the config file must be a mapping of sections (prometheus:, iforest:, …)`);
    }
    try {
      raw = (doc.toJS() ?? {}) as Record<string, unknown>;
    } catch (e) {
      // The yaml package refuses, e.g., aliases that expand without bound (a "billion laughs" file).
      throw new ConfigError(`${opts.file}: cannot read the YAML: ${(e as Error).message}`);
    }
    const lineOf = (path: readonly (string | number)[]): number | undefined => {
      const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
      const pair = node?.range ? lc.linePos(node.range[0]).line : undefined;
      return pair;
    };
    lineAt = lineOf;
    const known = new Set(LEAVES.map((l) => l.path.join('.')));
    const sections = new Set(LEAVES.map((l) => l.path[0]));
    for (const [section, body] of Object.entries(raw)) {
      if (!sections.has(section)) {
        problems.push(`${opts.file}:${lineOf([section]) ?? '?'}: unknown section "${section}" (known: ${[...sections].join(', ')})`);
        continue;
      }
      if (body === null) {
        delete raw[section]; // `section:` with nothing under it: its defaults
        continue;
      }
      if (typeof body !== 'object' || Array.isArray(body)) {
        problems.push(`${opts.file}:${lineOf([section]) ?? '?'}: section "${section}" must be a mapping of settings (one "key: value" per line under it), got ${Array.isArray(body) ? 'a list' : shown(body)}`);
        continue;
      }
      for (const key of Object.keys(body)) {
        const p = `${section}.${key}`;
        if (!known.has(p)) {
          const allowedKeys = LEAVES.filter((l) => l.path[0] === section).map((l) => l.path[1]);
          problems.push(`${opts.file}:${lineOf([section, key]) ?? '?'}: unknown setting "${p}" (known in ${section}: ${allowedKeys.join(', ')})`);
        } else {
          inFile.set(p, `${opts.file} line ${lineOf([section, key]) ?? '?'}`);
        }
      }
    }
  }

  for (const leaf of LEAVES) {
    const name = leaf.schema.env as string | undefined;
    const value = name ? env[name] : undefined;
    if (name && value !== undefined && value !== '') {
      setIn(raw, leaf.path, coerce(value, leaf.schema));
      origin.set(leaf.path.join('.'), `${name}`);
      inFile.delete(leaf.path.join('.'));
    }
  }
  for (const [p, v] of Object.entries(opts.overrides ?? {})) {
    if (v === undefined) continue;
    const leaf = LEAVES.find((l) => l.path.join('.') === p);
    if (!leaf) throw new ConfigError(`Unknown setting "${p}"`);
    // A list or mapping (features.custom) is copied: the config is frozen, the caller's value is not.
    setIn(raw, leaf.path, typeof v === 'string' ? coerce(v, leaf.schema) : typeof v === 'object' && v !== null ? structuredClone(v) : v);
    origin.set(p, `--${leaf.path[leaf.path.length - 1].replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`);
    inFile.delete(p);
  }

  const config = Value.Default(ConfigSchema, raw) as Config;
  const seen = new Set<string>();
  for (const err of Value.Errors(ConfigSchema, config)) {
    const path = err.instancePath.split('/').filter(Boolean);
    const key = path.join('.');
    const leaf = LEAVES.find((l) => l.path.join('.') === key);
    // Structural errors are reported through their leaves; the custom series' entries below.
    if (!leaf || seen.has(key) || key === CUSTOM_SERIES_PATH.join('.')) continue;
    seen.add(key);
    const value = path.reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], config);
    const allowed = String(leaf.schema.allowed ?? err.message);
    const where = inFile.get(key);
    // From the file: `iforest.nEstimators (kad.yaml line 2): "two hundred" is not an integer: must be …`.
    if (where !== undefined) problems.push(`${key} (${where}): ${shown(value)} ${whatIsWrong(leaf.schema, value)}: must be ${allowed}`);
    else problems.push(`${origin.get(key) ?? key}=${JSON.stringify(value)} is invalid: must be ${allowed}`);
  }
  const customKey = CUSTOM_SERIES_PATH.join('.');
  problems.push(...customSeriesProblems(config.features.custom, (path) => {
    if (!inFile.has(customKey)) return origin.get(customKey) ?? customKey;
    const line = lineAt([...CUSTOM_SERIES_PATH, ...path]) ?? lineAt([...CUSTOM_SERIES_PATH, ...path.slice(0, 1)]) ?? lineAt(CUSTOM_SERIES_PATH);
    return `${opts.file} line ${line ?? '?'}`;
  }));
  try {
    new RegExp(`^(?:${config.prometheus.namespaceRegex})$`);
  } catch (e) {
    problems.push(`${origin.get('prometheus.namespaceRegex') ?? 'NAMESPACE_REGEX'}=${JSON.stringify(config.prometheus.namespaceRegex)} is invalid: must be a regular expression (${(e as Error).message})`);
  }
  // A setting as the user gave it: `alertmanager.url (kad.yaml line 3)`, or the variable (ALERTMANAGER_URL).
  const named = (p: string): string => (inFile.has(p) ? `${p} (${inFile.get(p)})` : (origin.get(p) ?? p));
  const amUrls = config.alertmanager.url?.split(',').map((u) => u.trim()) ?? [];
  const amName = named('alertmanager.url');
  amUrls.forEach((u, i) => {
    let ok = false;
    try {
      ok = /^https?:$/.test(new URL(u).protocol);
    } catch {
      ok = false;
    }
    // Entries named by position, never by their text: a comma in a password splits it, and the pieces are no URLs to redact.
    const entry = amUrls.length > 1 ? `entry ${i + 1} of ${amUrls.length}` : 'it';
    if (!ok) problems.push(`${amName}: ${u ? `${entry} is not an http:// or https:// URL` : `${entry} is empty`}: must be one URL, or one per Alertmanager replica separated by commas (a comma in a user name or password as %2C)`);
    else if (amUrls.indexOf(u) !== i) problems.push(`${amName}: ${entry} (${redact(u)}) is listed twice`);
  });
  if (config.alertmanager.labels !== undefined) {
    try {
      parseLabelList(config.alertmanager.labels, named('alertmanager.labels'));
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  for (const [section, key] of [['prometheus', 'headers'], ['alertmanager', 'headers'], ['alertmanager', 'webhookHeaders']] as const) {
    const text = (config[section] as Record<string, unknown>)[key];
    if (typeof text !== 'string') continue;
    try {
      parseHeaderList(text, named(`${section}.${key}`));
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (!problems.some((p) => /KAD_SHARD|sharding\./.test(p))) {
    const shard = resolveShard(config.sharding, env.HOSTNAME, origin);
    if (typeof shard === 'string') problems.push(shard);
    else config.sharding.shard = shard;
  }
  if (problems.length) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return deepFreeze(config);
}

/**
 * This replica's shard: `sharding.shard` (KAD_SHARD) when set, else with more than one shard the
 * ordinal of a StatefulSet pod's host name (`HOSTNAME=kad-2` → 2), else 0. A message naming the
 * setting when neither gives one, or when it is not below `sharding.shards` (KAD_SHARDS).
 */
export function resolveShard(sharding: { shards: number; shard?: number }, hostname: string | undefined, origin = new Map<string, string>()): number | string {
  const shardsName = origin.get('sharding.shards') ?? 'KAD_SHARDS';
  const shardName = origin.get('sharding.shard') ?? 'KAD_SHARD';
  if (sharding.shard !== undefined) {
    if (sharding.shard < sharding.shards) return sharding.shard;
    return `${shardName}=${sharding.shard} is invalid: must be below ${shardsName}=${sharding.shards} (shards are numbered from 0)`;
  }
  if (sharding.shards <= 1) return 0;
  const ordinal = ordinalFromHostname(hostname);
  if (ordinal === undefined) {
    return `${shardName} is unset and HOSTNAME=${JSON.stringify(hostname ?? '')} does not end in a StatefulSet ordinal (-N): with ${shardsName}=${sharding.shards}, set ${shardName} to this replica's shard, from 0 to ${sharding.shards - 1}`;
  }
  if (ordinal >= sharding.shards) {
    return `HOSTNAME=${JSON.stringify(hostname)} gives shard ${ordinal}, which is not below ${shardsName}=${sharding.shards}: set ${shardsName} to the StatefulSet's replicas (or ${shardName} explicitly)`;
  }
  return ordinal;
}
