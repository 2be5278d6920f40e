/** Command-line parsing shared by every subcommand. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SekiwakeError } from '@sekiwake/shared';

/** An E_USAGE error: the problem, then where to read more. */
export function usage(problem: string): SekiwakeError {
  return new SekiwakeError('E_USAGE', `${problem}\n\nRun "sekiwake --help" for the commands and their options.`);
}

/** parseArgs, strict, with parse failures turned into E_USAGE. */
export function parse(args: string[], options: ParseArgsConfig['options']) {
  try {
    const r = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: r.values as Record<string, string | boolean | string[] | undefined>, positionals: r.positionals };
  } catch (err) {
    throw usage((err as Error).message);
  }
}

/** A whole-number option within [min, max]. */
export function intOption(values: Record<string, unknown>, name: string, min: number, max: number): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max) throw usage(`--${name} must be a whole number ${min}..${max}`);
  return n;
}

/** A HOST:PORT option (an IPv6 host in brackets). */
export function hostPort(value: unknown, name = 'to'): { host: string; port: number } {
  const m = String(value ?? '').match(/^\[?([^\]]+?)\]?:(\d+)$/);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) throw usage(`--${name} wants HOST:PORT (an IPv6 host in brackets)`);
  return { host: m[1]!, port };
}
