/**
 * Names the likely incident of every firing pod with the production incident classifier: each cycle,
 * every pod's feature vector (features/pod-features.ts `POD_FEATURES`, read by name from its result)
 * goes into its recent window (features/feature-window.ts: value, mean, max and change over the last
 * steps — the layout `kad simulate --export-labeled` writes, so a classifier trained on that export
 * applies), and each pod whose anomaly fires gets {@link IncidentGuess}: the most probable class, its
 * probability and the version. The window's length is read from the model's column names
 * (`cpu_per_traffic_mean10` → 10); a column the window does not have is a missing value, and a model
 * that knows fewer than half of its columns here (trained on another layout) is not used.
 *
 * The production version is looked up in the registry at most every `checkEveryMs` (a SELECT), so a
 * version promoted by the dataset watch, `kad models promote` or `kad models rollback` is used from
 * the next cycle on, without a restart. `anomaly_detector_model_accuracy{model,version}` is its
 * validation macro-F1.
 *
 * A neural version (mlp, cnn, gnn, or a stack with one) needs TensorFlow.js, which is loaded only on
 * demand (classifiers/index.ts): the namer loads it in the background and uses the version once it is
 * there (the version before it, if any, goes on naming meanwhile); {@link IncidentNamer.settled} says
 * when. Trees never load it.
 */
import type { Frame } from '../core/frame.js';
import type { Logger } from '../core/logger.js';
import { podKey } from '../core/series.js';
import type { Classifier } from '../classifiers/classifier.js';
import { TableEncoder } from '../classifiers/encoding.js';
import { classifiersPrepared, loadClassifier, prepareClassifiers } from '../classifiers/index.js';
import { FeatureWindow, windowFeatureNames } from '../features/feature-window.js';
import { POD_FEATURES } from '../features/pod-features.js';
import type { CycleResult } from '../policy/cycle-result.js';
import type { ClassifierRegistry, ClassifierVersion, RegistryEntry } from '../registry/classifier-versions.js';
import type { Telemetry } from '../telemetry/metrics.js';

/** The production classifier as the service uses it. */
interface Loaded {
  entry: RegistryEntry;
  encoder: TableEncoder;
  model: Classifier;
  /** Per model column, its index in the window summary (-1: missing). */
  columns: Int32Array;
  window: FeatureWindow;
}

/** Settings of an {@link IncidentNamer}. */
export interface IncidentNamerOptions {
  registry: ClassifierRegistry;
  telemetry?: Pick<Telemetry, 'modelAccuracy'>;
  log: Logger;
  /** Wall-clock ms, for how often the registry is looked at (default Date.now). */
  now?: () => number;
  /** Look for a new production version at most this often (default 5000 ms). */
  checkEveryMs?: number;
}

/** What {@link IncidentNamer.status} says. */
export interface IncidentNamerStatus {
  /** The production version in use (null: none). */
  version: string | null;
  /** Why the production version is not used (another feature layout, an unreadable file), if so. */
  problem: string | null;
}

/** See the module comment. */
export class IncidentNamer {
  private loaded: Loaded | null = null;
  private seen: string | null = null;
  private problem: string | null = null;
  private checkedAt = -Infinity;
  /** TensorFlow.js loading for the production version `for`, if so (see the module comment). */
  private preparing: { for: string; done: Promise<void> } | null = null;
  private readonly now: () => number;

  constructor(private readonly o: IncidentNamerOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Looks at the registry now and loads its production version when it changed. */
  reload(): void {
    this.checkedAt = this.now();
    let version: string | null;
    try {
      version = this.o.registry.productionOrNull();
    } catch (e) {
      this.o.log.warn({ err: (e as Error).message }, 'cannot read the classifier registry; incident types keep the last production version');
      return;
    }
    if (version === this.seen || version === this.preparing?.for) return;
    let doc: ClassifierVersion | undefined;
    let unreadable: unknown;
    if (version !== null) {
      try {
        doc = this.o.registry.load(version);
      } catch (e) {
        unreadable = e;
      }
      if (doc && !classifiersPrepared(doc.model)) return this.prepare(version, doc.model);
    }
    this.seen = version;
    this.o.telemetry?.modelAccuracy.reset();
    this.loaded = null;
    this.problem = null;
    if (version === null) return;
    try {
      if (!doc) throw unreadable;
      this.loaded = this.load(version, doc);
      const { entry } = this.loaded;
      this.o.telemetry?.modelAccuracy.set({ model: entry.algorithm, version }, entry.macroF1);
      this.o.log.info({ version, algorithm: entry.algorithm, macroF1: entry.macroF1 }, 'incident classifier in production');
    } catch (e) {
      this.problem = (e as Error).message;
      this.o.log.warn({ version, err: this.problem }, 'the production incident classifier is not used');
    }
  }

  /** Resolves once the TensorFlow.js load started for a neural production version, if any, has finished and the version is in use (or its problem said). */
  async settled(): Promise<void> {
    while (this.preparing) await this.preparing.done;
  }

  /**
   * Loads what `version`'s model needs (TensorFlow.js for a neural one) in the background, then looks
   * at the registry again; the version in use, if any, goes on naming meanwhile.
   */
  private prepare(version: string, model: unknown): void {
    this.o.log.info({ version }, 'loading TensorFlow.js for the production incident classifier');
    const done = prepareClassifiers(model).then(
      () => {
        this.preparing = null;
        this.reload();
      },
      (e: unknown) => {
        this.preparing = null;
        this.seen = version;
        this.o.telemetry?.modelAccuracy.reset();
        this.loaded = null;
        this.problem = `cannot load TensorFlow.js for it: ${(e as Error).message}`;
        this.o.log.warn({ version, err: this.problem }, 'the production incident classifier is not used');
      },
    );
    this.preparing = { for: version, done };
  }

  /** The version in use and why not, if it is not. */
  status(): IncidentNamerStatus {
    return { version: this.loaded?.entry.version ?? null, problem: this.problem };
  }

  /** Pushes every pod's features into its window and names the incident of each firing pod (see the module comment). */
  annotate(result: CycleResult): void {
    if (this.now() - this.checkedAt >= (this.o.checkEveryMs ?? 5000)) this.reload();
    const m = this.loaded;
    if (!m) return;
    for (const ref of result.departed) m.window.forget(podKey(ref));
    const firing: { o: CycleResult['pods'][number]; summary: Float64Array }[] = [];
    const x = new Float64Array(POD_FEATURES.length);
    for (const o of result.pods) {
      const f = o.result.features;
      for (let j = 0; j < POD_FEATURES.length; j++) x[j] = f[POD_FEATURES[j]] ?? NaN;
      const summary = m.window.push(podKey(o.result.ref), x);
      if (o.anomaly) firing.push({ o, summary });
    }
    if (firing.length === 0) return;
    const cols = m.columns.length;
    const data = new Float64Array(firing.length * cols);
    firing.forEach(({ summary }, i) => {
      for (let j = 0; j < cols; j++) data[i * cols + j] = m.columns[j] >= 0 ? summary[m.columns[j]] : NaN;
    });
    const frame: Frame = { names: m.encoder.names, rows: firing.length, cols, data };
    const p = m.model.predictProba(frame);
    const C = m.model.classes.length;
    firing.forEach(({ o }, i) => {
      let best = 0;
      for (let k = 1; k < C; k++) if (p[i * C + k] > p[i * C + best]) best = k;
      o.anomaly!.incident = { type: m.model.classes[best], probability: p[i * C + best], version: m.entry.version };
    });
  }

  private load(version: string, doc: ClassifierVersion): Loaded {
    const entry = this.o.registry.index().versions.find((e) => e.version === version);
    const encoder = TableEncoder.fromJSON(doc.encoder);
    const model = loadClassifier(doc.model);
    const names = encoder.names;
    const size = Number(names.map((n) => /_mean(\d+)$/.exec(n)?.[1]).find((s) => s !== undefined) ?? 10);
    const window = windowFeatureNames(POD_FEATURES, size);
    const columns = Int32Array.from(names, (n) => window.indexOf(n));
    const known = columns.filter((c) => c >= 0).length;
    if (known * 2 < names.length) {
      throw new Error(`${version} was trained on other features (${known} of its ${names.length} columns are in the service's window of ${window.join(', ')}); train it on \`kad simulate --export-labeled\`'s layout`);
    }
    return { entry: entry ?? { version, algorithm: doc.algorithm, params: doc.params, dataSha256: doc.data.sha256, macroF1: doc.metrics.macroF1, recall: {}, createdAt: doc.createdAt, stage: 'production' }, encoder, model, columns, window: new FeatureWindow(POD_FEATURES.length, size) };
  }
}
