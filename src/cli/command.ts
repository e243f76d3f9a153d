/**
 * The shape of a `kad` command, and the shared option parsing and help text, so every command's
 * `--help` is generated from the same table it parses.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors.js';

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
}

/** A `kad` sub-command. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /** Extra help text after the options. */
  details?: string;
  run(values: Record<string, string | boolean | string[] | undefined>, io: CommandIO): Promise<number>;
}

/** Renders `kad <command> --help`. */
export function commandHelp(cmd: Command): string {
  const opts = Object.entries(cmd.options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.value ? ` ${o.value}` : ''}`;
    return `  ${flag.padEnd(30)} ${o.description}`;
  });
  return [`Usage: ${cmd.usage}`, '', cmd.summary, '', 'Options:', ...opts, `      ${'--help'.padEnd(26)} Show this help`, ...(cmd.details ? ['', cmd.details] : []), ''].join('\n');
}

/** Parses `argv` for `cmd`; unknown options and stray arguments are a UsageError naming them. */
export function parseCommandArgs(cmd: Command, argv: string[]): Record<string, string | boolean | string[] | undefined> {
  const options = Object.fromEntries(
    Object.entries(cmd.options).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]),
  );
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" (see kad ${cmd.name} --help)`);
    return values as Record<string, string | boolean | string[] | undefined>;
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
