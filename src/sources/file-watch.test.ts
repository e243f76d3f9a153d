import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchFiles, type FileEvent } from './file-watch.js';

describe('watchFiles', () => {
  it('reads a file still being written only once it settles, reports a rewrite with the same bytes as unchanged, and a removal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kad-fw-'));
    const path = join(dir, 'a.csv');
    writeFileSync(path, 'x,y\n');
    const ctrl = new AbortController();
    const events: FileEvent[] = [];
    const it = watchFiles({ path, debounceMs: 40, settleMs: 60, pollMs: 50, signal: ctrl.signal });
    const next = async (): Promise<FileEvent> => {
      const r = await it.next();
      if (r.done) throw new Error('ended');
      events.push(r.value);
      return r.value;
    };
    expect((await next()).status).toBe('changed'); // the first look

    // A slow writer: a line every 20 ms (faster than the settle time) for 300 ms; one look when it stops.
    const writer = (async () => {
      for (let i = 0; i < 15; i++) {
        appendFileSync(path, `${i},${i}\n`);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const ev = await next();
    await writer;
    expect(ev.status).toBe('changed');
    expect(ev.bytes!.toString()).toContain('14,14\n'); // the whole file, never a part

    writeFileSync(path, ev.bytes!); // same bytes, new mtime
    expect(await next()).toMatchObject({ status: 'unchanged', sha256: ev.sha256 });
    rmSync(path);
    expect((await next()).status).toBe('missing');
    ctrl.abort();
    expect((await it.next()).done).toBe(true);
    expect(events.filter((e) => e.status === 'changed')).toHaveLength(2);
  }, 20_000);

  it('watches the *.csv files of a directory and takes hashes already handled as unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kad-fw-'));
    writeFileSync(join(dir, 'a.csv'), 'a\n');
    writeFileSync(join(dir, 'notes.txt'), 'n\n');
    const ctrl = new AbortController();
    const seen = new Set(['87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7']); // sha256("a\n")
    const it = watchFiles({ path: dir, debounceMs: 30, pollMs: 50, signal: ctrl.signal, seen });
    expect((await it.next()).value).toMatchObject({ path: join(dir, 'a.csv'), status: 'unchanged' });
    writeFileSync(join(dir, 'notes.txt'), 'm\n');
    writeFileSync(join(dir, 'b.csv'), 'b\n');
    expect((await it.next()).value).toMatchObject({ path: join(dir, 'b.csv'), status: 'changed' });
    ctrl.abort();
    expect((await it.next()).done).toBe(true);
  }, 20_000);
});
