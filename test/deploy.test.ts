/** The shipped Prometheus examples are valid for a real promtool, and the alerting rules behave. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from './helpers.js';
import { BINARIES, describeWithServers } from './integration.js';

const dir = join(ROOT, 'deploy/prometheus');
const promtool = (...args: string[]) => execFileSync(BINARIES.promtool, args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' });

describeWithServers('deploy/prometheus examples (promtool)', ['promtool'], () => {
  it('the example Prometheus config and rules pass promtool check', () => {
    expect(promtool('check', 'config', 'prometheus.example.yml')).toContain('SUCCESS');
    expect(promtool('check', 'rules', 'kad-rules.yml')).toMatch(/SUCCESS: 5 rules found/);
  });

  it('the alerting rules fire and resolve as their unit tests say', () => {
    expect(promtool('test', 'rules', 'kad-rules.test.yml')).toContain('SUCCESS');
  });
});
