// Number and time formats of the dashboard.

/** A score in [0, 1]: 3 decimals, or 2 significant digits below 0.001 (scores and thresholds can be tiny). */
export function fmtScore(s) {
  if (typeof s !== 'number' || !Number.isFinite(s)) return '–';
  return s === 0 || Math.abs(s) >= 0.001 ? s.toFixed(3) : s.toExponential(1);
}

/** Bytes with a binary unit. */
export function fmtBytes(b) {
  if (typeof b !== 'number' || !Number.isFinite(b)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = Math.abs(b);
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${b < 0 ? '-' : ''}${v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** CPU cores, in millicores below one core. */
export function fmtCores(c) {
  if (typeof c !== 'number' || !Number.isFinite(c)) return '–';
  return Math.abs(c) < 1 ? `${(c * 1000).toFixed(0)}m` : c.toFixed(2);
}

/** A plain number, short. */
export function fmtNum(x) {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  if (a > 0 && a < 0.01) return x.toExponential(1);
  return a >= 10 || a === 0 ? x.toFixed(0) : x.toFixed(2);
}

/** A duration in seconds, as "2 h 05 min", "4 min", "35 s". */
export function fmtDuration(s) {
  if (typeof s !== 'number' || !Number.isFinite(s)) return '–';
  s = Math.max(0, Math.round(s));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const hrs = Math.floor(m / 60);
  if (hrs < 48) return m % 60 ? `${hrs} h ${String(m % 60).padStart(2, '0')} min` : `${hrs} h`;
  return `${Math.round(hrs / 24)} d`;
}

/** A time (epoch ms) as local date and time to the second. */
export function fmtTime(t) {
  if (typeof t !== 'number' || !Number.isFinite(t)) return '–';
  const d = new Date(t);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** How long before `now` the time `t` was ("5 min ago"). */
export function fmtAgo(t, now) {
  if (typeof t !== 'number' || !Number.isFinite(t)) return '–';
  const s = (now - t) / 1000;
  return s < 0 ? `in ${fmtDuration(-s)}` : `${fmtDuration(s)} ago`;
}

/** A metric value in its unit, by metric name (cpu: cores, memory: bytes, network: bytes/s). */
export function fmtMetric(metric, v) {
  if (/cpu/.test(metric)) return fmtCores(v);
  if (/memory/.test(metric)) return fmtBytes(v);
  if (/rx|tx|network/.test(metric) && !/packets|dropped/.test(metric)) return `${fmtBytes(v)}/s`;
  return fmtNum(v);
}

/** A feature name for people: "cpu_above_peers" → "cpu above peers". */
export const fmtFeature = (f) => String(f).replace(/_/g, ' ');
