/**
 * The shape of a `kad` command, and the shared option parsing and help text, so every command's
 * `--help` is generated from the same table it parses.
 */
import { statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors.js';
import { createProgress, NO_PROGRESS, type Progress, type ProgressOptions, type ProgressStream } from '../core/progress.js';
import { makeDirSync, removeMadeDirs } from '../store/make-dir.js';

/** One option of a command. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder shown in help, e.g. FILE. */
  value?: string;
  description: string;
  multiple?: boolean;
}

/** Where a command writes. Passed in so tests can capture it. */
export interface CommandIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); long-running commands await it. */
  stopSignal: AbortSignal;
  /** Where long commands report progress (stderr in `kad`); absent: nowhere. Never stdout, which carries results. */
  progress?: ProgressStream;
}

/** A `kad` sub-command. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /** Extra help text after the options. */
  details?: string;
  /** Names of the positional arguments it takes, in order (`kad models promote VERSION`); each lands in the values under its name. None by default. */
  positionals?: readonly string[];
  /** A command made of sub-commands (`kad classify train`): the first argument picks one; `run` is not called. */
  subcommands?: readonly Command[];
  run(values: Record<string, string | boolean | string[] | undefined>, io: CommandIO): Promise<number>;
}

/** `--quiet` / `-q` of the long commands: no progress on stderr. */
export const QUIET_OPTION: OptionSpec = { type: 'boolean', short: 'q', description: 'No progress on stderr (it is a live line on a terminal, else a line per finished unit)' };

/**
 * The progress of a command run with `values`: on `io.progress` (stderr in `kad`), labelled
 * `kad <command>`; nothing with `--quiet` or without a progress stream.
 */
export function commandProgress(
  io: Pick<CommandIO, 'progress'>, values: Record<string, unknown>, opts: Omit<ProgressOptions, 'stream' | 'now'> & { now?: () => number },
): Progress {
  if (values.quiet === true || !io.progress) return NO_PROGRESS;
  return createProgress({ now: () => performance.now(), ...opts, stream: io.progress });
}

/** The bytes of a command's input file; 0 when not known (`-`, standard input, or a file its reader will say it cannot read). */
export function inputSize(path: string): number {
  try {
    return path === '-' ? 0 : statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Creates a command's output directory (`option` names the flag) before its work starts, so that a
 * path it cannot write is said at once, not after minutes of training. Throws {@link UsageError}
 * with the system's reason. Returns what undoes it: the directories it made are removed, each while
 * empty, when the command then fails (`git clone` does the same).
 */
export function makeOutputDir(dir: string, option: string): () => void {
  try {
    const made = makeDirSync(dir);
    return () => removeMadeDirs(made);
  } catch (e) {
    throw new UsageError(`${option} ${dir}: cannot create the directory (${(e as Error).message})`);
  }
}

/**
 * The progress of a command reading a file of `size` bytes, counted in MB (kB under 1 MB) with a line
 * per tenth off a terminal; see {@link commandProgress}.
 */
export function fileProgress(io: Pick<CommandIO, 'progress'>, values: Record<string, unknown>, label: string, size: number): Progress {
  return commandProgress(io, values, {
    label, total: size, lineEvery: size / 10,
    ...(size >= 1e6 ? { unit: 'MB', format: (n: number) => (n / 1e6).toFixed(1) } : { unit: 'kB', format: (n: number) => (n / 1e3).toFixed(0) }),
  });
}

/** Renders `kad <command> --help`. */
export function commandHelp(cmd: Command): string {
  const opts = Object.entries(cmd.options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.value ? ` ${o.value}` : ''}`;
    return `  ${flag.padEnd(30)} ${o.description}`;
  });
  return [`Usage: ${cmd.usage}`, '', cmd.summary, '', 'Options:', ...opts, `      ${'--help'.padEnd(26)} Show this help`, ...(cmd.details ? ['', cmd.details] : []), ''].join('\n');
}

/** Renders the help of a command made of sub-commands: each one's usage and summary. */
export function subcommandHelp(cmd: Command): string {
  const subs = (cmd.subcommands ?? []).map((c) => `  ${c.usage}\n      ${c.summary}`);
  return [`Usage: ${cmd.usage}`, '', cmd.summary, '', 'Sub-commands:', ...subs, '', `Run \`kad ${cmd.name} <sub-command> --help\` for its options.`, ''].join('\n');
}

/** Parses `argv` for `cmd`; unknown options and stray arguments are a UsageError naming them. */
export function parseCommandArgs(cmd: Command, argv: string[]): Record<string, string | boolean | string[] | undefined> {
  const options = Object.fromEntries(
    Object.entries(cmd.options).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]),
  );
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    const names = cmd.positionals ?? [];
    if (positionals.length > names.length) throw new UsageError(`unexpected argument "${positionals[names.length]}" (see kad ${cmd.name} --help)`);
    const out = values as Record<string, string | boolean | string[] | undefined>;
    positionals.forEach((p, i) => (out[names[i]] = p));
    return out;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${(e as Error).message.replace(/\. To specify.*$/s, '')} (see kad ${cmd.name} --help)`);
  }
}

/** Resolves when `signal` aborts (at once if it already has): long-running commands await it. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * Thrown by a command that stopped because the process was asked to (SIGINT/SIGTERM); `main` turns it
 * into exit code 128 + the signal's number (130 for SIGINT, 143 for SIGTERM).
 */
export class StoppedError extends Error {
  constructor(readonly signalName: string) {
    super(`stopped by ${signalName}`);
    this.name = 'StoppedError';
  }
}

/** The exit code of a command stopped by `signal`'s reason (a signal name): 128 + its number; 130 when unknown. */
export function stoppedExitCode(signal: AbortSignal): number {
  const reason: unknown = signal.reason;
  const n = typeof reason === 'string' ? (osConstants.signals as Record<string, number | undefined>)[reason] : undefined;
  return 128 + (n ?? osConstants.signals.SIGINT);
}

/** Throws {@link StoppedError} when `signal` has aborted: batch commands call it between units of work. */
export function throwIfStopped(signal: AbortSignal): void {
  if (signal.aborted) throw new StoppedError(typeof signal.reason === 'string' ? signal.reason : 'SIGINT');
}

/**
 * Lets the event loop run (signal handlers included), then throws {@link StoppedError} when `signal`
 * has aborted: synchronous loops await it between chunks of work.
 */
export async function yieldAndCheck(signal: AbortSignal): Promise<void> {
  await setImmediatePromise();
  throwIfStopped(signal);
}

/**
 * A check between small units of work: lets the event loop run (signal handlers included) at most
 * every `everyMs`, and throws {@link StoppedError} once `signal` has aborted. For loops whose units take
 * well under a millisecond to tens of milliseconds, where {@link yieldAndCheck} on every unit would
 * cost more than the work.
 */
export function stopCheck(signal: AbortSignal, everyMs = 20): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last >= everyMs) {
      await setImmediatePromise();
      last = performance.now();
    }
    throwIfStopped(signal);
  };
}
