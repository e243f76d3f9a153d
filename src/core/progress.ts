/**
 * Progress of a long command, written to a stream apart from its results (stderr): on a terminal one
 * live line, rewritten in place (`\r`), with done / total, the rate and the time left; elsewhere (a
 * pipe, a log file) one line per finished unit, or per `lineEvery` units. The stream and the clock are
 * passed in, so a test can give a fake stream and a manual clock.
 *
 * @example
 * const p = createProgress({ label: 'kad evaluate', unit: 'series', total: 48, stream, now: () => performance.now() });
 * for (const s of series) { run(s); p.tick(s.name); }
 * p.done();
 */

/** Where progress goes: `write` takes the text as is; `isTTY` picks the live line. */
export interface ProgressStream {
  write(text: string): void;
  /** True on a terminal: one line rewritten in place. */
  isTTY?: boolean;
  /** The terminal's width; the live line is cut to fit. */
  columns?: number;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** What starts each line, e.g. `kad evaluate`. */
  label: string;
  /** The unit counted, e.g. `series`, `MB`, `steps`. */
  unit: string;
  stream: ProgressStream;
  /** The time in milliseconds (any origin). */
  now: () => number;
  /** Units in all; 0 or unset: not known yet ({@link Progress.setTotal}). */
  total?: number;
  /** Not on a terminal: a line each time the count passes a multiple of this. Default 1 (each unit). */
  lineEvery?: number;
  /** Counts as shown (e.g. bytes as MB): default whole numbers. */
  format?: (n: number) => string;
  /** On a terminal: the least time between two redraws, ms. Default 100. */
  redrawMs?: number;
  /** Nothing is shown until this many ms from the start: work done sooner shows no progress. Default 0. */
  quietMs?: number;
}

/** A command's progress (see the module comment). */
export interface Progress {
  /** Sets the units in all (it may grow as the work is found). */
  setTotal(total: number): void;
  /** Sets the count done to `done`, with an optional note on what was done last. */
  update(done: number, note?: string): void;
  /** Adds `n` (default 1) to the count done. */
  tick(note?: string, n?: number): void;
  /** On a terminal, clears the live line (it comes back at the next update), so a message can be written. */
  clear(): void;
  /** Ends it: on a terminal the live line is cleared, so what follows starts on a clean line. */
  done(): void;
}

/** Progress that writes nothing (`--quiet`, or no stream to write to). */
export const NO_PROGRESS: Progress = Object.freeze({ setTotal() {}, update() {}, tick() {}, clear() {}, done() {} });

/** Seconds as `12 s`, `3 min 05 s` or `2 h 07 min`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** `x` with 3 significant digits (whole numbers from 100), trailing zeros dropped. */
function sig3(x: number): string {
  if (x >= 100) return String(Math.round(x));
  const t = x.toPrecision(3);
  return t.includes('.') && !t.includes('e') ? t.replace(/\.?0+$/, '') : t;
}

const plain = (n: number): string => String(Math.round(n));

/** A rate of `perSecond` units: per second, or per minute when below 1 a second. */
function formatRate(perSecond: number, unit: string, format: (n: number) => string | undefined): string {
  const [v, per] = perSecond >= 1 ? [perSecond, 's'] : [perSecond * 60, 'min'];
  return `${format(v) ?? sig3(v)} ${unit}/${per}`;
}

/** Creates a {@link Progress} writing to `opts.stream` (see the module comment). */
export function createProgress(opts: ProgressOptions): Progress {
  const { stream, now, label, unit } = opts;
  const format = opts.format ?? plain;
  const rateFormat = (n: number): string | undefined => (opts.format ? opts.format(n) : undefined);
  const tty = stream.isTTY === true;
  const lineEvery = opts.lineEvery !== undefined && opts.lineEvery > 0 ? opts.lineEvery : 1;
  const redrawMs = opts.redrawMs ?? 100;
  const start = now();
  let total = opts.total ?? 0;
  let count = 0;
  let lastLine = 0; // not a terminal: the multiple of lineEvery last written
  let lastDraw = -Infinity;
  let drawn = false;
  let ended = false;

  const text = (note?: string): string => {
    const elapsed = (now() - start) / 1000;
    const parts = [total > 0 ? `${format(count)}/${format(total)} ${unit} (${Math.min(100, Math.floor((100 * count) / total))}%)` : `${format(count)} ${unit}`];
    const rate = elapsed > 0 ? count / elapsed : 0;
    if (rate > 0) {
      parts.push(formatRate(rate, unit, rateFormat));
      if (total > count) parts.push(`ETA ${formatDuration((total - count) / rate)}`);
    }
    parts.push(`${formatDuration(elapsed)} elapsed`);
    return `${label}: ${parts.join(', ')}${note ? `: ${note}` : ''}`;
  };

  const quietMs = opts.quietMs ?? 0;
  const show = (note: string | undefined, force: boolean): void => {
    if (ended || now() - start < quietMs) return;
    if (tty) {
      const t = now();
      if (!force && t - lastDraw < redrawMs) return;
      lastDraw = t;
      let line = text(note);
      const width = stream.columns ?? 0;
      if (width > 1 && line.length > width - 1) line = line.slice(0, width - 1);
      stream.write(`\r${line}\x1b[K`);
      drawn = true;
      return;
    }
    const step = Math.floor(count / lineEvery);
    const finished = total > 0 && count >= total && lastLine * lineEvery < total;
    if (step > lastLine || finished) {
      lastLine = finished ? Math.ceil(total / lineEvery) : step;
      stream.write(`${text(note)}\n`);
    }
  };

  return {
    setTotal(t) {
      total = t;
    },
    update(done, note) {
      count = done;
      show(note, total > 0 && count >= total);
    },
    tick(note, n = 1) {
      count += n;
      show(note, total > 0 && count >= total);
    },
    clear() {
      if (!tty || !drawn || ended) return;
      stream.write('\r\x1b[K');
      drawn = false;
      lastDraw = -Infinity;
    },
    done() {
      if (ended) return;
      if (tty && drawn) stream.write('\r\x1b[K');
      ended = true;
    },
  };
}
