#!/usr/bin/env node
/**
 * `kad`: the command-line entry point. Dispatches to a sub-command and turns errors into messages and
 * exit codes (2 for bad usage, input or configuration; 1 for other failures; 130 or 143 when stopped by SIGINT or SIGTERM).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KadError } from '../core/errors.js';
import { VERSION } from '../version.js';
import { commandHelp, parseCommandArgs, StoppedError, stoppedExitCode, subcommandHelp, type Command, type CommandIO } from './command.js';

/** A command as the top-level help lists it; its module is loaded only when it runs or shows its help. */
export interface CommandEntry {
  name: string;
  /** The same as the command's own `summary` (a test checks). */
  summary: string;
  load: () => Promise<Command>;
}

/**
 * Every command, loaded on demand: `kad score` does not load the server, the config schema or the
 * simulator (about 0.5 s of start-up).
 */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'serve', summary: 'Watch the cluster (or the embedded simulated one) and serve scores over HTTP', load: async () => (await import('./serve.js')).serveCommand },
  { name: 'train', summary: 'Train the pod models from the source and write them to a directory', load: async () => (await import('./train.js')).trainCommand },
  { name: 'simulate', summary: 'Serve the simulated cluster as a Prometheus exporter with ground truth', load: async () => (await import('./simulate.js')).simulateCommand },
  { name: 'score', summary: 'Score a CSV time series and write timestamp,score,is_anomaly', load: async () => (await import('./score.js')).scoreCommand },
  {
    name: 'evaluate', summary: 'Run detectors over a labelled corpus (NAB, ASD, SMD, Nezha) and report NAB score, F1, flags, event recall, delay, false alerts',
    load: async () => (await import('./evaluate-command.js')).evaluateCommand,
  },
  {
    name: 'export-labels', summary: 'Write the anomalies operators gave feedback on as a labeled CSV (one row per cycle of the pod)',
    load: async () => (await import('./export-labels.js')).exportLabelsCommand,
  },
  { name: 'classify', summary: 'Train an incident classifier on a labelled CSV, or name the class of each row of one', load: async () => (await import('./classify.js')).classifyCommand },
  { name: 'check', summary: 'Check the configuration and what it points at: Prometheus (the series kad reads), Alertmanager', load: async () => (await import('./check.js')).checkCommand },
  { name: 'rules', summary: 'Print the Prometheus recording rules that make kad\'s queries cheaper (for KAD_RECORDING_RULES)', load: async () => (await import('./rules.js')).rulesCommand },
  { name: 'models', summary: 'List classifier versions, promote one to production, or roll production back', load: async () => (await import('./models.js')).modelsCommand },
];

function topHelp(): string {
  return [
    'Usage: kad <command> [options]',
    '',
    'k8s-anomaly-detector: per-pod anomaly detection for Kubernetes metrics.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(14)} ${c.summary}`),
    '',
    'Run `kad <command> --help` for the options of a command, `kad --version` for the version.',
    '',
  ].join('\n');
}

/** Runs `kad` with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(topHelp());
    return name ? 0 : 2;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    io.stderr(`kad: unknown command "${name}"\n\n${topHelp()}`);
    return 2;
  }
  let cmd = await entry.load();
  let args = rest;
  if (cmd.subcommands) {
    const sub = cmd.subcommands.find((c) => c.name === `${name} ${rest[0]}`);
    if (!sub) {
      const help = subcommandHelp(cmd);
      if (rest[0] === '--help' || rest[0] === '-h') {
        io.stdout(help);
        return 0;
      }
      io.stderr(rest[0] === undefined ? help : `kad ${name}: unknown sub-command "${rest[0]}"\n\n${help}`);
      return 2;
    }
    cmd = sub;
    args = rest.slice(1);
  }
  try {
    const values = parseCommandArgs(cmd, args);
    if (values.help) {
      io.stdout(commandHelp(cmd));
      return 0;
    }
    return await cmd.run(values, io);
  } catch (e) {
    // Once asked to stop, a failure is the stop's doing (an aborted source query surfaces as it may).
    if (e instanceof StoppedError || io.stopSignal.aborted) {
      // A reader that went away is not news (`kad score --output - | head`): quiet, as a tool killed by SIGPIPE.
      if (io.stopSignal.reason !== 'SIGPIPE') io.stderr(`kad ${cmd.name}: stopped (${String(io.stopSignal.reason ?? 'signal')}); nothing written\n`);
      return stoppedExitCode(io.stopSignal);
    }
    if (e instanceof KadError) {
      io.stderr(`kad ${cmd.name}: ${e.message}\n`);
      return e.exitCode;
    }
    io.stderr(`kad ${cmd.name}: ${(e as Error).stack ?? e}\n`);
    return 1;
  }
}

function isEntryPoint(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const ctrl = new AbortController();
  let finished = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      ctrl.abort(sig); // the reason names the signal: exit 128 + its number
      // The command is done, but a timer or a socket it left keeps the process alive: stop now.
      if (finished) process.exit(stoppedExitCode(ctrl.signal));
    });
  }
  // The reader of stdout went away (`kad score --output - | head`): stop as on a signal, with exit
  // 141 (128 + SIGPIPE) and no message, as a tool that SIGPIPE kills; Node ignores SIGPIPE and would
  // throw the write's EPIPE instead. Nothing can be said on a closed stderr either.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    if (!ctrl.signal.aborted) ctrl.abort('SIGPIPE');
    if (finished) process.exit(stoppedExitCode(ctrl.signal));
  });
  process.stderr.on('error', () => {});
  main(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    stopSignal: ctrl.signal,
    progress: {
      write: (s) => process.stderr.write(s),
      isTTY: process.stderr.isTTY === true,
      get columns() {
        return process.stderr.columns;
      },
    },
  }).then((code) => {
    finished = true;
    process.exitCode = code;
    // On failure, do not wait for timers or sockets a half-started command may have left behind.
    if (code !== 0) process.exit(code);
  });
}
