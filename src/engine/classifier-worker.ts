/**
 * The worker thread that trains an incident classifier for the service (classifier-trainer.ts starts
 * it), so the event loop keeps answering HTTP and running cycles while a forest is grown. It reads the
 * job from `workerData`: the data (a CSV's settled bytes, or a labelled export to generate by a module
 * the caller names, e.g. the simulator's), trains as `kad classify train` does
 * (classifiers/train-table.ts), registers the version in the registry (promoted by the margin rule),
 * posts one {@link TrainOutcome} and exits; before it, a `{ say }` message per line of what it does and
 * a `{ progress }` message per unit of the fit (a tree, a boosting round, an epoch).
 */
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { KadError } from '../core/errors.js';
import { prepareTraining } from '../classifiers/index.js';
import { trainingReportText, trainOnTable } from '../classifiers/train-table.js';
import { saveClassifierVersion, versionDocument } from '../registry/classifier-versions.js';
import { csvTableBlocksOf } from '../sources/csv-table.js';
import type { TrainJob, TrainOutcome, WorkerMessage } from './classifier-trainer.js';

/** A module that generates a labelled data set as CSV lines (evaluate/simulator-labeled.ts has this shape). */
interface GeneratorModule {
  simulatorLabeledDataset(o: { hours: number; seed: number }): unknown;
  labeledDatasetCsv(ds: unknown): Iterable<string>;
}

async function run(job: TrainJob, post: (m: WorkerMessage) => void): Promise<TrainOutcome> {
  const t0 = performance.now();
  let bytes: Buffer, name: string;
  if (job.data.kind === 'file') {
    const b = job.data.bytes; // transferred or cloned into this thread: used in place, not copied again
    bytes = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    name = job.data.path;
  } else {
    const m = (await import(job.data.module)) as GeneratorModule;
    bytes = Buffer.from([...m.labeledDatasetCsv(m.simulatorLabeledDataset({ hours: job.data.hours, seed: job.data.seed }))].join('\n') + '\n', 'utf8');
    name = job.data.name;
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  await prepareTraining(job.settings.kind, job.settings.params);
  // Read in blocks, twice (train-table.ts): never the whole file as text cells at once.
  const table = { name, blocks: () => csvTableBlocksOf(bytes, name) };
  const r = trainOnTable(table, job.settings, (say) => post({ say }), (done, total, unit) => post({ progress: { done, total, unit } }));
  const text = job.report ? await trainingReportText(r, { ...job.settings, importance: job.report.importance }) : undefined;
  const saved = saveClassifierVersion(job.modelDir, versionDocument(r, job.settings, name, sha256), { promoteMargin: job.promoteMargin, sha256, stateDir: job.stateDir });
  return { ok: true, ...saved, macroF1: r.report.macroF1, rows: r.rows, sha256, ms: Math.round(performance.now() - t0), ...(text === undefined ? {} : { text }) };
}

if (parentPort) {
  const port = parentPort;
  const post = (m: WorkerMessage): void => port.postMessage(m);
  run(workerData as TrainJob, post).then(post, (e: unknown) => post({
    ok: false, message: (e as Error).message ?? String(e), ...(e instanceof KadError ? { code: e.code, exitCode: e.exitCode } : {}),
  }));
}
