import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { readJsonOrSetAside, writeJsonAtomic, writeJsonAtomicSync } from './state-file.js';

const dir = () => mkdtempSync(join(tmpdir(), 'kad-state-'));

describe('atomic state files', () => {
  for (const [flavour, write] of [
    ['async', writeJsonAtomic],
    ['sync', async (...a: Parameters<typeof writeJsonAtomicSync>) => writeJsonAtomicSync(...a)],
  ] as const) {
    it(`${flavour}: writes the JSON in a new directory, private by default, and keeps the replaced file when asked`, async () => {
      const d = join(dir(), 'nested');
      const path = join(d, 'state.json');
      await write(path, { v: 1 });
      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ v: 1 });
      expect(statSync(path).mode & 0o777).toBe(0o600);
      await write(path, { v: 2 }, { previous: join(d, 'state.previous.json') });
      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ v: 2 });
      expect(JSON.parse(readFileSync(join(d, 'state.previous.json'), 'utf8'))).toEqual({ v: 1 });
      expect(readdirSync(d).sort()).toEqual(['state.json', 'state.previous.json']);
    });

    it(`${flavour}: throws when it cannot replace the file, leaving no temporary file behind`, async () => {
      const d = dir();
      mkdirSync(join(d, 'taken')); // a directory where the file should go: the rename fails
      await expect(write(join(d, 'taken'), { v: 1 })).rejects.toThrow();
      expect(readdirSync(d)).toEqual(['taken']);
    });

    it(`${flavour}: writes the value as it was when called, in parts of about 1 MB, even when the caller changes it meanwhile`, async () => {
      const path = join(dir(), 'big.json');
      const value = { n: 1, entries: Array.from({ length: 3 }, (_, i) => ({ i, blob: 'x'.repeat(700_000), attempts: 0 })) };
      const expected = JSON.stringify(value);
      const done = write(path, value);
      value.n = 2;
      value.entries[2].attempts = 5;
      await done;
      expect(readFileSync(path, 'utf8')).toBe(expected);
    });
  }

  it('reads a state file back, or moves an unusable one aside', () => {
    const d = dir();
    const path = join(d, 'state.json');
    const seen: unknown[] = [];
    expect(readJsonOrSetAside(path, (v) => seen.push(v), silentLogger, 0)).toBe('none');
    writeJsonAtomicSync(path, { ok: true });
    expect(readJsonOrSetAside(path, (v) => seen.push(v), silentLogger, 0)).toBe('loaded');
    expect(seen).toEqual([{ ok: true }]);
    writeFileSync(path, '{');
    expect(readJsonOrSetAside(path, () => undefined, silentLogger, 0)).toBe('set-aside');
    expect(readdirSync(d)).toEqual(['state.json.corrupt-1970-01-01T00-00-00-000Z']);
  });
});
