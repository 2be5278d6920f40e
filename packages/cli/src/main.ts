#!/usr/bin/env node
/**
 * The `sekiwake` command: one subcommand per service, `up` for the whole
 * stack, `send` for test traffic, `check` for a configuration.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
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
import { loadService } from './services.js';

const USAGE = `usage: sekiwake <command> [options]

commands:
  up [--config FILE] [--scale SERVICE=N ...]   run every enabled service
  ${SERVICE_NAMES.join(' | ')} [--config FILE]   run one service
  check [--config FILE]                          validate a configuration and print it
  send syslog --to HOST:PORT [--rate PPS] [--count N] [--size BYTES]
              [--format rfc3164|rfc5424] [--start-seq N] [--source ADDR]

The configuration file may also be named by SEKIWAKE_CONFIG; variables
SEKIWAKE_<SECTION>__<KEY>=VALUE override it (see the README).`;

function usage(problem: string): SekiwakeError {
  return new SekiwakeError('E_USAGE', `${problem}\n\n${USAGE}`);
}

function configFile(values: { config?: string | undefined }): string | undefined {
  return values.config ?? process.env.SEKIWAKE_CONFIG;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if ((SERVICE_NAMES as string[]).includes(command)) return runOne(command as ServiceName, rest);
  switch (command) {
    case 'up':
      return runUp(rest);
    case 'check':
      return check(rest);
    case 'send':
      return send(rest);
    default:
      throw usage(`unknown command "${command}"`);
  }
}

function parse(args: string[], options: ParseArgsConfig['options']) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw usage((err as Error).message);
  }
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
  const scale = parseScale(((values as { scale?: string[] }).scale) ?? []);
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

async function send(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    to: { type: 'string' },
    rate: { type: 'string', default: '1000' },
    count: { type: 'string', default: '1' },
    size: { type: 'string' },
    format: { type: 'string', default: 'rfc3164' },
    'start-seq': { type: 'string', default: '0' },
    source: { type: 'string' },
  });
  if (positionals[0] !== 'syslog') throw usage('send wants a kind: syslog');
  const v = values as Record<string, string | undefined>;
  const to = (v.to ?? '').match(/^\[?([^\]]+?)\]?:(\d+)$/);
  if (!to) throw usage('--to wants HOST:PORT (an IPv6 host in brackets)');
  const num = (name: string, min: number, max: number) => {
    const n = Number(v[name]);
    if (!Number.isInteger(n) || n < min || n > max) throw usage(`--${name} must be a whole number ${min}..${max}`);
    return n;
  };
  if (v.format !== 'rfc3164' && v.format !== 'rfc5424') throw usage('--format must be rfc3164 or rfc5424');
  const { sendSyslog } = await import('./send-syslog.js');
  const report = await sendSyslog({
    host: to[1]!,
    port: Number(to[2]),
    rate: num('rate', 0, 10_000_000),
    count: num('count', 1, 1_000_000_000),
    size: v.size === undefined ? undefined : num('size', 16, 65507),
    format: v.format,
    startSeq: num('start-seq', 0, Number.MAX_SAFE_INTEGER),
    source: v.source,
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return report.errors > 0 ? EXIT.FAILURE : EXIT.OK;
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
