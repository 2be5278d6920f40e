#!/usr/bin/env node
/**
 * The `sekiwake` command: one subcommand per service, `up` for the whole
 * stack, `send` for test traffic, `check` for a configuration.
 */
import {
  createLogger,
  EXIT,
  exitCodeFor,
  loadConfig,
  runService,
  SekiwakeError,
  SERVICE_NAMES,
  type Config,
  type ServiceName,
} from '@sekiwake/shared';
import { parse, usage } from './commands/args.js';
import { send } from './commands/send.js';
import { loadService } from './services.js';

const USAGE = `usage: sekiwake <command> [options]

commands:
  up [--config FILE] [--scale SERVICE=N ...]   run every enabled service
  SERVICE [--config FILE]                        run one service, one of:
      ${SERVICE_NAMES.join(', ')}
  check [--config FILE]                          validate a configuration and print it
  keygen                                         print a CURVE key pair for bus.curve
  send syslog --to HOST:PORT [--rate PPS] [--count N] [--size BYTES]
              [--format rfc3164|rfc5424] [--start-seq N] [--source ADDR]
  send flow --version 5|9|10|sflow --to HOST:PORT [--rate PPS] [--count N]
              [--records N] [--template-every N] [--domain N] [--start-seq N]
              [--skip 3,7,10-12] [--source ADDR]
  send trap --version 1|2c|3 --to HOST:PORT [--rate PPS] [--count N]
              [--community C] [--user NAME] [--engine-id HEX] [--start-seq N]
  search [options]                               find messages in the store's archive
  replay [options]                               re-send archived messages
  anomaly --read FILE [options]                  run the detector offline

The configuration file may also be named by SEKIWAKE_CONFIG; variables
SEKIWAKE_<SECTION>__<KEY>=VALUE override it (see the README).`;

function configFile(values: { config?: string | undefined }): string | undefined {
  return values.config ?? process.env.SEKIWAKE_CONFIG;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (command === 'anomaly' && rest.some((a) => a === '--read' || a.startsWith('--read='))) return (await import('./commands/anomaly-offline.js')).run(rest);
  if ((SERVICE_NAMES as string[]).includes(command)) return runOne(command as ServiceName, rest);
  switch (command) {
    case 'search':
      return (await import('./commands/search.js')).run(rest);
    case 'replay':
      return (await import('./commands/replay.js')).run(rest);
    case 'up':
      return runUp(rest);
    case 'check':
      return check(rest);
    case 'send':
      return send(rest);
    case 'keygen':
      return keygen();
    default:
      throw usage(`unknown command "${command}"`);
  }
}

// A CURVE key pair in Z85 text, for bus.curve in the configuration.
async function keygen(): Promise<number> {
  const { curveKeyPair } = await import('zeromq');
  process.stdout.write(`${JSON.stringify(curveKeyPair())}\n`);
  return EXIT.OK;
}

async function runOne(name: ServiceName, args: string[]): Promise<number> {
  const { values } = parse(args, { config: { type: 'string', short: 'c' } });
  const config = loadConfig(configFile(values as { config?: string }));
  const start = await loadService(name);
  return runService(name, config, start);
}

async function runUp(args: string[]): Promise<number> {
  const { values } = parse(args, { config: { type: 'string', short: 'c' }, scale: { type: 'string', multiple: true } });
  const file = configFile(values as { config?: string });
  const config: Config = loadConfig(file);
  const scale = parseScale((values.scale as string[] | undefined) ?? []);
  const { up } = await import('./up.js');
  return up(config, file, scale);
}

function parseScale(items: string[]): Map<ServiceName, number> {
  const out = new Map<ServiceName, number>();
  for (const item of items) {
    const m = item.match(/^([a-z-]+)=(\d+)$/);
    if (!m || !(SERVICE_NAMES as string[]).includes(m[1]!)) throw usage(`--scale wants SERVICE=N, got "${item}"`);
    const n = Number(m[2]);
    if (n < 1 || n > 64) throw usage(`--scale ${m[1]} must be 1..64`);
    out.set(m[1] as ServiceName, n);
  }
  return out;
}

function check(args: string[]): number {
  const { values } = parse(args, { config: { type: 'string', short: 'c' } });
  const config = loadConfig(configFile(values as { config?: string }));
  process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
  return EXIT.OK;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof SekiwakeError && (err.code === 'E_USAGE' || err.code.startsWith('E_CONFIG'))) {
      process.stderr.write(`sekiwake: ${err.message}\n`);
    } else {
      createLogger('sekiwake').fatal({ err }, 'command failed');
    }
    process.exitCode = exitCodeFor(err);
  },
);
