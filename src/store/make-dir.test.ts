import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirSync, removeMadeDirs } from './make-dir.js';

describe('removeMadeDirs', () => {
  it('removes what makeDirSync made, innermost first, and stops at a directory that is not empty', () => {
    const base = mkdtempSync(join(tmpdir(), 'kad-mkdir-'));
    const made = makeDirSync(join(base, 'a', 'b', 'c'));
    expect(made).toEqual([join(base, 'a'), join(base, 'a', 'b'), join(base, 'a', 'b', 'c')]);
    expect(makeDirSync(join(base, 'a', 'b', 'c'))).toEqual([]);
    writeFileSync(join(base, 'a', 'keep'), 'x');
    removeMadeDirs(made);
    expect([existsSync(join(base, 'a', 'b')), existsSync(join(base, 'a', 'keep'))]).toEqual([false, true]);
  });
});

describe('makeDirSync', () => {
  it('creates a directory and its missing parents, and is quiet when it exists', () => {
    const base = mkdtempSync(join(tmpdir(), 'kad-mkdir-'));
    const deep = join(base, 'a', 'b', 'c');
    makeDirSync(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    makeDirSync(deep);
    makeDirSync(join(base, 'a', '..', 'a', 'b', 'd'));
    expect(existsSync(join(base, 'a', 'b', 'd'))).toBe(true);
  });

  it('fails with the system error: a file in the way', () => {
    const base = mkdtempSync(join(tmpdir(), 'kad-mkdir-'));
    writeFileSync(join(base, 'file'), 'x');
    expect(() => makeDirSync(join(base, 'file'))).toThrow(/EEXIST/);
    expect(() => makeDirSync(join(base, 'file', 'sub'))).toThrow(/ENOTDIR/);
  });

  it.runIf(existsSync('/proc/self'))('returns an error under /proc, where Node\'s own recursive mkdir never returns', () => {
    // In a child process with a deadline: a loop that never returns would hang this one, not fail it.
    const module = JSON.stringify(new URL('./make-dir.ts', import.meta.url).href);
    const code = `import(${module}).then((m) => { try { m.makeDirSync('/proc/kad-no-such-dir/models'); } catch (e) { console.log(e.code); } })`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { encoding: 'utf8', timeout: 30_000 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.stdout.trim()).toMatch(/^(ENOENT|EACCES|EPERM)$/);
  });

  it('refuses an empty path, as mkdir does', () => {
    expect(() => makeDirSync('')).toThrow(/ENOENT/);
  });
});
