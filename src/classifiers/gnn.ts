/**
 * Graph classifier: GraphSAGE-style message passing over a call graph (each layer
 * `h'_v = ReLU(h_v·W_self + mean_{u ∈ N(v)} h_u·W_neigh + b)`, N(v) the callers and callees of v, dropout
 * after each), weights shared by every node, then two heads: a node head that scores each (node, type)
 * and a graph head (mean of the nodes) that scores the classes that name no node. Trained by neural.ts
 * (Adam, weighted cross-entropy, L2, early stopping, seeded), inputs standardised per column with missing
 * values imputed by the training mean.
 *
 * Frame contract: one row per graph sample (e.g. one fault window of the whole application), columns
 * `<node>/<feature>`, node-major, every node with the same features in the same order; a node absent
 * from a sample has missing values. A frame whose names have no `/` is one node (then this is an MLP).
 * The graph is the `edges` setting: `[[caller, callee], …]` by node name (a model is data: the edges
 * are saved with it). Labels: `<node>:<type>` (or `<node>`) says which node is faulty and how; any other
 * label (e.g. `ok`) is a graph-level class. The classes are every node with every type seen in
 * training (so a fault type seen on one node can be named on another), plus the graph-level labels.
 *
 * With `edges: []` the same model sees no graph: each node's own features through the same shared
 * layers and heads, an MLP on per-node features: the graph's twin for an ablation.
 */
import { InputError } from '../core/errors.js';
import { paramReader } from '../core/params.js';
import { tf } from '../core/tf.js';
import type { ClassifierSnapshot } from './classifier.js';
import { intListParam, NeuralClassifier, readTrainParams, TRAIN_PARAMS, type Net, type TrainParams, type WeightSpec } from './neural.js';

/** GNN settings: the graph, the layers and the training settings of neural.ts. */
export interface GnnParams extends TrainParams {
  /** Call edges `[caller, callee]` by node name (default none: no message passing). */
  edges?: [string, string][];
  /** Widths of the message-passing layers (default [32, 32]). */
  hidden?: number[];
}

const KIND = 'gnn';
const FORMAT_VERSION = 1;

/** Checks GNN settings and fills in defaults; throws {@link InputError} naming a bad one. */
export function resolveGnnParams(p: Record<string, unknown>): Required<GnnParams> {
  const num = paramReader(KIND, p, ['edges', 'hidden', ...TRAIN_PARAMS]);
  const edges = p.edges ?? [];
  if (!Array.isArray(edges) || !edges.every((e) => Array.isArray(e) && e.length === 2 && e.every((x) => typeof x === 'string'))) {
    throw new InputError(`${KIND}: edges must be a list of [caller, callee] node names, got ${JSON.stringify(p.edges)}`);
  }
  return { edges: edges.map((e) => [e[0], e[1]] as [string, string]), hidden: intListParam(KIND, p, 'hidden', [32, 32], 1), ...readTrainParams(num) };
}

/** The nodes and per-node features of a frame's columns (see the module comment). Throws {@link InputError} when they are not node-major with the same features per node. */
export function graphShape(names: readonly string[]): { nodes: string[]; features: string[] } {
  if (!names.some((n) => n.includes('/'))) return { nodes: [''], features: [...names] };
  const nodes: string[] = [];
  for (const n of names) {
    const node = n.slice(0, n.indexOf('/'));
    if (nodes[nodes.length - 1] !== node) nodes.push(node);
  }
  const F = names.length / nodes.length;
  const features = names.slice(0, F).map((n) => n.slice(n.indexOf('/') + 1));
  names.forEach((n, j) => {
    const want = `${nodes[Math.floor(j / F)]}/${features[j % F]}`;
    if (!Number.isInteger(F) || new Set(nodes).size !== nodes.length || n !== want) {
      throw new InputError(`${KIND}: column ${j + 1} is ${JSON.stringify(n)}${Number.isInteger(F) ? `, expected ${JSON.stringify(want)}` : ''}: the columns must be <node>/<feature>, node by node, the same features for every node`);
    }
  });
  return { nodes, features };
}

/** A label's node and type, when it names a node of `nodes`. */
function nodeClass(label: string, nodes: readonly string[]): { node: string; type: string } | undefined {
  const i = label.indexOf(':');
  const node = i < 0 ? label : label.slice(0, i);
  return nodes.includes(node) && !(nodes.length === 1 && nodes[0] === '') ? { node, type: i < 0 ? '' : label.slice(i + 1) } : undefined;
}

/** The class list for training labels over `nodes`: every node with every node-level type seen, and the graph-level labels; sorted. */
export function graphClasses(labels: readonly string[], nodes: readonly string[]): string[] {
  const types = new Set<string>();
  const graph = new Set<string>();
  for (const l of new Set(labels)) {
    const c = nodeClass(l, nodes);
    if (c) types.add(c.type);
    else graph.add(l);
  }
  const out = new Set(graph);
  for (const n of nodes) for (const t of types) out.add(t === '' ? n : `${n}:${t}`);
  return [...out].sort();
}

/** Row-normalised neighbour matrix (callers and callees, self loops dropped), N × N, row-major. */
function neighbourMatrix(nodes: readonly string[], edges: readonly [string, string][]): Float32Array {
  const N = nodes.length;
  const a = new Float32Array(N * N);
  for (const [u, v] of edges) {
    const i = nodes.indexOf(u), j = nodes.indexOf(v);
    if (i < 0 || j < 0) throw new InputError(`${KIND}: edge [${JSON.stringify(u)}, ${JSON.stringify(v)}] names a node the columns lack (nodes: ${nodes.join(', ')})`);
    if (i === j) continue;
    a[i * N + j] = a[j * N + i] = 1;
  }
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += a[i * N + j];
    for (let j = 0; j < N && s > 0; j++) a[i * N + j] /= s;
  }
  return a;
}

/** The network; see the module comment. */
function graphNet(nodes: readonly string[], F: number, classes: readonly string[], p: Required<GnnParams>): Net {
  const N = nodes.length;
  const useGraph = p.edges.length > 0;
  const A = useGraph ? neighbourMatrix(nodes, p.edges) : null;
  const parsed = classes.map((c) => nodeClass(c, nodes));
  const types = [...new Set(parsed.filter((c) => c !== undefined).map((c) => c.type))].sort();
  const graphLabels = classes.filter((_, k) => parsed[k] === undefined);
  const T = types.length, G = graphLabels.length;
  // Each class's column in [node logits (N × T, node-major) | graph logits (G)].
  const index = Int32Array.from(classes, (c, k) => {
    const nc = parsed[k];
    return nc ? nodes.indexOf(nc.node) * T + types.indexOf(nc.type) : N * T + graphLabels.indexOf(c);
  });
  const K = classes.length;
  const pick = new Float32Array((N * T + G) * K);
  index.forEach((col, k) => { pick[col * K + k] = 1; });
  const weights: WeightSpec[] = [];
  let inF = F;
  for (const h of p.hidden) {
    weights.push({ shape: [inF, h], kernel: true });
    if (useGraph) weights.push({ shape: [inF, h], kernel: true });
    weights.push({ shape: [h], kernel: false });
    inF = h;
  }
  const H = inF;
  if (T > 0) weights.push({ shape: [H, T], kernel: true }, { shape: [T], kernel: false });
  if (G > 0) weights.push({ shape: [H, G], kernel: true }, { shape: [G], kernel: false });
  return {
    weights,
    logits(w, x, drop) {
      const B = x.shape[0];
      const At = A ? tf.tensor2d(A, [N, N]) : null;
      let h = tf.reshape(x, [B * N, F]) as tf.Tensor2D;
      let at = 0, width = F;
      for (const hw of p.hidden) {
        let z = tf.matMul(h, w[at++] as tf.Tensor2D);
        if (At) {
          // Mean of the neighbours' h: (A · h) per sample, as one matMul on [N, B·width].
          const byNode = tf.reshape(tf.transpose(tf.reshape(h, [B, N, width]), [1, 0, 2]), [N, B * width]);
          const agg = tf.reshape(tf.transpose(tf.reshape(tf.matMul(At, byNode), [N, B, width]), [1, 0, 2]), [B * N, width]);
          z = tf.add(z, tf.matMul(agg as tf.Tensor2D, w[at++] as tf.Tensor2D));
        }
        h = drop(tf.relu(tf.add(z, w[at++]))) as tf.Tensor2D;
        width = hw;
      }
      const parts: tf.Tensor2D[] = [];
      if (T > 0) {
        parts.push(tf.reshape(tf.add(tf.matMul(h, w[at] as tf.Tensor2D), w[at + 1]), [B, N * T]) as tf.Tensor2D);
        at += 2;
      }
      if (G > 0) parts.push(tf.add(tf.matMul(tf.mean(tf.reshape(h, [B, N, H]), 1) as tf.Tensor2D, w[at] as tf.Tensor2D), w[at + 1]) as tf.Tensor2D);
      const all = parts.length === 1 ? parts[0] : tf.concat(parts, 1);
      // Each class's column picked by a 0/1 matrix (a matMul: tf.gather's gradient has no wasm kernel).
      return tf.matMul(all, tf.tensor2d(pick, [N * T + G, K])) as tf.Tensor2D;
    },
  };
}

/** The graph classifier; see the module comment. */
export class GnnClassifier extends NeuralClassifier<GnnParams> {
  readonly kind = KIND;
  protected readonly formatVersion = FORMAT_VERSION;

  /** An unfitted model; `seed` sets the initial weights, the validation split, the shuffles and the dropout masks. */
  constructor(params: GnnParams = {}, seed = 0) {
    super(resolveGnnParams(params as Record<string, unknown>), seed >>> 0);
  }

  /** The classes: {@link graphClasses} of the labels. */
  protected override classList(names: readonly string[], labels: readonly string[]): string[] {
    return graphClasses(labels, graphShape(names).nodes);
  }

  protected buildNet(features: readonly string[], classes: readonly string[]): Net {
    const { nodes, features: perNode } = graphShape(features);
    return graphNet(nodes, perNode.length, classes, this.params);
  }

  /** Restores a model saved by {@link GnnClassifier.toJSON}; throws {@link ModelFormatError} naming the bad field. */
  static fromJSON(s: ClassifierSnapshot): GnnClassifier {
    return NeuralClassifier.restore(s, KIND, FORMAT_VERSION, (p, seed) => new GnnClassifier(p as GnnParams, seed));
  }
}
