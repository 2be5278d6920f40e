import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BinCounter, binStart, firstWholeBin, severity } from './bins.js';
import { KindScopes } from '../detect/scopes.js';

const SRC_A = Uint8Array.of(127, 0, 0, 2);
const SRC_B = Uint8Array.of(127, 0, 0, 3);
const MSG = Buffer.from('<134>hello');

test('bins start at whole multiples of the width since the epoch', () => {
  assert.equal(binStart(1_717_200_059, 60), 1_717_200_000);
  assert.equal(binStart(1_717_200_060, 60), 1_717_200_060);
  assert.equal(firstWholeBin(1_717_200_000_000, 60), 1_717_200_000);
  assert.equal(firstWholeBin(1_717_200_000_001, 60), 1_717_200_060);
});

test('bins close on the clock after the delay; late, early and future datagrams are refused with a reason', () => {
  const c = new BinCounter({ binSeconds: 10, sources: true, severity: true }, 1000);
  c.setNow(1_005_000);
  assert.equal(c.add(995, SRC_A, MSG), 'before_start');
  assert.equal(c.add(1003, SRC_A, MSG), null);
  assert.equal(c.add(1009, SRC_B, MSG), null);
  assert.equal(c.add(1015, SRC_A, MSG), null, 'the next bin is open already');
  assert.equal(c.add(1030, SRC_A, MSG), 'future');
  assert.deepEqual(c.closeDue(1_010_999, 1000), [], 'the delay holds the bin open');
  const closed = c.closeDue(1_021_000, 1000);
  assert.deepEqual(closed.map((b) => [b.start, b.counts.total]), [[1000, 2], [1010, 1]]);
  assert.equal(c.add(1008, SRC_A, MSG), 'late');
  assert.deepEqual(c.closeDue(1_041_000, 1000).map((b) => [b.start, b.counts.total]), [[1020, 0], [1030, 0]], 'empty bins close as zeros');
});

test('severity comes from a valid PRI only', () => {
  const sev = (s: string) => severity(Buffer.from(s));
  assert.equal(sev('<134>x'), 6);
  assert.equal(sev('<0>x'), 0);
  assert.equal(sev('<191>x'), 7);
  for (const bad of ['<192>x', '<>x', '<01>x', '<1234>x', 'x', '', '<13', '<1a>']) assert.equal(sev(bad), 8, bad);
});

test('the busiest sources are tracked, the rest are "other", newcomers displace the quietest', () => {
  const scopes = new KindScopes({ sources: true, maxTracked: 2, severity: false, windowBins: 10 });
  const bin = (pairs: Array<[number, number]>) => {
    const sources = new Map<number, number>(pairs);
    const total = pairs.reduce((s, [, n]) => s + n, 0);
    return { total, sources, unnamed: 0, severities: new Uint32Array(9) };
  };
  const ip = (d: number) => ((127 << 24) | d) >>> 0;
  let r = scopes.split(bin([[ip(1), 10], [ip(2), 5], [ip(3), 1]]));
  assert.deepEqual(r.counts, [['total', 16], ['source:127.0.0.1', 10], ['source:127.0.0.2', 5], ['source:other', 1]]);
  r = scopes.split(bin([[ip(1), 10], [ip(3), 3]]));
  assert.deepEqual(r.evicted, [], '3 is less than the score of 127.0.0.2 (4.5)');
  r = scopes.split(bin([[ip(1), 10], [ip(3), 40]]));
  assert.deepEqual(r.evicted, ['source:127.0.0.2']);
  assert.deepEqual(r.counts, [['total', 50], ['source:127.0.0.1', 10], ['source:127.0.0.3', 40], ['source:other', 0]]);
});
