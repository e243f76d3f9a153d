/**
 * README "Deploy to Kubernetes": every deploy/ path it names exists, and every chart value its table
 * names is a value of deploy/helm/kad/values.yaml. It does not run the commands (no Docker or helm here;
 * the other tests in test/deploy run what they run).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../helpers.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Deploy to Kubernetes'), readme.indexOf('## Benchmarks'));

it('the README\'s deploy section names only deploy/ paths that exist', () => {
  expect(section.length).toBeGreaterThan(1000);
  const paths = [...section.matchAll(/\bdeploy\/[\w./{},<>-]+/g)].map((m) => m[0].replace(/[.,]$/, ''))
    .flatMap((p) => {
      const m = /\{([^}]+)\}/.exec(p);
      return m ? m[1].split(',').map((x) => p.replace(m[0], x)) : [p];
    })
    .filter((p) => !p.includes('<') && !p.includes('*') && p !== 'deploy/kad'); // deploy/kad: `kubectl rollout status deploy/kad`
  expect(paths.length).toBeGreaterThan(10);
  for (const p of paths) expect(existsSync(join(ROOT, p)), p).toBe(true);
});

it('the values table names values the chart has', () => {
  const values = parse(readFileSync(join(ROOT, 'deploy/helm/kad/values.yaml'), 'utf8')) as Record<string, unknown>;
  const rows = [...section.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]);
  expect(rows.length).toBeGreaterThanOrEqual(10);
  for (const row of rows) {
    const path = row.replace(/\.\*.*$|: .*$/, '').split('.');
    let v: unknown = values;
    for (const k of path) v = (v as Record<string, unknown> | undefined)?.[k];
    expect(v, row).not.toBeUndefined();
  }
});
