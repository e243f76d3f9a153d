/**
 * `kad serve`: runs the service (what `npm start` runs). Config from --config, the environment, and
 * these options, in increasing precedence.
 */
import { HELP_ENV_VARS } from '../config/help-env.js';
import { untilAborted, type Command } from './command.js';

/** The widest variable name, so that the settings' paths line up. */
const ENV_NAME_WIDTH = Math.max(...HELP_ENV_VARS.map((v) => v.name.length));

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Watch the cluster (or the embedded simulated one) and serve scores over HTTP',
  usage: 'kad serve [--config kad.yaml] [--port N] [--host ADDR] [--model DIR]',
  options: {
    config: { type: 'string', short: 'c', value: 'FILE', description: 'YAML config file (see README, "Configuration")' },
    port: { type: 'string', short: 'p', value: 'N', description: 'Port to listen on (default $PORT or 8080)' },
    host: { type: 'string', value: 'ADDR', description: 'Address to listen on (default 0.0.0.0)' },
    model: { type: 'string', short: 'm', value: 'DIR', description: 'Load models written by kad train instead of training at start' },
  },
  details: [
    'Environment variables (file < environment < options):',
    ...HELP_ENV_VARS.map((v) => `  ${v.name.padEnd(ENV_NAME_WIDTH)} ${v.path} (default ${v.default === undefined ? 'unset' : JSON.stringify(v.default)})`),
    '',
    'With PROMETHEUS_URL unset, the source is the embedded simulated cluster.',
  ].join('\n'),
  async run(v, io) {
    const { loadConfig } = await import('../config/load.js'); // loaded here: `kad serve --help` does not need the schema
    const config = loadConfig({
      env: io.env,
      file: typeof v.config === 'string' ? v.config : undefined,
      overrides: { 'server.port': v.port, 'server.host': v.host, 'training.modelDir': v.model },
    });
    const { startService } = await import('../main.js'); // loaded here: `kad serve --help` does not need it
    const service = await startService(config);
    io.stderr(`kad: serving on ${service.url} (docs at ${service.url}/docs)\n`);
    await untilAborted(io.stopSignal);
    await service.close();
    return 0;
  },
};
