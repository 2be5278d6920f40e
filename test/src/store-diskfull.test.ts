/**
 * The store on a small tmpfs that fills up: it keeps running, reports
 * ENOSPC, holds what it can in its bounded backlog and counts what it
 * cannot, then writes the backlog when space comes back. Every message
 * sent is either in the archive once or counted as dropped.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, rmdirSync, readFileSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { metricValue, metricsPorts, scrape, startStack, tempDir, testConfig } from './helpers/stack.js';

const CAPTURE_PORT = 28516;
const LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z 127\.0\.0\.1 <13>full seq=(\d+) x+$/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a full disk is survived, counted, and recovered from when space returns', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  // Not inside `dir`: the mount must be gone before its directory is removed.
  const store = mkdtempSync(join(tmpdir(), 'skw-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', store]);
  t.after(() => {
    execFileSync('umount', [store]);
    rmdirSync(store);
  });
  const stack = await startStack(t, dir, testConfig(dir, {
    services: {
      capture: { ports: { syslog: [CAPTURE_PORT] } },
      'syslog-forwarder': { enabled: false },
      store: { enabled: true, directory: store, flushIntervalMs: 50, retryIntervalMs: 200, maxBacklogBytes: 65536, compress: false },
    },
  }));
  const scrapeStore = async () => scrape(stack, 'store');
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  t.after(() => socket.close());
  const sendRange = async (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      socket.send(Buffer.from(`<13>full seq=${i} ${'x'.repeat(200)}`), CAPTURE_PORT, '127.0.0.1');
      if (i % 50 === 49) await sleep(20);
    }
  };
  const until = async (what: string, fn: (m: string) => boolean, ms = 20_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const m = await scrapeStore();
      if (fn(m)) return m;
      if (Date.now() > end) assert.fail(`${what} did not happen in ${ms} ms`);
      await sleep(100);
    }
  };

  // A few messages while there is room, then fill the disk to 16 KiB of free space.
  await sendRange(0, 100);
  await until('the first messages written', (m) => metricValue(m, 'sekiwake_store_messages_written_total') === 100);
  const free = () => { const s = statfsSync(store); return s.bavail * s.bsize; };
  const filler = join(store, 'filler');
  writeFileSync(filler, Buffer.alloc(free() - 16384));

  await sendRange(100, 2100);
  let m = await until('backlog_full drops', (x) => metricValue(x, 'sekiwake_dropped_total', { reason: 'backlog_full' }) > 0);
  m = await until('the disk reported blocked', (x) => metricValue(x, 'sekiwake_store_disk_blocked') === 1);
  assert.ok(metricValue(m, 'sekiwake_store_disk_errors_total', { code: 'ENOSPC' }) > 0, 'ENOSPC counted');
  assert.ok(metricValue(m, 'sekiwake_store_backlog_bytes') > 0, 'a backlog is held');
  assert.ok(metricValue(m, 'sekiwake_store_backlog_bytes') <= 65536, 'the backlog is bounded');
  const health = await fetch(`http://127.0.0.1:${metricsPorts(stack).get('store')}/healthz`);
  assert.equal(health.status, 503, 'health reports the blocked disk');
  assert.match(stack.stdout(), /"code":"ENOSPC".*"msg":"archive write failed: holding messages in memory and retrying"/);

  unlinkSync(filler);
  m = await until('writes resumed', (x) => metricValue(x, 'sekiwake_store_disk_blocked') === 0 && metricValue(x, 'sekiwake_store_backlog_messages') === 0);
  await sendRange(5000, 5200);
  m = await until('the messages after recovery written', (x) =>
    metricValue(x, 'sekiwake_store_messages_written_total') + metricValue(x, 'sekiwake_dropped_total') === 2300);
  const dropped = metricValue(m, 'sekiwake_dropped_total', { reason: 'backlog_full' });
  assert.equal(metricValue(m, 'sekiwake_dropped_total'), dropped, 'nothing dropped for any other reason');
  assert.doesNotMatch(stack.stdout(), /"msg":"child died"/, 'the store never died');
  assert.equal(await stack.stop(), 0);

  const seqs: number[] = [];
  for (const day of readdirSync(store)) {
    if (day === 'filler') continue;
    for (const f of readdirSync(join(store, day))) {
      const text = readFileSync(join(store, day, f), 'latin1');
      assert.ok(text.endsWith('\n'));
      for (const line of text.slice(0, -1).split('\n')) {
        const lm = LINE.exec(line);
        assert.ok(lm, `whole line: ${line.slice(0, 80)}`);
        seqs.push(Number(lm[1]));
      }
    }
  }
  const have = new Set(seqs);
  assert.equal(have.size, seqs.length, 'no line twice');
  for (let i = 0; i < 100; i++) assert.ok(have.has(i));
  for (let i = 5000; i < 5200; i++) assert.ok(have.has(i), `message ${i} after recovery stored`);
  const middle = seqs.filter((s) => s >= 100 && s < 2100).length;
  assert.equal(middle + dropped, 2000, 'each message of the full-disk phase is stored or counted as dropped');
  t.diagnostic(`full-disk phase: ${middle} stored, ${dropped} dropped and counted`);
});
