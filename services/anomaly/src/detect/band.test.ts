import assert from 'node:assert/strict';
import { test } from 'node:test';
import { band, judge, type BandOptions } from './band.js';
import { ScopeSeries } from './series.js';

const OPTS: BandOptions = { k: 3, warmupBins: 3, minStdDev: 1, minStdDevFraction: 0.1, silence: true, holdBaseline: false };
const HOLD: BandOptions = { ...OPTS, holdBaseline: true };

// The band written out from the definitions, without simple-statistics:
// mean, then the sample standard deviation (n - 1), then the floors.
function reference(history: number[], o: BandOptions) {
  const n = history.length;
  let sum = 0;
  for (const v of history) sum += v;
  const mean = sum / n;
  let sq = 0;
  for (const v of history) sq += (v - mean) * (v - mean);
  const sd = Math.sqrt(sq / (n - 1));
  const dev = Math.max(sd, o.minStdDev, o.minStdDevFraction * mean);
  return { mean, upper: mean + o.k * dev, lower: Math.max(0, mean - o.k * dev) };
}

// Runs a whole series through ScopeSeries with a window of `w`.
function verdicts(counts: number[], w: number, o = OPTS) {
  const s = new ScopeSeries(w, o);
  return counts.map((c, i) => s.close(i * 60, c).bin);
}

test('no verdict before the warmup, a band from the previous bins only after it', () => {
  const bins = verdicts([10, 12, 14, 100], 10);
  assert.deepEqual(bins.map((b) => b.verdict), ['warmup', 'warmup', 'warmup', 'storm']);
  assert.equal(bins[2]!.band, null);
  // Worked by hand: 10, 12, 14 -> mean 12, sd 2, band 12 ± 6.
  assert.equal(bins[3]!.band!.mean, 12);
  assert.equal(bins[3]!.band!.upper, 18);
  assert.equal(bins[3]!.band!.lower, 6);
});

test('a flat history uses the deviation floor, so one extra message is no storm', () => {
  const flat = [20, 20, 20, 20, 20];
  const b = band(flat, OPTS)!;
  // sd is 0; floor max(1, 0.1 * 20) = 2; band 20 ± 6.
  assert.deepEqual({ mean: b.mean, upper: b.upper, lower: b.lower }, { mean: 20, upper: 26, lower: 14 });
  assert.equal(judge(21, b, OPTS), 'normal');
  assert.equal(judge(26, b, OPTS), 'normal', 'the band edge itself is normal');
  assert.equal(judge(27, b, OPTS), 'storm');
  assert.equal(judge(13, b, OPTS), 'silence');
  // With a tiny mean the absolute floor wins: 3 ± 3.
  const low = band([3, 3, 3], OPTS)!;
  assert.equal(low.upper, 6);
  assert.equal(judge(6, low, OPTS), 'normal');
  assert.equal(judge(7, low, OPTS), 'storm');
});

test('a spike and a drop against the reference implementation, window sliding', () => {
  const series = [50, 52, 48, 51, 49, 50, 300, 50, 49, 2, 51, 50, 52];
  const w = 5;
  const bins = verdicts(series, w);
  for (let i = 0; i < series.length; i++) {
    const history = series.slice(Math.max(0, i - w), i);
    const got = bins[i]!;
    if (history.length < OPTS.warmupBins) {
      assert.equal(got.verdict, 'warmup', `bin ${i}`);
      continue;
    }
    const r = reference(history, OPTS);
    assert.ok(Math.abs(got.band!.mean - r.mean) < 1e-9, `mean of bin ${i}`);
    assert.ok(Math.abs(got.band!.upper - r.upper) < 1e-9, `upper of bin ${i}`);
    assert.ok(Math.abs(got.band!.lower - r.lower) < 1e-9, `lower of bin ${i}`);
    const expected = series[i]! > r.upper ? 'storm' : series[i]! < r.lower ? 'silence' : 'normal';
    assert.equal(got.verdict, expected, `verdict of bin ${i}`);
  }
  assert.equal(bins[6]!.verdict, 'storm', 'the spike');
  // After the spike the window holds 300, so the band is wide: the drop
  // to 2 stays above a lower band clamped at zero.
  assert.equal(bins[9]!.verdict, 'normal');
  const drop = verdicts([50, 52, 48, 51, 49, 2], 5);
  assert.equal(drop[5]!.verdict, 'silence', 'a drop below a steady history');
});

test('zero bins are history too: gaps lower the mean and widen the band', () => {
  const series = [10, 0, 10, 0, 10, 0, 10, 25];
  const bins = verdicts(series, 6);
  const r = reference([0, 10, 0, 10, 0, 10], OPTS);
  assert.ok(Math.abs(bins[7]!.band!.mean - 5) < 1e-9);
  assert.ok(Math.abs(bins[7]!.band!.upper - r.upper) < 1e-9);
  assert.equal(bins[7]!.verdict, 'storm', `25 is above ${r.upper.toFixed(2)}`);
  assert.ok(bins.slice(3, 7).every((b) => b.verdict === 'normal'), 'alternating zeros are normal');
});

test('silences are not reported when turned off', () => {
  const off = { ...OPTS, silence: false };
  assert.equal(verdicts([50, 50, 50, 0], 5, off)[3]!.verdict, 'normal');
});

test('an episode starts once and ends once, however long it lasts', () => {
  const s = new ScopeSeries(100, { ...HOLD, warmupBins: 4 });
  const events: string[] = [];
  const counts = [20, 20, 20, 20, 90, 95, 90, 20, 20, 0, 0, 20];
  counts.forEach((c, i) => {
    for (const t of s.close(i, c).transitions) events.push(`${t.event} ${t.episode.anomaly} @${i} bins=${t.episode.bins} peak=${t.episode.peak}`);
  });
  assert.deepEqual(events, [
    'start storm @4 bins=1 peak=90',
    'end storm @7 bins=3 peak=95',
    'start silence @9 bins=1 peak=0',
    'end silence @11 bins=2 peak=0',
  ]);
});

test('a held baseline keeps a spike out of the history; without it the band widens', () => {
  const series = [50, 52, 48, 51, 49, 50, 300, 50, 49, 2];
  const held = verdicts(series, 5, HOLD);
  assert.equal(held[6]!.verdict, 'storm');
  const r = reference([51, 49, 50, 50, 49], HOLD);
  assert.ok(Math.abs(held[9]!.band!.upper - r.upper) < 1e-9, 'the band of bin 9 leaves out 300');
  assert.equal(held[9]!.verdict, 'silence');
  const loose = new ScopeSeries(100, { ...OPTS, warmupBins: 4 });
  const v = [20, 20, 20, 20, 90, 95].map((c, i) => loose.close(i, c).bin.verdict);
  assert.equal(v[5], 'normal', 'without the hold the first storm bin hides the second');
});

test('an episode longer than the window becomes the new normal', () => {
  const s = new ScopeSeries(3, HOLD);
  const v = [10, 10, 10, 80, 80, 80, 80, 80, 80, 80].map((c, i) => s.close(i, c).bin.verdict);
  assert.deepEqual(v.slice(3, 7), ['storm', 'storm', 'storm', 'storm']);
  assert.equal(v.at(-1), 'normal');
});

test('restored state keeps the baseline and the window bound', () => {
  const a = new ScopeSeries(4, OPTS);
  for (const c of [1, 2, 3, 4, 5, 6]) a.close(0, c);
  assert.deepEqual(a.snapshot().history, [3, 4, 5, 6]);
  const b = new ScopeSeries(3, OPTS);
  b.restore(a.snapshot());
  assert.deepEqual(b.snapshot().history, [4, 5, 6]);
  assert.notEqual(b.close(0, 5).bin.verdict, 'warmup');
});
