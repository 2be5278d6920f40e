/**
 * `pnpm bench`: every suite, each relay measured in the same run as its
 * peer, printed as Markdown tables and written to bench/out/results.json.
 * Options: --quick (short runs), --suite NAME (repeatable).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildTools, OUT, stopAll, type BenchRow, type Suite } from './harness.js';
import { SUITES } from './suites/index.js';

function table(rows: BenchRow[]): string {
  const head = '| path | relay | offered pps | achieved pps | sent | delivered | loss % | CPU µs/datagram | CPU by process (µs) | peak RSS MiB | note |\n|---|---|---|---|---|---|---|---|---|---|---|';
  const fmt = (o?: Record<string, number>) => (o ? Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ') : '');
  const lines = rows.map((r) =>
    `| ${r.path} | ${r.relay} | ${r.offeredPps} | ${r.achievedPps ?? ''} | ${r.sent} | ${r.delivered} | ${r.lossPct} | ${r.cpuUsPerDatagram} | ${fmt(r.cpuByProcess)} | ${fmt(r.peakRssMiB)} | ${r.note ?? ''} |`);
  return [head, ...lines].join('\n');
}

async function main() {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, suite: { type: 'string', multiple: true } } });
  const wanted = values.suite ?? [];
  const suites: Suite[] = SUITES.filter((s) => wanted.length === 0 || wanted.includes(s.name));
  if (suites.length === 0) throw new Error(`no suite named ${wanted.join(', ')}; have ${SUITES.map((s) => s.name).join(', ')}`);
  mkdirSync(OUT, { recursive: true });
  const ctx = { tools: buildTools(), out: OUT, quick: values.quick ?? false };
  const all: Record<string, BenchRow[]> = {};
  for (const s of suites) {
    process.stderr.write(`bench: ${s.name}\n`);
    const rows = await s.run(ctx);
    all[s.name] = rows;
    process.stdout.write(`\n### ${s.name}\n\n${table(rows)}\n`);
  }
  writeFileSync(join(OUT, 'results.json'), JSON.stringify({ at: new Date().toISOString(), quick: ctx.quick, suites: all }, null, 2));
}

main().catch(async (err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
  await stopAll();
});
