/**
 * `sekiwake anomaly --read FILE`: the storm and silence detector run over
 * recorded message times, printing every bin with its band and verdict.
 * Defaults are those of the service's configuration.
 */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  BinTally,
  chart,
  detectBins,
  INPUT_FORMATS,
  readTimes,
  table,
  type InputFormat,
  type OfflineOptions,
} from '@sekiwake/anomaly';
import { configSchema, EXIT } from '@sekiwake/shared';
import { intOption, parse, usage } from './args.js';

const OPTIONS = {
  read: { type: 'string' },
  format: { type: 'string', default: 'auto' },
  'bin-seconds': { type: 'string' },
  window: { type: 'string' },
  warmup: { type: 'string' },
  k: { type: 'string' },
  json: { type: 'boolean', default: false },
  chart: { type: 'string' },
} as const;

/** Runs the command. */
export async function run(args: string[]): Promise<number> {
  const { values } = parse(args, OPTIONS);
  const file = values.read;
  if (typeof file !== 'string' || file === '') throw usage('anomaly --read wants a FILE');
  const format = values.format as InputFormat;
  if (!INPUT_FORMATS.includes(format)) throw usage(`--format must be one of ${INPUT_FORMATS.join(', ')}`);
  const o = options(values);
  const tally = new BinTally(o.binSeconds);
  const report = await readTimes(file, format, (sec) => tally.add(sec));
  const bins = detectBins(tally, o);
  const skipped = report.skipped > 0 ? `, ${report.skipped} skipped (first at ${report.format === 'pcap' ? 'the end' : `line ${report.firstSkipped}`})` : '';
  process.stderr.write(`${file}: ${report.messages} messages read as ${report.format}${skipped}; ${bins.length} bins\n`);
  if (values.json) process.stdout.write(bins.map((b) => JSON.stringify(b) + '\n').join(''));
  else process.stdout.write(table(bins));
  if (typeof values.chart === 'string') {
    const title = `${basename(file)}: ${o.binSeconds} s bins, window ${o.windowBins}, k ${o.k}`;
    await writeFile(values.chart, chart(bins, title));
  }
  return EXIT.OK;
}

function options(values: Record<string, unknown>): OfflineOptions {
  const d = configSchema.parse({}).services.anomaly;
  const given = (name: string) => values[name] !== undefined;
  const windowBins = given('window') ? intOption(values, 'window', 2, 10_080) : d.windowBins;
  const warmupBins = given('warmup') ? intOption(values, 'warmup', 2, 10_080) : Math.min(d.warmupBins, windowBins);
  if (warmupBins > windowBins) throw usage('--warmup must be at most --window');
  const k = given('k') ? Number(values.k) : d.k;
  if (!Number.isFinite(k) || k <= 0 || k > 100) throw usage('--k must be a number above 0, at most 100');
  return {
    binSeconds: given('bin-seconds') ? intOption(values, 'bin-seconds', 1, 86_400) : d.binSeconds,
    windowBins,
    warmupBins,
    k,
    minStdDev: d.minStdDev,
    minStdDevFraction: d.minStdDevFraction,
    silence: d.silence,
    holdBaseline: d.holdBaseline,
  };
}
