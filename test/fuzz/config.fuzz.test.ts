/**
 * Property-based tests of the config loader (src/config/load.ts): random environment values for every
 * variable the schema reads (numbers in and out of range, huge, fractional, words, URLs, regular
 * expressions, blanks, long and non-ASCII strings) and random config files (YAML documents of known
 * and unknown sections and keys with values of every YAML type, anchors and aliases, random text and
 * valid files with bytes changed). Each case loads to a frozen config the schema accepts, or fails
 * with a ConfigError (KAD_ERR_CONFIG) that names each bad setting's origin.
 */
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import Value from 'typebox/value';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema, type Config } from '../../src/config/schema.js';
import { environmentVariables, loadConfig } from '../../src/config/load.js';
import { tempDir } from '../integration.js';
import { outcomeOf, params, runs, Tally } from './fuzz.testkit.js';

const VARS = environmentVariables().map((v) => v.name);
/** Each variable's default as the environment would hold it (none for the unset ones). */
const DEFAULTS: Record<string, string | undefined> = Object.fromEntries(environmentVariables().map((v) => [v.name, v.default === undefined ? undefined : String(v.default)]));

/** Sections and their keys, from the schema. */
const SECTIONS: Record<string, string[]> = Object.fromEntries(
  Object.entries((ConfigSchema as unknown as { properties: Record<string, { properties: Record<string, unknown> }> }).properties)
    .map(([section, s]) => [section, Object.keys(s.properties)]),
);

/** What a user might put in a setting. */
const settingText: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -10, max: 200_000 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.constantFrom('0', '1', '-1', '0.5', '1e309', '-1e309', '1e-400', '0x10', '1_000', '  42  ', '', ' ', '\t', 'auto', 'AUTO', 'true', 'False', 'yes', 'null',
    'http://x:9090', 'https://prom.example/prom', 'ftp://x', 'http//x', '.*', 'prod-(', '[a-', '(?<n>a)', '\\', 'pod', 'pod-name', '_x', '__proto__', 'constructor',
    'silent', 'trace', 'prometheus', 'simulator', 'metrics-api', 'replay', 'seasonal', 'prophet', '✓', '\u0000', 'a'.repeat(5000)),
  fc.string({ maxLength: 12 }),
);

/** Any YAML value, nested a little. */
const yamlValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    settingText,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 5 }), tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** A document of known and unknown sections, with known and unknown keys. */
const configDocument: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(
  fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...Object.keys(SECTIONS)) }, { weight: 1, arbitrary: fc.constantFrom('foo', '__proto__', 'constructor', '') }),
  fc.oneof(
    { weight: 5, arbitrary: fc.constant(null).chain(() => fc.dictionary(fc.constantFrom(...new Set(Object.values(SECTIONS).flat()), 'typo', '__proto__'), yamlValue, { maxKeys: 4 })) },
    { weight: 1, arbitrary: yamlValue },
  ),
  { maxKeys: 4 },
);

/** Hand-written files that have broken YAML loaders: aliases, tags, merges, duplicates, documents. */
const TRICKY_FILES = [
  'a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n',
  'iforest: &x\n  nEstimators: 10\nserver: *x\n',
  'iforest:\n  <<: {nEstimators: 5}\n',
  'iforest:\n  nEstimators: 1\n  nEstimators: 2\n',
  'iforest: !!binary aGVsbG8=\n',
  'iforest:\n  nEstimators: !!float 3\n',
  'iforest:\n  nEstimators: !custom 3\n',
  '--- \nserver: {port: 1}\n---\nserver: {port: 2}\n',
  'server:\n  port: .inf\n',
  'server:\n  port: .nan\n',
  'server:\n  port: 0x1F90\n',
  'server:\n  port: 2024-01-01\n',
  '[1, 2, 3]\n',
  '"just a string"\n',
  '\uFEFFserver:\n  port: 8081\n',
  '%YAML 1.1\n---\nserver:\n  port: 0o17\n',
  '? [a, b]\n: 1\n',
  'server:\n  port: 1\n\t bad-indent: 2\n',
];

function expectValid(c: Readonly<Config>): void {
  expect(Value.Check(ConfigSchema, c)).toBe(true);
  expect(Object.isFrozen(c)).toBe(true);
  expect(Object.isFrozen(c.server)).toBe(true);
}

describe('fuzz: the config loader', () => {
  const env = new Tally('config from random environment values');
  const files = new Tally('config from random YAML files');
  let dir = '';
  let n = 0;
  const file = (text: string | Uint8Array): string => {
    const p = join(dir, `kad${n++}.yaml`);
    writeFileSync(p, text);
    return p;
  };
  beforeAll(() => {
    dir = tempDir('fuzz-config');
  });
  afterAll(() => {
    env.report();
    files.report();
    rmSync(dir, { recursive: true, force: true });
  });

  const N_ENV = runs(300);
  it(`loads random environment values, or fails with a ConfigError naming them (${N_ENV} environments)`, () => {
    // A few variables (now and then one kad does not read), each with its default written out, or anything.
    const names = fc.uniqueArray(fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...VARS) }, { weight: 1, arbitrary: fc.constantFrom('KAD_NOPE', 'PATH', '__proto__') }), { minLength: 1, maxLength: 6 });
    const environment = names.chain((ns) => fc.tuple(...ns.map((name) => {
      const dflt = DEFAULTS[name];
      return dflt === undefined ? settingText : fc.oneof({ weight: 2, arbitrary: fc.constant(dflt) }, { weight: 3, arbitrary: settingText });
    })).map((values) => Object.fromEntries(ns.map((name, i) => [name, values[i]]))));
    fc.assert(
      fc.property(environment, (e) => {
        const outcome = env.add(outcomeOf('loadConfig', () => expectValid(loadConfig({ env: e }))));
        if (outcome === 'ok') return;
        expect(outcome.code).toBe('KAD_ERR_CONFIG');
        // Every problem names where its value came from: one of the variables set.
        const problems = outcome.message.split('\n  - ').slice(1);
        expect(problems.length).toBeGreaterThan(0);
        for (const p of problems) expect(VARS.some((v) => v in e && p.includes(v)), p).toBe(true);
      }),
      params(N_ENV),
    );
  });

  const N_FILES = runs(300);
  it(`loads random config files, or fails with a ConfigError (${N_FILES} files, ${TRICKY_FILES.length} hand-written)`, () => {
    const edit = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('replace', 'remove', 'insert'));
    const mutated = fc.tuple(configDocument, fc.array(edit, { minLength: 1, maxLength: 3 })).map(([d, edits]) => {
      const b = [...Buffer.from(stringify(d), 'utf8')];
      for (const [at, byte, how] of edits) {
        const i = at % (b.length + 1);
        if (how === 'insert') b.splice(i, 0, byte);
        else if (i < b.length) b.splice(i, 1, ...(how === 'replace' ? [byte] : []));
      }
      return Buffer.from(b);
    });
    const text = fc.oneof(
      { weight: 6, arbitrary: configDocument.map((d) => stringify(d)) },
      { weight: 2, arbitrary: mutated },
      { weight: 1, arbitrary: fc.constantFrom(...TRICKY_FILES) },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
    );
    const check = (content: string | Uint8Array, e: Record<string, string>) => {
      const outcome = files.add(outcomeOf('loadConfig', () => expectValid(loadConfig({ file: file(content), env: e }))));
      if (outcome !== 'ok') expect(outcome.code).toBe('KAD_ERR_CONFIG');
    };
    for (const t of TRICKY_FILES) check(t, {});
    fc.assert(
      fc.property(text, fc.constantFrom<Record<string, string>>({}, { PORT: '9000' }, { PORT: 'x' }), (content, e) => check(content, e)),
      params(N_FILES),
    );
  });
});
