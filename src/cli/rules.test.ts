import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { tempDir } from '../../test/integration.js';
import { meshRecordingRuleGroup, recordingRuleGroup } from '../sources/prometheus-rules.js';
import type { CommandIO } from './command.js';
import { main } from './kad.js';

function captureIO(env: Record<string, string> = {}): CommandIO & { out: string; err: string } {
  const c = { out: '', err: '', env, stopSignal: new AbortController().signal, stdout: (s: string) => { c.out += s; }, stderr: (s: string) => { c.err += s; } };
  return c;
}

describe('kad rules', () => {
  it('prints the rules for the environment\'s settings, or a config file\'s, as a rules file or a PrometheusRule', async () => {
    const env = captureIO({ KAD_RATE_WINDOW: '2m', NAMESPACE_REGEX: 'shop', POD_LABEL: 'pod_name' });
    expect(await main(['rules', '--interval', '15s'], env)).toBe(0);
    const settings = { rateWindow: '2m', namespaceRegex: 'shop', podLabel: 'pod_name' };
    expect(parse(env.out)).toEqual({ groups: [recordingRuleGroup(settings, '15s'), meshRecordingRuleGroup(settings, '15s')] });
    const file = join(tempDir('kad-rules'), 'kad.yaml');
    writeFileSync(file, 'prometheus:\n  rateWindow: 5m\n  namespaceRegex: "a|b"\n');
    const fromFile = captureIO();
    expect(await main(['rules', '--config', file, '--crd', '--namespace', 'monitoring'], fromFile)).toBe(0);
    const crd = parse(fromFile.out);
    expect(crd).toMatchObject({ kind: 'PrometheusRule', metadata: { name: 'kad-recording-rules', namespace: 'monitoring' } });
    const fileSettings = { rateWindow: '5m', namespaceRegex: 'a|b', podLabel: 'pod' };
    expect(crd.spec.groups).toEqual([recordingRuleGroup(fileSettings, '30s'), meshRecordingRuleGroup(fileSettings, '30s')]);
  });

  it('refuses an interval that is not a duration or is over a minute, and --name without --crd', async () => {
    for (const [args, msg] of [[['--interval', 'soon'], /--interval "soon" is not a PromQL duration/], [['--interval', '2m'], /at most 1m/], [['--name', 'x'], /go with --crd/]] as const) {
      const io = captureIO();
      expect(await main(['rules', ...args], io)).toBe(2);
      expect(io.err).toMatch(msg);
    }
  });
});
