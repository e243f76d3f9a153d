import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // One temporary directory for the whole run, removed at its end (test/temp-root.global.ts).
    globalSetup: ['test/temp-root.global.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two test files at a time, whatever the machine: the real-time integration tests (a minute or
    // more each, mostly waiting for simulated incidents and for servers) then overlap with the others.
    // Vitest's default on a 2-core machine is one at a time.
    maxWorkers: 2,
  },
});
