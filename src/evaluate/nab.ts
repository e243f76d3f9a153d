/**
 * Reads the Numenta Anomaly Benchmark layout: `data/<category>/<name>.csv` (`timestamp,value`, UTC)
 * and `labels/combined_windows.json` (`{ "<category>/<name>.csv": [[start, end], …] }`), plus the cost
 * profiles in `profiles.json`. Each window becomes an event over the rows whose time lies inside it;
 * those rows are the anomalous points for the point metrics. The probationary period (NAB's 15%, at
 * most 750 rows) is the series' warm-up.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { readCsvSeries } from '../sources/csv.js';
import { parseUtc } from '../core/time.js';
import { lowerBound, selectNames, type AnomalyEvent, type LabeledSeries, type ReadOptions } from './corpus.js';
import { NAB_PROFILES, probationaryLength, type NabCostMatrix } from './nab-score.js';

function readJson(path: string): unknown {
  if (!existsSync(path)) throw new InputError(`${path}: no such file`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
}

/** Lists a NAB corpus's series names (`<category>/<name>.csv`), sorted. */
export function listNabSeries(dir: string): string[] {
  const data = join(dir, 'data');
  if (!existsSync(data)) throw new InputError(`${dir}: not a NAB corpus (no data/ folder; expected data/<category>/<name>.csv)`);
  const out: string[] = [];
  for (const cat of readdirSync(data)) {
    if (!statSync(join(data, cat)).isDirectory()) continue;
    for (const f of readdirSync(join(data, cat))) if (f.endsWith('.csv')) out.push(`${cat}/${f}`);
  }
  return out.sort();
}

/** Maps windows given as times to row ranges of `times` (rows inside [start, end]); empty ones dropped. */
export function windowsToEvents(times: Float64Array, windows: ReadonlyArray<readonly [number, number]>): AnomalyEvent[] {
  const out: AnomalyEvent[] = [];
  for (const [ws, we] of windows) {
    const start = lowerBound(times, ws);
    const end = lowerBound(times, we + 1e-3) - 1;
    if (end >= start) out.push({ start, end, t0: times[start] });
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * Reads a NAB corpus folder (the one holding `data/` and `labels/`). A data file the labels do not
 * name is scored as having no anomaly window, and labelled names with no data file are left out;
 * both are told to `opts.warn` (a misspelt name scores a series as normal without a word otherwise).
 */
export function readNabCorpus(dir: string, opts: ReadOptions = {}): LabeledSeries[] {
  const windowsPath = join(dir, 'labels', 'combined_windows.json');
  const all = readJson(windowsPath);
  if (typeof all !== 'object' || all === null || Array.isArray(all)) throw new InputError(`${windowsPath}: expected an object of "<category>/<name>.csv": [[start, end], …]`);
  const names = listNabSeries(dir);
  if (names.length === 0) throw new InputError(`${dir}: no series (expected data/<category>/<name>.csv)`);
  const selected = selectNames(names, opts);
  const some = (list: string[]): string => `${list.slice(0, 3).map((n) => `"${n}"`).join(', ')}${list.length > 3 ? ` and ${list.length - 3} more` : ''}`;
  const unlabelled = selected.filter((n) => !Object.hasOwn(all, n));
  if (unlabelled.length) opts.warn?.(`${windowsPath}: no entry for ${unlabelled.length} data file(s) (${some(unlabelled)}): scored as having no anomaly window`);
  const missing = Object.keys(all).filter((n) => !names.includes(n) && (!opts.only || opts.only.includes(n)));
  if (missing.length) opts.warn?.(`${windowsPath}: ${missing.length} labelled name(s) with no file under ${join(dir, 'data')} (${some(missing)}): left out`);
  return selected.map((name) => {
    const csv = readCsvSeries(join(dir, 'data', name), opts);
    const raw = (all as Record<string, unknown>)[name] ?? [];
    if (!Array.isArray(raw)) throw new InputError(`${windowsPath}: "${name}" must be a list of [start, end] pairs`);
    const windows = raw.map((w, k): [number, number] => {
      const pair = Array.isArray(w) ? w.map((x) => parseUtc(String(x))) : [];
      if (pair.length !== 2 || pair.some(Number.isNaN)) {
        throw new InputError(`${windowsPath}: "${name}" window ${k + 1}: expected ["YYYY-MM-DD HH:MM:SS", "YYYY-MM-DD HH:MM:SS"], got ${JSON.stringify(w)}`);
      }
      return [pair[0], pair[1]];
    });
    const times = csv.frame.times;
    const events = windowsToEvents(times, windows);
    const labels = new Uint8Array(csv.frame.rows);
    for (const e of events) labels.fill(1, e.start, e.end + 1);
    return { name, frame: csv.frame, labels, events, warmup: probationaryLength(csv.frame.rows) };
  });
}

/** Reads `profiles.json` of a NAB folder (NAB's three profiles when it is absent). */
export function readNabProfiles(dir: string): Record<string, NabCostMatrix> {
  const path = join(dir, 'profiles.json');
  if (!existsSync(path)) return { ...NAB_PROFILES };
  const raw = readJson(path) as Record<string, { CostMatrix?: Partial<NabCostMatrix> }>;
  const out: Record<string, NabCostMatrix> = {};
  for (const [name, p] of Object.entries(raw)) {
    const c = p?.CostMatrix;
    const ok = c && ['tpWeight', 'fpWeight', 'fnWeight', 'tnWeight'].every((k) => typeof c[k as keyof NabCostMatrix] === 'number');
    if (!ok) throw new InputError(`${path}: profile "${name}" needs CostMatrix with numeric tpWeight, fpWeight, fnWeight, tnWeight`);
    out[name] = c as NabCostMatrix;
  }
  return out;
}
