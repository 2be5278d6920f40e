/**
 * `sekiwake anomaly --read FILE`: the offline detector on generated files,
 * checked against a band computed here from its definition (mean, sample
 * standard deviation, floors, held baseline) without simple-statistics.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, run } from './helpers/process.js';
import { tempDir } from './helpers/stack.js';

const T0 = Date.UTC(2024, 5, 1);
const MIN = 60_000;

interface Row { start: string; count: number; mean: number | null; upper: number | null; lower: number | null; verdict: string }

/** The verdicts from the definitions, with the service's default floors (1 message, 10 % of the mean). */
function reference(counts: number[], window: number, warmup: number, k: number): Row[] {
  const history: number[] = [];
  let episode: { kind: string; bins: number } | null = null;
  return counts.map((count, i) => {
    let row: Row = { start: new Date(T0 + i * MIN).toISOString().replace('.000Z', 'Z'), count, mean: null, upper: null, lower: null, verdict: 'warmup' };
    if (history.length >= warmup) {
      const n = history.length;
      const mean = history.reduce((a, b) => a + b, 0) / n;
      const sd = Math.sqrt(history.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
      const dev = Math.max(sd, 1, 0.1 * mean);
      const upper = mean + k * dev;
      const lower = Math.max(0, mean - k * dev);
      row = { ...row, mean, upper, lower, verdict: count > upper ? 'storm' : count < lower ? 'silence' : 'normal' };
    }
    const anomalous = row.verdict === 'storm' || row.verdict === 'silence';
    episode = anomalous ? (episode?.kind === row.verdict ? { kind: row.verdict, bins: episode.bins + 1 } : { kind: row.verdict, bins: 1 }) : null;
    if (episode === null || episode.bins > window) {
      history.push(count);
      if (history.length > window) history.shift();
    }
    return row;
  });
}

/** 40 one-minute bins: a wobbling steady rate, a storm, a silence, an empty bin in the warmup. */
function day(): number[] {
  const counts = Array.from({ length: 40 }, (_, i) => 30 + ((i * 13) % 7) - 3);
  counts[2] = 0;
  counts[15] = 200;
  counts[16] = 180;
  counts[25] = counts[26] = counts[27] = 0;
  return counts;
}

function times(counts: number[]): number[] {
  return counts.flatMap((n, i) => Array.from({ length: n }, (_, j) => T0 + i * MIN + Math.floor((j * 59_999) / Math.max(1, n))));
}

function near(a: number | null, b: number | null): boolean {
  return a === null || b === null ? a === b : Math.abs(a - b) < 1e-9;
}

test('--json prints every bin with the band of the bins before it, as computed here', async (t) => {
  const dir = tempDir(t);
  const counts = day();
  const file = join(dir, 'times.txt');
  const lines = times(counts).map((ms) => new Date(ms).toISOString());
  writeFileSync(file, ['# generated', ...lines, 'not a time', ''].join('\n'));
  const r = await run(process.execPath, [CLI, 'anomaly', '--read', file, '--json', '--window', '10', '--warmup', '5', '--k', '3', '--chart', join(dir, 'c.svg')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /1 skipped \(first at line \d+\)/, 'the bad line is counted, not fatal');
  const got = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row);
  const want = reference(counts, 10, 5, 3);
  assert.equal(got.length, want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    assert.equal(g.start, w.start);
    assert.equal(g.count, w.count, `count of ${w.start}`);
    assert.ok(near(g.mean, w.mean) && near(g.upper, w.upper) && near(g.lower, w.lower), `band of ${w.start}: ${JSON.stringify(g)} vs ${JSON.stringify(w)}`);
    assert.equal(g.verdict, w.verdict, `verdict of ${w.start}`);
  });
  const verdicts = got.map((g) => g.verdict);
  assert.deepEqual(verdicts.slice(0, 5), Array(5).fill('warmup'));
  assert.deepEqual([verdicts[15], verdicts[16], verdicts[25], verdicts[27]], ['storm', 'storm', 'silence', 'silence']);

  const svg = readFileSync(join(dir, 'c.svg'), 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal(svg.match(/<circle /g)?.length, verdicts.filter((v) => v === 'storm' || v === 'silence').length, 'one marker per storm or silence bin');
});

test('the store archive and a pcap give the same bins as the timestamps', async (t) => {
  const dir = tempDir(t);
  const counts = day();
  const ms = times(counts);
  const plain = join(dir, 'times.txt');
  writeFileSync(plain, ms.map((m) => new Date(m).toISOString()).join('\n'));
  // Archive lines: the time first (here with a +02:00 offset), then the message.
  const store = join(dir, 'archive.log');
  const local = (m: number) => new Date(m + 2 * 3600_000).toISOString().replace('Z', '+02:00');
  writeFileSync(store, ms.map((m, i) => `${local(m)} 127.0.0.2 <134>message ${i}`).join('\n'));
  const pcap = join(dir, 'capture.pcap');
  writeFileSync(pcap, classicPcap(ms));

  const table = async (file: string, format: string) => {
    const r = await run(process.execPath, [CLI, 'anomaly', '--read', file, '--format', format, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const base = await table(plain, 'timestamps');
  assert.equal(await table(store, 'auto'), base, 'store archive, format detected');
  assert.equal(await table(pcap, 'auto'), base, 'pcap, format detected');
  assert.equal(await table(store, 'store'), base);
});

test('the table names each verdict; a missing file and bad options are usage errors', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'times.txt');
  writeFileSync(file, times(day()).map((m) => new Date(m).toISOString()).join('\n'));
  const r = await run(process.execPath, [CLI, 'anomaly', '--read', file, '--window', '10', '--warmup', '5']);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n');
  assert.match(rows[0]!, /^start\s+count\s+mean\s+lower\s+upper\s+verdict$/);
  assert.match(rows[16]!, /^2024-06-01T00:15:00Z\s+200\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+storm$/);
  for (const args of [['--read', join(dir, 'absent.txt')], ['--read', file, '--k', '0'], ['--read', file, '--format', 'csv'], ['--read', file, '--warmup', '20', '--window', '10']]) {
    const bad = await run(process.execPath, [CLI, 'anomaly', ...args]);
    assert.equal(bad.code, 64, `${args.join(' ')}: ${bad.stderr}`);
    assert.match(bad.stderr, /^sekiwake: /);
  }
});

// A classic little-endian pcap of 4-byte packets at the given times (ms).
function classicPcap(ms: number[]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(1, 20);
  const recs = ms.map((m) => {
    const r = Buffer.alloc(20);
    r.writeUInt32LE(Math.floor(m / 1000), 0);
    r.writeUInt32LE((m % 1000) * 1000, 4);
    r.writeUInt32LE(4, 8);
    r.writeUInt32LE(4, 12);
    return r;
  });
  return Buffer.concat([head, ...recs]);
}
