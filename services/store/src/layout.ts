/**
 * Where a message is filed: the layout template with its tokens filled in
 * ({date}, {hour}, {source}), under the archive root, with the extension of
 * the format. Closed files get a number (`X.log.3`) and, compressed, `.gz`.
 */
import { join } from 'node:path';
import { EXTENSIONS, type StoreFormat } from './format/record.js';

/** Builds the path of the file a message goes to. */
export class Layout {
  readonly usesHour: boolean;
  private readonly ext: string;

  constructor(
    readonly root: string,
    readonly template: string,
    readonly format: StoreFormat,
  ) {
    this.usesHour = template.includes('{hour}');
    this.ext = EXTENSIONS[format];
  }

  /** Absolute path of the active file for a day, an hour (00..23) and a source. */
  path(day: string, hour: string, source: string): string {
    const rel = this.template.replaceAll('{date}', day).replaceAll('{hour}', hour).replaceAll('{source}', source);
    return join(this.root, rel + this.ext);
  }
}

/** What a file name of the archive says about the file. */
export interface ArchiveName {
  /** Format of its lines. */
  format: StoreFormat;
  /** The number of a closed file, 0 for an active one. */
  number: number;
  gzip: boolean;
  /** The unfinished output of a compression, to be removed. */
  partial: boolean;
}

const NAME = /\.(log|jsonl)(?:\.(\d+))?(\.gz)?(\.tmp)?$/;

/** Reads an archive file name; null for files that are not the archive's. */
export function archiveName(path: string): ArchiveName | null {
  const m = NAME.exec(path);
  if (!m) return null;
  return {
    format: m[1] === 'log' ? 'text' : 'jsonl',
    number: m[2] === undefined ? 0 : Number(m[2]),
    gzip: m[3] !== undefined,
    partial: m[4] !== undefined,
  };
}

const DATE_IN_PATH = /(?:^|[/_.-])(\d{4}-\d{2}-\d{2})(?=$|[/_.-])/;

/** The first YYYY-MM-DD in a path relative to the root, or null. */
export function dayInPath(rel: string): string | null {
  return DATE_IN_PATH.exec(rel)?.[1] ?? null;
}
