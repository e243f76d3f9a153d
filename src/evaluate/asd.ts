/**
 * Reads the Application Server Dataset layout: `omi-N/train.csv` and `omi-N/test.csv`
 * (`timestamp,m1..m19`) and `omi-N/test_labels.csv` (`timestamp,label`, 1 = anomalous point). The
 * detector is fitted on train.csv and scored on test.csv; events are the runs of labelled points.
 * SMD-dev (`machine-N-M/…`, 38 metrics) has the same layout and is read by the same function.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { readCsvSeries } from '../sources/csv.js';
import { eventsFromLabels, selectNames, type LabeledSeries, type ReadOptions } from './corpus.js';

/** Lists an ASD corpus's entities (folders holding a test.csv), sorted. */
export function listAsdSeries(dir: string): string[] {
  if (!existsSync(dir)) throw new InputError(`${dir}: no such folder`);
  const out = readdirSync(dir).filter((d) => statSync(join(dir, d)).isDirectory() && existsSync(join(dir, d, 'test.csv')));
  if (out.length === 0) throw new InputError(`${dir}: not an ASD corpus (no <entity>/test.csv; SMD has the same layout)`);
  return out.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** Reads an ASD (or SMD) corpus folder. */
export function readAsdCorpus(dir: string, opts: ReadOptions = {}): LabeledSeries[] {
  const names = listAsdSeries(dir);
  let chosen = selectNames(names, { only: opts.only });
  chosen = names.filter((n) => chosen.includes(n)).slice(0, opts.limit ?? Infinity);
  return chosen.map((name) => {
    const test = readCsvSeries(join(dir, name, 'test.csv'), opts);
    const train = readCsvSeries(join(dir, name, 'train.csv'), opts);
    const labelsPath = join(dir, name, 'test_labels.csv');
    const lab = readCsvSeries(labelsPath, opts);
    if (lab.frame.rows !== test.frame.rows) {
      throw new InputError(`${labelsPath}: ${lab.frame.rows} labels for ${test.frame.rows} rows of test.csv`);
    }
    const col = lab.frame.names.indexOf('label');
    if (col < 0) throw new InputError(`${labelsPath}:1: no "label" column (found: ${lab.frame.names.join(', ')})`);
    const labels = new Uint8Array(test.frame.rows);
    for (let i = 0; i < labels.length; i++) labels[i] = lab.frame.data[i * lab.frame.cols + col] > 0 ? 1 : 0;
    return { name, frame: test.frame, train: train.frame, labels, events: eventsFromLabels(labels, test.frame.times), warmup: 0 };
  });
}
