import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirSync } from './make-dir.js';

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
    expect(() => makeDirSync('/proc/kad-no-such-dir/models')).toThrow(/ENOENT|EACCES|EPERM/);
  });
});
