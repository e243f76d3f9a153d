import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNabFixture } from './fixtures.testkit.js';
import { readNabCorpus } from './nab.js';
import { NAB_PROFILES } from './nab-score.js';
import { formatReport, reportJson, type EvaluationReport } from './report.js';
import { evaluateDetector } from './runner.js';

describe('report', () => {
  const dir = writeNabFixture();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const corpus = readNabCorpus(dir);
  const report: EvaluationReport = { corpus: 'nab', data: dir, seed: 42, detectors: ['zmax', 'iforest'].map((k) => evaluateDetector(k, corpus, { nabProfiles: NAB_PROFILES })) };

  it('prints a per-series table per detector and a summary row per detector, point-adjusted columns labelled', () => {
    const text = formatReport(report);
    expect(text).toContain('nab · zmax');
    expect(text).toContain('synthetic/a.csv');
    const summary = text.slice(text.lastIndexOf('detector'));
    expect(summary.split('\n')[0]).toMatch(/NAB std +NAB low_FP_rate +NAB low_FN_rate +F1 +P +R +F1 PA +P PA +R PA +ROC-AUC/);
    expect(summary).toMatch(/\nzmax /);
    expect(summary).toMatch(/\niforest /);
    expect(formatReport(report, { summaryOnly: true })).not.toContain('synthetic/a.csv');
  });

  it('writes JSON with NaN as null', () => {
    const json = JSON.parse(reportJson(report)) as EvaluationReport;
    expect(json.detectors[0].detector).toBe('zmax');
    expect(json.detectors[0].nab?.[0].profile).toBe('standard');
    expect(json.detectors[0].series[1].metrics.raw.f1).toBeNull(); // b has no labelled point
  });
});
