/**
 * deploy/kubernetes/: the plain manifests for people without Helm (`kubectl apply -k deploy/kubernetes`)
 * are the chart's render with default values (release "kad", namespace "monitoring"), one file per
 * template, minus the `helm test` hook. This test proves they are equal, byte for byte, and that
 * `kubectl kustomize` (offline) builds the same objects from kustomization.yaml. It does not apply
 * them to a cluster. After changing the chart, regenerate them with
 * `KAD_WRITE_MANIFESTS=1 npx vitest run test/deploy/manifests.test.ts`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT } from '../helpers.js';
import { REQUIRE_INTEGRATION } from '../integration.js';
import { parseManifests, render, RENDER_MISSING } from './helm.js';

const DIR = join(ROOT, 'deploy/kubernetes');
const KUBECTL = '/usr/bin/kubectl';
const HEADER = '# Generated from deploy/helm/kad with default values (release kad, namespace monitoring) by\n' +
  '# KAD_WRITE_MANIFESTS=1 npx vitest run test/deploy/manifests.test.ts — edit the chart, not this file.\n';

/** The manifests as the chart renders them: file name → text. */
function expected(): Map<string, string> {
  const files = new Map<string, string>();
  for (const section of render().split(/^---\n(?=# Source: )/m)) {
    const source = /^# Source: kad\/templates\/(\S+)/.exec(section)?.[1];
    if (!source || source.startsWith('tests/')) continue;
    const body = section.replace(/^# Source: .*\n/, '').replace(/^---\n/, '');
    files.set(basename(source), `${HEADER}${body.trimEnd()}\n`);
  }
  return files;
}

describe.skipIf(RENDER_MISSING !== null && !REQUIRE_INTEGRATION)('deploy/kubernetes (plain manifests)', () => {
  it('equal the chart\'s default render, one file per template, listed in kustomization.yaml', () => {
    const want = expected();
    if (process.env.KAD_WRITE_MANIFESTS === '1') {
      for (const f of readdirSync(DIR)) if (f !== 'kustomization.yaml' && f.endsWith('.yaml')) rmSync(join(DIR, f));
      for (const [f, text] of want) writeFileSync(join(DIR, f), text);
    }
    const have = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
    expect(have).toEqual([...want.keys()].sort());
    for (const [f, text] of want) expect(readFileSync(join(DIR, f), 'utf8'), f).toBe(text);
    const k = parse(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    expect([...k.resources].sort()).toEqual(have);
  });

  it.skipIf(!existsSync(KUBECTL))('kubectl kustomize builds the same objects', () => {
    const built = parseAllDocuments(execFileSync(KUBECTL, ['kustomize', DIR], { encoding: 'utf8' })).map((d) => d.toJS());
    const key = (o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`;
    const rendered = parseManifests(render()).filter((o) => !o.source.includes('/tests/')).map(({ source: _s, ...o }) => o);
    expect(built.map(key).sort()).toEqual(rendered.map(key).sort());
    for (const o of rendered) expect(built.find((b) => key(b) === key(o)), key(o)).toEqual(o);
  });
});
