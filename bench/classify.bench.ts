/**
 * The incident classifiers (issue 17) beside scikit-learn, on the same rows: macro-F1, recall per
 * class, fit time and predict rows per second of kad's random forest, gradient boosting, logistic
 * regression and stacking, and of scikit-learn's RandomForest, HistGradientBoosting and
 * LogisticRegression (bench/classify_sklearn.py, single-threaded: OMP_NUM_THREADS=1, a per-core
 * comparison; times are CPU time on both sides, steadier than wall time on a shared machine), on
 * - the simulator's labelled export (`kad simulate --export-labeled`: per-pod, per-minute window
 *   features, 6 classes at about 1:100 to 1:200), a stratified 80/20 split;
 * - Nezha OnlineBoutique's fault windows: the faulty pod's fault type (5 classes, 56 faults) and every
 *   pod's faulty-or-not, by stratified 5-fold cross-validation (each row predicted once), averaged
 *   over a few fold seeds;
 * then the forest's predict throughput on one core, SMOTE's effect on the minority classes' recall on
 * the imbalanced simulator split, and stacking against its best member; then the neural classifiers
 * (mlp on the same rows, cnn on windows of them: the simulator's last 5 rows per pod, Nezha's per-minute
 * sequences) beside the trees, and the graph model (gnn) against the same model without the call graph
 * on locating Nezha's faulty service and naming its fault type (GNN_SEEDS, default 5).
 * Run: `npm run bench:classify`. Environment: DATA (default ../shared/data), HOURS (simulated hours,
 * default 24), REPEATS (repeats per Nezha task, each with its own fold and model seed, default 10), PYTHON (default: the first of python3, /usr/bin/python3 that imports sklearn).
 * Progress on stderr; without python3 + scikit-learn the scikit-learn columns are skipped, said so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Classifier } from '../src/classifiers/classifier.js';
import { createClassifier, prepareClassifiers } from '../src/classifiers/index.js';
import { argmaxRows, encodeLabels, indexLabels } from '../src/classifiers/labels.js';
import { classScores, confusionMatrix, macroF1 } from '../src/classifiers/metrics.js';
import { smote } from '../src/classifiers/smote.js';
import { foldIndices, stratifiedFolds, stratifiedSplit, takeItems, takeRows } from '../src/classifiers/split.js';
import type { Frame } from '../src/core/frame.js';
import { nezhaGraphTask, nezhaSequenceTasks } from '../src/evaluate/nezha-sequences.js';
import { nezhaWindowTasks } from '../src/evaluate/nezha-windows.js';
import { simulatorLabeledDataset } from '../src/evaluate/simulator-labeled.js';

const DATA = process.env.DATA ?? '../shared/data';
const HOURS = Number(process.env.HOURS ?? 24);
/**
 * Repeats per Nezha task, each with its own fold seed and model seed (kad's and scikit-learn's
 * random_state alike): 56 faults make one cross-validation's macro-F1 move by ±0.05 with the seeds.
 */
const REPEATS = Number(process.env.REPEATS ?? 10);
const SEED = 42;
const log = (s: string): void => void process.stderr.write(`classify bench: ${s}\n`);

/** A task: rows, labels, and each row's fold (-1: training only; k ≥ 0: predicted by models fitted without fold k). */
interface Task {
  name: string;
  frame: Frame;
  labels: string[];
  fold: Int32Array;
  /** Model seed (kad's seed, scikit-learn's random_state; default SEED). */
  seed?: number;
}

interface Result {
  macroF1: number;
  recall: Record<string, number>;
  fitSeconds: number;
  predictRowsPerSecond: number | null;
  throughputRowsPerSecond?: number;
  /** Boosting iterations fitted, all folds (gradient boosting: early stopping ends each fit after its own count). */
  iterations?: number;
}

/** CPU milliseconds this process has used: on a shared machine, steadier than wall time (scikit-learn's side uses process_time). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function findPython(): string | undefined {
  for (const py of [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p)) {
    if (spawnSync(py, ['-c', 'import sklearn'], { stdio: 'ignore' }).status === 0) return py;
  }
  return undefined;
}

/** Fits `make()` per fold; returns the scores over every predicted row. */
function runKad(task: Task, make: () => Classifier, prep?: (f: Frame, l: string[]) => { frame: Frame; labels: string[] }): Result & { model: Classifier } {
  const classes = [...new Set(task.labels)].sort();
  const pred = new Int32Array(task.frame.rows).fill(-1);
  let fit = 0, predT = 0, predN = 0, iters = 0;
  let model: Classifier | undefined;
  for (const k of [...new Set(task.fold)].filter((f) => f >= 0).sort()) {
    const { train, test } = foldIndices(task.fold, k);
    let tf = takeRows(task.frame, train);
    let tl = takeItems(task.labels, train);
    if (prep) ({ frame: tf, labels: tl } = prep(tf, tl));
    const m = make();
    let t = cpuMs();
    m.fit(tf, tl);
    fit += cpuMs() - t;
    iters += (m as { iterations?: number }).iterations ?? 0;
    const held = takeRows(task.frame, test);
    m.predictProba(held); // compiled before it is timed (one row would not run the trees' eight-row walk)
    t = cpuMs();
    const p = m.predictProba(held);
    predT += cpuMs() - t;
    predN += test.length;
    const am = argmaxRows(p, m.classes.length);
    test.forEach((r, i) => { pred[r] = classes.indexOf(m.classes[am[i]]); });
    model = m;
  }
  const rows = Array.from(pred.keys()).filter((i) => pred[i] >= 0);
  const y = indexLabels(rows.map((i) => task.labels[i]), classes);
  const p = Int32Array.from(rows, (i) => pred[i]);
  const scores = classScores(confusionMatrix(y, p, classes.length));
  return {
    macroF1: macroF1(y, p, classes.length), recall: Object.fromEntries(classes.map((c, k) => [c, scores[k].recall])),
    fitSeconds: fit / 1000, predictRowsPerSecond: predN / (predT / 1000), model: model as Classifier, ...(iters ? { iterations: iters } : {}),
  };
}

function runSklearn(py: string | undefined, task: Task, throughput = 0): Record<string, Result> | undefined {
  if (!py) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'kad-classify-bench-'));
  try {
    const path = join(dir, 'data.csv');
    const d = task.frame.cols;
    const lines = [[...task.frame.names.map((_, j) => `f${j}`), '__label', '__fold'].join(',')];
    for (let i = 0; i < task.frame.rows; i++) {
      const row: string[] = [];
      for (let j = 0; j < d; j++) {
        const v = task.frame.data[i * d + j];
        row.push(v === v ? String(v) : '');
      }
      lines.push([...row, task.labels[i], task.fold[i]].join(','));
    }
    writeFileSync(path, lines.join('\n') + '\n');
    const args = [join(import.meta.dirname, 'classify_sklearn.py'), path, '--seed', String(task.seed ?? SEED), ...(throughput ? ['--throughput', String(throughput)] : [])];
    const r = spawnSync(py, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' }, maxBuffer: 1 << 26 });
    if (r.status !== 0) {
      log(`scikit-learn run failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      return undefined;
    }
    return JSON.parse(r.stdout) as Record<string, Result>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));
const rate = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${Math.round(x / 1e3)}k`);

function table(task: Task, rows: [string, Result | undefined][]): void {
  const classes = [...new Set(task.labels)].sort();
  const short = classes.map((c) => c.slice(0, 10).padStart(11));
  console.log(`${'model'.padEnd(30)} macro-F1   fit s  predict/s |${short.join('')}   (recall per class)`);
  for (const [name, r] of rows) {
    if (!r) {
      console.log(`${name.padEnd(30)} (skipped)`);
      continue;
    }
    console.log(`${name.padEnd(30)} ${fmt(r.macroF1).padStart(8)} ${fmt(r.fitSeconds, 2).padStart(7)} ${rate(r.predictRowsPerSecond).padStart(10)} |${classes.map((c) => fmt(r.recall[c]).padStart(11)).join('')}`);
  }
}

const py = findPython();
if (!py) log('python3 with scikit-learn not found (apt-get install python3-sklearn): the scikit-learn rows are skipped');

/** The mean of results over repeats (recall per class, fit seconds and rates too). */
function mean(rs: Result[]): Result {
  const avg = (f: (r: Result) => number | null | undefined): number => rs.reduce((a, r) => a + (f(r) ?? NaN), 0) / rs.length;
  const out: Result = {
    macroF1: avg((r) => r.macroF1), fitSeconds: avg((r) => r.fitSeconds), predictRowsPerSecond: avg((r) => r.predictRowsPerSecond),
    recall: Object.fromEntries(Object.keys(rs[0].recall).map((c) => [c, avg((r) => r.recall[c])])),
  };
  if (rs[0].throughputRowsPerSecond !== undefined) out.throughputRowsPerSecond = avg((r) => r.throughputRowsPerSecond);
  if (rs[0].iterations !== undefined) out.iterations = avg((r) => r.iterations);
  return out;
}

const KAD: [string, string, Record<string, unknown>][] = [
  ['kad random-forest', 'random-forest', {}], ['kad gbdt', 'gbdt', {}], ['kad logistic', 'logistic', {}], ['kad stack (rf+gbdt+logistic)', 'stack', {}],
];
const summary: string[] = [];

const SK_ROWS: [string, string][] = [
  ['sklearn RandomForest', 'RandomForest'], ['sklearn HistGradientBoosting', 'HistGradientBoosting'],
  ['sklearn HistGBoosting l2=1', 'HistGradientBoosting(l2=1)'], ['sklearn LogisticRegression', 'LogisticRegression'],
];

/** Every algorithm on each of `tasks` (the same rows under other fold seeds), results averaged; prints the table. */
function compare(tasks: Task[], throughput = 0): Record<string, Result & { model?: Classifier }> {
  const task = tasks[0];
  const out: Record<string, Result & { model?: Classifier }> = {};
  for (const [label, kind, params] of KAD) {
    log(`${task.name}: ${label}…`);
    const runs = tasks.map((t) => runKad(t, () => createClassifier(kind, params, t.seed ?? SEED)));
    out[label] = { ...mean(runs), model: runs[runs.length - 1].model };
  }
  log(`${task.name}: scikit-learn…`);
  const skRuns = tasks.map((t) => runSklearn(py, t, throughput));
  const sk = skRuns.every((r) => r) ? Object.fromEntries(SK_ROWS.map(([, k]) => [k, mean(skRuns.map((r) => (r as Record<string, Result>)[k]))])) : undefined;
  table(task, [...KAD.map(([l]) => [l, out[l]] as [string, Result]), ...SK_ROWS.map(([l, k]) => [l, sk?.[k]] as [string, Result | undefined])]);
  if (sk) {
    for (const [a, b] of [['kad random-forest', 'RandomForest'], ['kad gbdt', 'HistGradientBoosting'], ['kad gbdt', 'HistGradientBoosting(l2=1)'], ['kad logistic', 'LogisticRegression']] as const) {
      const k = out[a], o = sk[b];
      const d = k.macroF1 - o.macroF1;
      const perIter = k.iterations && o.iterations
        ? `; per boosting iteration ${fmt((1000 * k.fitSeconds) / k.iterations, 1)} ms (${fmt(k.iterations, 0)} iterations) vs ${fmt((1000 * o.fitSeconds) / o.iterations, 1)} ms (${fmt(o.iterations, 0)}), ${fmt((o.fitSeconds / o.iterations) / (k.fitSeconds / k.iterations), 1)}× faster`
        : '';
      summary.push(`${task.name}: ${a} macro-F1 ${fmt(k.macroF1)} vs ${b} ${fmt(o.macroF1)} (${d >= 0 ? '+' : ''}${fmt(d)}); fit ${fmt(k.fitSeconds, 2)} s vs ${fmt(o.fitSeconds, 2)} s (${fmt(o.fitSeconds / k.fitSeconds, 1)}× faster)${perIter}`);
    }
    if (sk.RandomForest.throughputRowsPerSecond) out['sklearn RandomForest'] = sk.RandomForest;
  }
  const members = ['kad random-forest', 'kad gbdt', 'kad logistic'];
  const best = members.reduce((a, b) => (out[b].macroF1 > out[a].macroF1 ? b : a));
  summary.push(`${task.name}: stacking ${fmt(out['kad stack (rf+gbdt+logistic)'].macroF1)} vs its best member (${best}) ${fmt(out[best].macroF1)}`);
  return out;
}

// 1. The simulator's labelled export.
log(`simulating ${HOURS} h…`);
const sim = simulatorLabeledDataset({ hours: HOURS, seed: 7 });
const simFrame: Frame = { names: sim.names, rows: sim.rows, cols: sim.names.length, data: sim.data };
const { classes: simClasses, y: simY } = encodeLabels(sim.labels, sim.rows, 'bench');
const split = stratifiedSplit(simY, simClasses.length, 0.2, SEED);
const simFold = new Int32Array(sim.rows).fill(-1);
for (const i of split.test) simFold[i] = 0;
const simTask: Task = { name: 'simulator', frame: simFrame, labels: sim.labels, fold: simFold };
const counts = simClasses.map((c) => `${c} ${sim.labels.filter((l) => l === c).length}`).join(', ');
console.log(`\n== Simulator labelled export: ${HOURS} h, seed 7, ${sim.rows} rows × ${sim.names.length} features (${counts}); stratified 80/20 split, seed ${SEED}`);
const THROUGHPUT_ROWS = 200_000;
const simOut = compare([simTask], THROUGHPUT_ROWS);

// 2. The forest's predict throughput, one core.
{
  const test = takeRows(simFrame, split.test);
  const big: Frame = { ...test, rows: THROUGHPUT_ROWS, data: new Float64Array(THROUGHPUT_ROWS * test.cols) };
  for (let i = 0; i < THROUGHPUT_ROWS; i++) big.data.set(test.data.subarray((i % test.rows) * test.cols, (i % test.rows + 1) * test.cols), i * test.cols);
  const rf = simOut['kad random-forest'].model as Classifier;
  rf.predictProba(big); // warm
  const t = cpuMs();
  rf.predictProba(big);
  const kadRate = THROUGHPUT_ROWS / ((cpuMs() - t) / 1000);
  const st = rf.toJSON().state as { trees: { root: string; child: string } };
  const trees = Buffer.from(st.trees.root, 'base64').length / 4, nodes = Buffer.from(st.trees.child, 'base64').length / 4;
  const skRate = simOut['sklearn RandomForest']?.throughputRowsPerSecond;
  console.log(`\nForest predict throughput (one core, ${THROUGHPUT_ROWS} rows, ${trees} trees, ${Math.round(nodes / trees)} nodes a tree): kad ${rate(kadRate)} rows/s; scikit-learn ${rate(skRate)} rows/s`);
  summary.push(`simulator: forest predict ${rate(kadRate)} rows/s/core (scikit-learn ${rate(skRate)})`);
}

// 3. SMOTE on the imbalanced split: the minority classes' recall.
{
  console.log(`\nSMOTE on the simulator split (training part; each smaller class raised to 20% of "normal"), recall of the minority classes:`);
  const withSmote = (f: Frame, l: string[]) => {
    const normal = l.filter((x) => x === 'normal').length;
    const targets = Object.fromEntries([...new Set(l)].filter((c) => c !== 'normal').map((c) => [c, Math.max(l.filter((x) => x === c).length, Math.round(0.2 * normal))]));
    const r = smote(f, l, { seed: SEED, targets });
    return { frame: r.frame, labels: r.labels };
  };
  const rows: [string, Result][] = [];
  for (const [label, kind] of [['kad logistic', 'logistic'], ['kad random-forest', 'random-forest'], ['kad gbdt', 'gbdt']] as const) {
    log(`SMOTE: ${label}…`);
    rows.push([label, simOut[label]], [`${label} + SMOTE`, runKad(simTask, () => createClassifier(kind, {}, SEED), withSmote)]);
  }
  table(simTask, rows);
  const minority = simClasses.filter((c) => c !== 'normal');
  for (let i = 0; i < rows.length; i += 2) {
    const mean = (r: Result) => minority.reduce((a, c) => a + r.recall[c], 0) / minority.length;
    summary.push(`simulator: SMOTE ${rows[i][0]}: mean minority recall ${fmt(mean(rows[i][1]))} → ${fmt(mean(rows[i + 1][1]))}, macro-F1 ${fmt(rows[i][1].macroF1)} → ${fmt(rows[i + 1][1].macroF1)}`);
  }
}

// 4. Nezha OnlineBoutique fault windows.
const nezhaDir = join(DATA, 'nezha-onlineboutique');
const nezhaOut: Record<string, { tasks: Task[]; out: Record<string, Result & { model?: Classifier }> }> = {};
if (!existsSync(nezhaDir)) {
  console.log(`\nNezha: skipped (${nezhaDir} not found; the corpora live in ../shared/data)`);
} else {
  log('reading Nezha…');
  const { faultType, faultyPod } = nezhaWindowTasks(nezhaDir);
  for (const [name, t] of [['nezha fault type', faultType], ['nezha faulty pod', faultyPod]] as const) {
    const frame: Frame = { names: t.names, rows: t.rows, cols: t.names.length, data: t.data };
    const { classes, y } = encodeLabels(t.labels, t.rows, 'bench');
    const tasks: Task[] = Array.from({ length: REPEATS }, (_, r) => ({ name, frame, labels: t.labels, fold: stratifiedFolds(y, classes.length, 5, SEED + r), seed: SEED + r }));
    const counts = classes.map((c) => `${c} ${t.labels.filter((l) => l === c).length}`).join(', ');
    console.log(`\n== Nezha OnlineBoutique, ${name}: ${t.rows} rows × ${t.names.length} features (${counts}); stratified 5-fold cross-validation, the mean of ${REPEATS} repeats (fold and model seeds ${SEED}…${SEED + REPEATS - 1})`);
    nezhaOut[name] = { tasks, out: compare(tasks) };
  }
}

// 5. The neural classifiers (mlp, cnn) beside the trees, and the graph model against its no-graph twin on Nezha.
{
  // TensorFlow.js is loaded only here, after the trees' figures, as kad loads it only for a neural kind.
  await prepareClassifiers(['mlp', 'cnn', 'gnn']);
  const [{ stackWindows }, { useWasmBackend }] = await Promise.all([import('../src/classifiers/cnn.js'), import('../src/core/tf.js')]);
  const wasm = await useWasmBackend((e) => log(`tfjs wasm backend unavailable (${String(e)}); training on cpu`));
  const refs = ['kad random-forest', 'kad gbdt', 'kad logistic'];
  const neural = (tasks: Task[], seqTasks: Task[], refOut: Record<string, Result>, mlpParams: Record<string, unknown>, cnnParams: Record<string, unknown>, steps: string): void => {
    const name = tasks[0].name;
    log(`${name}: kad mlp…`);
    const mlp = mean(tasks.map((t) => runKad(t, () => createClassifier('mlp', mlpParams, t.seed ?? SEED))));
    log(`${name}: kad cnn…`);
    const cnn = mean(seqTasks.map((t) => runKad(t, () => createClassifier('cnn', cnnParams, t.seed ?? SEED))));
    console.log(`\n${name}: the neural classifiers (tfjs ${wasm ? 'wasm' : 'cpu'} backend; cnn on ${steps}), the same folds as above:`);
    table(tasks[0], [...refs.map((r) => [r, refOut[r]] as [string, Result]), ['kad mlp', mlp], ['kad cnn', cnn]]);
    summary.push(`${name}: mlp macro-F1 ${fmt(mlp.macroF1)} (fit ${fmt(mlp.fitSeconds, 1)} s), cnn ${fmt(cnn.macroF1)} (fit ${fmt(cnn.fitSeconds, 1)} s); gbdt ${fmt(refOut['kad gbdt'].macroF1)}, random forest ${fmt(refOut['kad random-forest'].macroF1)}`);
  };
  const SIM_STEPS = 5;
  const simWindows = stackWindows(simFrame, sim.pods, SIM_STEPS);
  neural([simTask], [{ ...simTask, frame: simWindows }], simOut, { batchSize: 256 }, { batchSize: 256 }, `each pod's last ${SIM_STEPS} rows, ${simWindows.cols} columns`);
  if (existsSync(nezhaDir)) {
    log('reading Nezha sequences…');
    const seq = nezhaSequenceTasks(nezhaDir);
    for (const [name, t] of [['nezha fault type', seq.faultType], ['nezha faulty pod', seq.faultyPod]] as const) {
      const { tasks, out } = nezhaOut[name];
      const frame: Frame = { names: t.names, rows: t.rows, cols: t.names.length, data: t.data };
      neural(tasks, tasks.map((k) => ({ ...k, frame })), out, {}, {}, `per-minute robust z, 5 minutes before to 5 after the injection, ${t.names.length} columns`);
    }

    // The graph model: which service is faulty and how, from every service's window features, with and without the call graph.
    const g = nezhaGraphTask(nezhaDir);
    const gFrame: Frame = { names: g.names, rows: g.rows, cols: g.names.length, data: g.data };
    const types = g.labels.map((l) => l.slice(l.indexOf(':') + 1));
    const { classes: typeClasses, y: typeY } = encodeLabels(types, g.rows, 'bench');
    const GNN_SEEDS = Number(process.env.GNN_SEEDS ?? 5);
    console.log(`\n== Nezha OnlineBoutique, the faulty service and its fault type from every service's window features (${g.rows} faults, ${g.services.length} services × ${g.names.length / g.services.length} features, ${g.edges.length} call edges); 5-fold cross-validation over the faults (stratified by type), ${GNN_SEEDS} seeds (fold and model seed ${SEED}…${SEED + GNN_SEEDS - 1}); mean ± sd over the seeds`);
    const scores: Record<string, number[][]> = { gnn: [], twin: [] };
    for (let r = 0; r < GNN_SEEDS; r++) {
      const fold = stratifiedFolds(typeY, typeClasses.length, 5, SEED + r);
      for (const [label, edges] of [['gnn', g.edges], ['twin', []]] as const) {
        log(`graph: ${label}, seed ${SEED + r}…`);
        let svc = 0, joint = 0, fit = 0;
        const yt = new Int32Array(g.rows), yp = new Int32Array(g.rows);
        for (let k = 0; k < 5; k++) {
          const { train, test } = foldIndices(fold, k);
          const m = createClassifier('gnn', { edges }, SEED + r);
          const t0 = cpuMs();
          m.fit(takeRows(gFrame, train), takeItems(g.labels, train));
          fit += cpuMs() - t0;
          const am = argmaxRows(m.predictProba(takeRows(gFrame, test)), m.classes.length);
          test.forEach((row, i) => {
            const pred = m.classes[am[i]], truth = g.labels[row];
            const [ps, pt] = [pred.slice(0, pred.indexOf(':')), pred.slice(pred.indexOf(':') + 1)];
            svc += +(truth.startsWith(`${ps}:`));
            joint += +(pred === truth);
            yt[row] = typeY[row];
            yp[row] = typeClasses.indexOf(pt);
          });
        }
        scores[label].push([svc / g.rows, macroF1(yt, yp, typeClasses.length), joint / g.rows, fit / 1000 / 5]);
      }
    }
    const ms = (a: number[]): string => {
      const m = a.reduce((x, y) => x + y, 0) / a.length;
      return `${fmt(m)} ± ${fmt(Math.sqrt(a.reduce((x, y) => x + (y - m) ** 2, 0) / Math.max(1, a.length - 1)))}`;
    };
    console.log(`${'model'.padEnd(40)} ${'service top-1'.padStart(15)} ${'type macro-F1'.padStart(15)} ${'both right'.padStart(15)}   fit s (a fold)`);
    for (const [label, name] of [['gnn', 'kad gnn (call graph)'], ['twin', 'kad gnn, edges [] (per-node MLP twin)']] as const) {
      const s = scores[label];
      console.log(`${name.padEnd(40)} ${ms(s.map((x) => x[0])).padStart(15)} ${ms(s.map((x) => x[1])).padStart(15)} ${ms(s.map((x) => x[2])).padStart(15)}   ${ms(s.map((x) => x[3]))}`);
      summary.push(`nezha graph: ${name}: service top-1 ${ms(s.map((x) => x[0]))}, type macro-F1 ${ms(s.map((x) => x[1]))}, both ${ms(s.map((x) => x[2]))}`);
    }
  }
}

console.log('\nSummary (targets: RF and GBDT macro-F1 within 0.02 of scikit-learn\'s, fit >= 3x faster, forest predict >= 1M rows/s/core; stacking no worse than its best member):');
for (const s of summary) console.log(`  ${s}`);
