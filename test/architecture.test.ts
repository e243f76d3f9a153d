/**
 * The house rule of DESIGN.md and ARCHITECTURE.md, checked on the code itself: data flows one way.
 * Every folder of src/ has a floor; a file may import only from its own folder or from a folder on a
 * lower floor (type-only imports included), so no folder imports a later stage and no two folders
 * import each other. A new folder must be given a floor here before anything can import it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Floors, lowest first: the order data moves in (sources → store → features → detectors → policy → notify; the store sits under the sources, which write into it), then the stages that join them. */
export const FLOORS: readonly string[] = [
  'version.ts', 'core', 'stats', 'config', 'store', 'simulator', 'sources', 'features', 'forecast', 'detectors',
  'classifiers', 'explain', 'peers', 'policy', 'notify', 'registry', 'telemetry', 'engine', 'evaluate', 'api', 'main.ts', 'cli',
];

const SRC = resolve(__dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : sourceFiles(p);
    return /\.ts$/.test(e.name) && !/\.test\.ts$|\.testkit\.ts$/.test(e.name) ? [p] : [];
  });
}

/** The top-level entry of src/ a path belongs to: its folder, or the file itself at the top. */
function unit(path: string): string {
  return relative(SRC, path).split('/')[0];
}

/** Every relative import of every non-test source file: [from unit, to unit, file, specifier]. */
function imports(): Array<{ from: string; to: string; file: string; spec: string }> {
  const out: Array<{ from: string; to: string; file: string; spec: string }> = [];
  const re = /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(re)) {
      const spec = m[1] ?? m[2];
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(SRC)) continue;
      out.push({ from: unit(file), to: unit(target.replace(/\.js$/, '.ts')), file: relative(SRC, file), spec });
    }
  }
  return out;
}

describe('architecture: imports run down the floors', () => {
  const all = imports();

  it('reads the imports of every source file', () => {
    expect(all.length).toBeGreaterThan(100);
  });

  it('every folder of src/ has a floor', () => {
    const units = new Set(sourceFiles(SRC).map(unit));
    const missing = [...units].filter((u) => !FLOORS.includes(u));
    expect(missing, `give these a floor in FLOORS (test/architecture.test.ts) and a line in ARCHITECTURE.md`).toEqual([]);
  });

  it('no import from a lower floor to a higher one (so no loop between folders)', () => {
    const up = all
      .filter((i) => i.from !== i.to && FLOORS.indexOf(i.to) > FLOORS.indexOf(i.from))
      .map((i) => `src/${i.file} imports ${i.spec} (${i.from} → ${i.to}, a later stage)`);
    expect(up).toEqual([]);
  });
});
