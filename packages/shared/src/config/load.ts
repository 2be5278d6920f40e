/**
 * Loading a configuration: a YAML file, then environment overrides (for
 * containers), then the schema. Every problem is reported with its path
 * before any socket is opened.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { SekiwakeError } from '../errors.js';
import { configSchema, type Config } from './schema.js';

/** Environment variables that override the file start with this. */
export const ENV_PREFIX = 'SEKIWAKE_';
/** Separates path segments in an override's name. */
const ENV_SEPARATOR = '__';
/** Variables with the prefix that are not overrides. */
const ENV_RESERVED = new Set(['SEKIWAKE_CONFIG', 'SEKIWAKE_REPLICA']);

/** One problem found in a configuration. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/**
 * Reads, overrides and validates. Throws E_CONFIG_FILE when the file cannot
 * be read or parsed and E_CONFIG_INVALID, with `problems`, when it breaks a
 * rule.
 */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Config {
  const raw = file === undefined ? {} : readYaml(file);
  applyEnvOverrides(raw, env);
  return validateConfig(raw, file ?? '(defaults)');
}

/** Validates an already parsed document. */
export function validateConfig(raw: unknown, source: string): Config {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(source, result.error.issues.map(toProblem));
}

/** E_CONFIG_INVALID with every problem found. */
export class ConfigError extends SekiwakeError {
  constructor(
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    const lines = problems.map((p) => `  ${p.path || '(top)'}: ${p.message}`);
    super('E_CONFIG_INVALID', `invalid configuration in ${source}:\n${lines.join('\n')}`, {
      source,
      problems: problems.length,
    });
  }
}

function toProblem(issue: z.core.$ZodIssue): ConfigProblem {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return { path, message: `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}` };
  }
  return { path, message: issue.message };
}

function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new SekiwakeError('E_CONFIG_FILE', `cannot read configuration ${file}: ${reason}`, { file }, { cause: err });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError ? ` at line ${err.linePos?.[0]?.line ?? '?'}` : '';
    throw new SekiwakeError('E_CONFIG_FILE', `configuration ${file} is not valid YAML${where}`, { file }, { cause: err });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new SekiwakeError('E_CONFIG_FILE', `configuration ${file} must be a YAML mapping`, { file });
  }
  return doc as Record<string, unknown>;
}

/**
 * `SEKIWAKE_SERVICES__CAPTURE__INTERFACE=eth0` sets services.capture.interface.
 * Segments match keys ignoring case, "-" and "_" (so SYSLOG_FORWARDER finds
 * "syslog-forwarder" and BUFFER_BYTES finds "bufferBytes"); values are YAML,
 * so numbers, booleans and flow lists keep their types.
 */
export function applyEnvOverrides(doc: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  const names = Object.keys(env).filter((k) => k.startsWith(ENV_PREFIX) && !ENV_RESERVED.has(k));
  for (const name of names.sort()) {
    const segments = name.slice(ENV_PREFIX.length).split(ENV_SEPARATOR);
    setPath(doc, segments, parseYaml(env[name] ?? ''));
  }
}

function setPath(doc: Record<string, unknown>, segments: string[], value: unknown) {
  let node: Record<string, unknown> = doc;
  let shape: unknown = configSchema;
  segments.forEach((seg, i) => {
    const key = matchKey(seg, node, shape);
    shape = childShape(shape, key);
    if (i === segments.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  });
}

const normalise = (s: string) => s.toLowerCase().replace(/[-_]/g, '');

function matchKey(segment: string, node: Record<string, unknown>, shape: unknown): string {
  const known = [...Object.keys(node), ...Object.keys(objectShape(shape) ?? {})];
  const wanted = normalise(segment);
  return known.find((k) => normalise(k) === wanted) ?? segment.toLowerCase();
}

function childShape(shape: unknown, key: string): unknown {
  return objectShape(shape)?.[key];
}

// Looks through wrappers (default, optional, refinements) to an object's shape.
function objectShape(schema: unknown): Record<string, unknown> | undefined {
  let s = schema as { def?: { type?: string; innerType?: unknown; in?: unknown }; shape?: Record<string, unknown> } | undefined;
  for (let i = 0; s !== undefined && i < 8; i++) {
    if (s.def?.type === 'object') return s.shape;
    s = (s.def?.innerType ?? s.def?.in) as typeof s;
  }
  return undefined;
}
