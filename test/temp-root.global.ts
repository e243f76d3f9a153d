/**
 * Vitest global setup: every temporary file of a test run, the test files' own and those of the
 * servers and commands they start, goes under one fresh directory, removed when the run ends.
 *
 * Tests create their directories with `mkdtempSync(join(tmpdir(), …))`; `os.tmpdir()` reads
 * `TMPDIR`, which the test workers and every process they spawn inherit. Before this, each run left
 * about a hundred directories in /tmp (some of them Prometheus data of 350 MB). `KAD_KEEP_TEST_TMP=1`
 * keeps the directory, and says where it is, to look at after a failure.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'kad-test-'));
  // Open as /tmp is (sticky, world-writable): a test that runs a command as another user (the image
  // test runs kad serve as user 1000) reaches its files here as it would in /tmp.
  chmodSync(root, 0o1777);
  const before = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    if (process.env.KAD_KEEP_TEST_TMP === '1') {
      process.stderr.write(`test files kept in ${root} (KAD_KEEP_TEST_TMP=1)\n`);
      return;
    }
    try {
      rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    } catch (e) {
      // A file another user made, or a process still writing: say so, but do not fail a run that passed.
      process.stderr.write(`could not remove the test files in ${root}: ${(e as Error).message}\n`);
    }
  };
}
