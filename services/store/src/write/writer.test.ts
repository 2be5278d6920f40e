import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createLogger, Metrics, type Datagram } from '@sekiwake/shared';
import { ManualClock } from '../clock.js';
import { Layout } from '../layout.js';
import { storeMetrics, type StoreMetrics } from '../metrics.js';
import { search } from '../read/query.js';
import { Compressor } from '../rotate/compress.js';
import { maintain } from '../rotate/maintenance.js';
import { Writer, type WriterOptions } from './writer.js';

const DEC3_END = Date.parse('2026-12-04T00:00:00Z') / 1000;
const log = createLogger('store-test', 'fatal');

interface Rig {
  dir: string;
  writer: Writer;
  clock: ManualClock;
  compressor: Compressor;
  metrics: StoreMetrics;
  registry: Metrics;
}

function rig(t: TestContext, over: Partial<WriterOptions> = {}, nowMs = DEC3_END * 1000 - 1000): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'skw-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const registry = new Metrics('store-test');
  const metrics = storeMetrics(registry);
  const clock = new ManualClock(nowMs);
  const compressor = new Compressor(log, metrics);
  const writer = new Writer({
    layout: new Layout(dir, '{date}/{source}', 'text'),
    format: 'text', flushIntervalMs: 50, flushBytes: 1 << 20, fsyncIntervalMs: 100,
    maxFileBytes: 1 << 30, maxOpenFiles: 64, dayCloseDelayMs: 60_000, maxBacklogBytes: 8 << 20,
    retryIntervalMs: 50, clock, log, metrics, onRotated: (p) => compressor.add(p),
    ...over,
  });
  t.after(() => writer.stop());
  return { dir, writer, clock, compressor, metrics, registry };
}

function dg(sec: number, nsec: number, src: number[], payload: string | Buffer): Datagram {
  return {
    tsSec: sec, tsNsec: nsec, ipVersion: 4, src: Uint8Array.from(src), dst: Uint8Array.from([127, 0, 0, 1]),
    srcPort: 5000, dstPort: 514, vlan: 0xffff, iface: 'lo', payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
  };
}

async function metric(r: Rig, name: string): Promise<number> {
  const m = await r.registry.registry.getSingleMetric(name)?.get();
  return (m?.values ?? []).reduce((n, v) => n + v.value, 0);
}

async function all(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const f of search(dir, {})) out.push(`${f.time} ${f.source} ${f.raw.toString('latin1')}`);
  return out;
}

test('messages cross midnight by their capture time; the ended day is closed, numbered and gzipped', async (t) => {
  const r = rig(t);
  const src = [192, 0, 2, 1];
  r.writer.append(dg(DEC3_END - 1, 900_000_000, src, '<13>before midnight\nsecond line'));
  r.writer.append(dg(DEC3_END, 100_000_001, src, '<13>after midnight'));
  await r.writer.flush();
  const old = join(r.dir, '2026-12-03', '192.0.2.1.log');
  const today = join(r.dir, '2026-12-04', '192.0.2.1.log');
  assert.equal(readFileSync(old, 'latin1'), '2026-12-03T23:59:59.900000000Z 192.0.2.1 <13>before midnight\\nsecond line\n');
  assert.equal(readFileSync(today, 'latin1'), '2026-12-04T00:00:00.100000001Z 192.0.2.1 <13>after midnight\n');

  // Midnight has passed on the clock, but not the close delay: nothing moves.
  r.clock.set((DEC3_END + 30) * 1000);
  await r.writer.closeEndedDays();
  assert.ok(existsSync(old));
  r.clock.set((DEC3_END + 61) * 1000);
  await r.writer.closeEndedDays();
  await r.compressor.idle();
  assert.ok(!existsSync(old), 'the active name is gone');
  assert.equal(gunzipSync(readFileSync(`${old}.1.gz`)).toString('latin1'), '2026-12-03T23:59:59.900000000Z 192.0.2.1 <13>before midnight\\nsecond line\n');
  assert.ok(existsSync(today), 'today stays open');

  // A late message for the closed day starts a new file, which the next close numbers 2.
  r.writer.append(dg(DEC3_END - 2, 0, src, '<13>late'));
  await r.writer.flush();
  await r.writer.closeEndedDays();
  await r.compressor.idle();
  assert.deepEqual(readdirSync(join(r.dir, '2026-12-03')).sort(), ['192.0.2.1.log.1.gz', '192.0.2.1.log.2.gz']);
  assert.equal(await metric(r, 'sekiwake_store_rotations_total'), 2);
  assert.deepEqual(await all(r.dir), [
    '2026-12-03T23:59:58.000000000Z 192.0.2.1 <13>late',
    '2026-12-03T23:59:59.900000000Z 192.0.2.1 <13>before midnight\nsecond line',
    '2026-12-04T00:00:00.100000001Z 192.0.2.1 <13>after midnight',
  ]);
});

test('a file that reaches maxFileBytes is rotated; no line is split or lost', async (t) => {
  const r = rig(t, { maxFileBytes: 4096 });
  const expected: string[] = [];
  for (let i = 0; i < 300; i++) {
    const msg = `<14>message ${String(i).padStart(4, '0')} ${'x'.repeat(150)}`;
    r.writer.append(dg(DEC3_END - 500 + i, 0, [10, 0, 0, 7], msg));
    expected.push(`${new Date((DEC3_END - 500 + i) * 1000).toISOString().replace('.000Z', '.000000000Z')} 10.0.0.7 ${msg}`);
    if (i % 10 === 9) await r.writer.flush();
  }
  await r.writer.stop();
  await r.compressor.idle();
  const names = readdirSync(join(r.dir, '2026-12-03'));
  assert.ok(names.filter((n) => n.endsWith('.gz')).length >= 10, names.join(' '));
  for (const n of names) {
    const body = n.endsWith('.gz') ? gunzipSync(readFileSync(join(r.dir, '2026-12-03', n))) : readFileSync(join(r.dir, '2026-12-03', n));
    assert.ok(body.length < 4096 + 10 * 200, `${n} is ${body.length} bytes`);
    assert.equal(body.at(-1), 0x0a);
  }
  assert.deepEqual(await all(r.dir), expected);
  assert.equal(await metric(r, 'sekiwake_store_messages_written_total'), 300);
});

test('an unfinished last line left by a crash is cut when the file is opened again', async (t) => {
  const r = rig(t);
  const path = join(r.dir, '2026-12-03', '10.1.1.1.log');
  mkdirSync(join(r.dir, '2026-12-03'));
  writeFileSync(path, '2026-12-03T10:00:00.000000000Z 10.1.1.1 whole\n2026-12-03T10:00:01.000000000Z 10.1.1.1 cut sh');
  r.writer.append(dg(DEC3_END - 100, 0, [10, 1, 1, 1], 'next'));
  await r.writer.flush();
  assert.equal(readFileSync(path, 'latin1'), '2026-12-03T10:00:00.000000000Z 10.1.1.1 whole\n2026-12-03T23:58:20.000000000Z 10.1.1.1 next\n');
  assert.equal(await metric(r, 'sekiwake_store_torn_bytes_removed_total'), 46);
});

test('with more sources than maxOpenFiles the least recently written files are closed', async (t) => {
  const r = rig(t, { maxOpenFiles: 4 });
  for (let round = 0; round < 3; round++) {
    for (let s = 1; s <= 12; s++) r.writer.append(dg(DEC3_END - 100 + round, 0, [10, 2, 0, s], `r${round} s${s}`));
    await r.writer.flush();
    assert.ok((await metric(r, 'sekiwake_store_files_open')) <= 4);
  }
  await r.writer.stop();
  assert.equal(await metric(r, 'sekiwake_store_files_open'), 0);
  const lines = await all(r.dir);
  assert.equal(lines.length, 36);
  for (let s = 1; s <= 12; s++) {
    assert.equal(readFileSync(join(r.dir, '2026-12-03', `10.2.0.${s}.log`), 'latin1').split('\n').length, 4);
  }
});

test('stop writes what was received and closes every file', async (t) => {
  const r = rig(t, { flushIntervalMs: 60_000 });
  r.writer.start();
  for (let i = 0; i < 1000; i++) r.writer.append(dg(DEC3_END - 10, i, [10, 3, 0, i % 5], `m${i}`));
  await r.writer.stop();
  assert.equal((await all(r.dir)).length, 1000);
  assert.equal(r.writer.backlogMessages, 0);
  assert.ok((await metric(r, 'sekiwake_store_fsyncs_total')) >= 5);
});

test('retention deletes whole days by age, then the oldest files by total size', async (t) => {
  const day = (n: number) => DEC3_END - 86400 * n - 100;
  const r = rig(t, {}, DEC3_END * 1000 + 3600_000);
  for (let n = 0; n < 6; n++) {
    for (let i = 0; i < 20; i++) r.writer.append(dg(day(n), i, [10, 4, 0, 1], `day-${n} ${'y'.repeat(500)}`));
  }
  await r.writer.flush();
  await r.writer.closeEndedDays();
  await r.compressor.idle();
  const base = { root: r.dir, clock: r.clock, dayCloseDelayMs: 60_000, compress: true, writer: r.writer, compressor: r.compressor, log, metrics: r.metrics };
  // Today is 2026-12-04; keeping 4 days keeps 11-30 .. 12-03.
  await maintain({ ...base, maxAgeDays: 4, maxTotalBytes: 0 });
  assert.deepEqual(readdirSync(r.dir).sort(), ['2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03']);
  const sizeOf = (d: string) => readdirSync(join(r.dir, d)).reduce((n, f) => n + readFileSync(join(r.dir, d, f)).length, 0);
  const two = sizeOf('2026-12-02') + sizeOf('2026-12-03');
  await maintain({ ...base, maxAgeDays: 0, maxTotalBytes: two });
  assert.deepEqual(readdirSync(r.dir).sort(), ['2026-12-02', '2026-12-03']);
  assert.equal(await metric(r, 'sekiwake_store_retention_deleted_total'), 4);
  const kept = await all(r.dir);
  assert.equal(kept.length, 40);
  assert.ok(kept[0]!.includes('day-1 '));
});

test('the JSON Lines format stores parsed fields and reads back the exact bytes', async (t) => {
  const r = rig(t, { format: 'jsonl', layout: new Layout(mkdtempSync(join(tmpdir(), 'skw-jsonl-')), '{date}/{hour}/{source}', 'jsonl') });
  const root = (r.writer as unknown as { o: WriterOptions }).o.layout.root;
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const raw = Buffer.concat([Buffer.from('<165>1 2026-12-03T22:00:00Z h app - ID1 - text '), Buffer.from([0xff, 0x0a])]);
  r.writer.append(dg(DEC3_END - 7200, 42, [10, 5, 0, 1], raw));
  await r.writer.stop();
  const text = readFileSync(join(root, '2026-12-03', '22', '10.5.0.1.jsonl'), 'utf8');
  const o = JSON.parse(text) as Record<string, unknown>;
  assert.equal(o.time, '2026-12-03T22:00:00.000000042Z');
  assert.deepEqual([o.facility, o.severity, o.hostname, o.app, o.msgid], [20, 5, 'h', 'app', 'ID1']);
  assert.equal(o.rawBase64, raw.toString('base64'));
  const found = [];
  for await (const f of search(root, { facility: 20 })) found.push(f.raw);
  assert.deepEqual(found, [raw]);
});
