// Time-series charts over uPlot: lines, range bands (expected range, forecast intervals), a threshold
// line, and shaded intervals (where a pod was flagged). Charts with the same `sync` key share the cursor.
import uPlot from './vendor/uPlot.esm.js';

/** Colours of the lines, in order; bands and shading have their own. */
export const COLORS = ['#2563eb', '#0d9488', '#9333ea', '#d97706', '#db2777'];
const SHADE = 'rgba(220, 38, 38, 0.16)';
const THRESHOLD = '#dc2626';

/**
 * The intervals [from, to] (epoch ms) where `flags` is true, each reaching one step past its last
 * flagged point (a flag at t covers the step that ends at t + step).
 */
export function flaggedIntervals(t, flags, stepMs) {
  const out = [];
  let start = null;
  for (let i = 0; i < t.length; i++) {
    if (flags?.[i] && start === null) start = t[i];
    const endsHere = flags?.[i] && !flags?.[i + 1];
    if (endsHere) {
      out.push([start, t[i] + (stepMs || 0)]);
      start = null;
    }
  }
  return out;
}

function shadeHook(getIntervals) {
  return (u) => {
    const { ctx, bbox } = u;
    ctx.save();
    ctx.fillStyle = SHADE;
    for (const [from, to] of getIntervals()) {
      const x0 = Math.max(bbox.left, u.valToPos(from / 1000, 'x', true));
      const x1 = Math.min(bbox.left + bbox.width, u.valToPos(to / 1000, 'x', true));
      if (x1 > x0) ctx.fillRect(x0, bbox.top, Math.max(1, x1 - x0), bbox.height);
    }
    ctx.restore();
  };
}

/** The y range: the data's, widened to `y.min` / `y.max` where given, never empty. */
function yRange(y, lo, hi) {
  let min = y?.min !== undefined ? Math.min(y.min, lo ?? y.min) : lo;
  let max = y?.max !== undefined ? Math.max(y.max, hi ?? y.max) : hi;
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max <= min) max = min + (Math.abs(min) || 1);
  else if (y?.min === undefined) min -= (max - min) * 0.05;
  return [min, max + (y?.max === undefined ? (max - min) * 0.05 : 0)];
}

/** Every other power of ten from `min` to `max` (ending at `max`'s). */
function logSplits(min, max) {
  const out = [];
  for (let e = Math.round(Math.log10(max)); e >= Math.log10(min) - 1e-9; e -= 2) out.unshift(10 ** e);
  return out;
}

function build(spec) {
  const t = spec.t.map((x) => x / 1000);
  const data = [t];
  const series = [{}];
  const bands = [];
  spec.series.forEach((s, i) => {
    data.push(s.values);
    series.push({
      label: s.label,
      stroke: s.color ?? COLORS[i % COLORS.length],
      width: s.width ?? 1.5,
      dash: s.dash,
      spanGaps: false,
      points: { show: false },
      value: (_u, v) => (v === null || v === undefined ? '–' : (spec.format ?? String)(v)),
    });
  });
  for (const b of spec.bands ?? []) {
    const hi = data.length;
    data.push(b.hi, b.lo);
    series.push({ label: `${b.label} high`, stroke: b.color, width: 0, points: { show: false }, value: (_u, v) => (v == null ? '–' : (spec.format ?? String)(v)) });
    series.push({ label: `${b.label} low`, stroke: b.color, width: 0, points: { show: false }, value: (_u, v) => (v == null ? '–' : (spec.format ?? String)(v)) });
    bands.push({ series: [hi, hi + 1], fill: b.color });
  }
  if (spec.threshold !== undefined && spec.threshold !== null) {
    const th = Array.isArray(spec.threshold) ? spec.threshold : t.map(() => spec.threshold);
    data.push(th);
    series.push({ label: 'threshold', stroke: THRESHOLD, width: 1, dash: [6, 4], points: { show: false }, value: (_u, v) => (v == null ? '–' : (spec.format ?? String)(v)) });
  }
  return { data, series, bands };
}

/**
 * Draws a chart into `el` (which keeps it as `el.uplot`, its shaded intervals as `el.shaded` and their
 * number as `data-shaded`). `spec`: { title, t: epoch ms[], series: [{ label, values, color?, width?, dash? }],
 * bands?: [{ label, lo, hi, color }], threshold?: number | number[], shade?: [from, to][] (epoch ms),
 * format?: (v) => string, height?, sync?, xAxis?: false, y?: { min?, max?, log? } } (log: a log10 axis from min to
 * max, both > 0). Returns { update(spec), destroy() }; `update` with
 * the same series and bands replaces the data, otherwise the chart is built again.
 */
export function timeChart(el, spec) {
  let current = spec;
  let shade = spec.shade ?? [];
  let u = null;
  let shape = '';

  const make = () => {
    u?.destroy();
    const { data, series, bands } = build(current);
    shape = series.map((s) => s.label).join('|');
    const fmt = current.format ?? ((v) => String(v));
    u = new uPlot({
      title: current.title,
      width: Math.max(200, el.clientWidth || 600),
      height: current.height ?? 160,
      series,
      bands,
      cursor: current.sync ? { sync: { key: current.sync } } : {},
      scales: { x: { time: true }, y: current.y?.log ? { distr: 3, log: 10, range: [current.y.min, current.y.max] } : { range: (_u, lo, hi) => yRange(current.y, lo, hi) } },
      // Without an x axis (`xAxis: false`: a chart stacked above another with the same times) its grid stays.
      axes: [current.xAxis === false ? { space: 80, size: 6, ticks: { show: false }, values: (_u, splits) => splits.map(() => '') } : { space: 80 }, {
        size: 78,
        values: (_u, splits) => splits.map((v) => (v === null ? '' : fmt(v))),
        // A log axis: a line at every other power of ten, not at each of its 2..9 steps.
        ...(current.y?.log ? { splits: () => logSplits(current.y.min, current.y.max), filter: (_u, splits) => splits } : {}),
      }],
      hooks: { drawClear: [shadeHook(() => shade)] },
    }, data, el);
    el.uplot = u;
    el.shaded = shade;
    el.dataset.shaded = String(shade.length);
  };

  make();
  const resize = new ResizeObserver(() => {
    const w = el.clientWidth;
    if (u && w && Math.abs(w - u.width) > 1) u.setSize({ width: w, height: current.height ?? 160 });
  });
  resize.observe(el);

  return {
    update(next) {
      current = next;
      shade = next.shade ?? [];
      const built = build(next);
      if (built.series.map((s) => s.label).join('|') !== shape) return make();
      u.setData(built.data);
      el.shaded = shade;
      el.dataset.shaded = String(shade.length);
    },
    destroy() {
      resize.disconnect();
      u?.destroy();
      u = null;
    },
  };
}
