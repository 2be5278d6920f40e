/**
 * The store end to end: the blast tool sends from 200 loopback sources,
 * the capture on `lo` publishes, the store archives. Every message must be
 * in the archive once, byte for byte after unescaping, in its source's
 * file. The archive is read here with a decoder of the test's own.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI, run } from './helpers/process.js';
import { metricValue, scrape, startStack, tempDir, testConfig } from './helpers/stack.js';

const CAPTURE_PORT = 28514;
const SOURCES = 200;
const BURST = 64;
/** Messages the blast tool sends; see the report for why this many. */
const COUNT = Number(process.env.SKW_STORE_TEST_COUNT ?? 1_000_000);
const RATE = 80_000;
const BLAST_C = fileURLToPath(new URL('../../bench/tools/blast.c', import.meta.url));

/** A payload that needs every kind of escape: newline, backslash, tab, C0, DEL, non-UTF-8. */
const PAYLOAD = Buffer.concat([
  Buffer.from('<134>Dec  3 16:20:00 edge1 app[7]: first\nsecond\\third\ttab\r'),
  Buffer.from([0x00, 0x01, 0x1b, 0x7f, 0xff, 0xfe]),
  Buffer.from(' caf\u00e9 end'),
]);

/** The test's own reading of a stored line: TIME SOURCE ESCAPED. */
export function decodeLine(line: string): { time: string; source: string; raw: Buffer } {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (\S+) (.*)$/s.exec(line);
  assert.ok(m, `stored line has the form TIME SOURCE MESSAGE: ${JSON.stringify(line.slice(0, 80))}`);
  const text = m[3]!;
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x5c) { out.push(c); continue; }
    const e = text[++i];
    if (e === 'n') out.push(10);
    else if (e === 'r') out.push(13);
    else if (e === 't') out.push(9);
    else if (e === '\\') out.push(0x5c);
    else if (e === 'x') { out.push(parseInt(text.slice(i + 1, i + 3), 16)); i += 2; }
    else assert.fail(`unknown escape \\${e}`);
  }
  return { time: m[1]!, source: m[2]!, raw: Buffer.from(out) };
}

/** Every stored line of a plain-text archive, by file. */
export function archiveLines(root: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.log')) {
        const text = readFileSync(p, 'latin1');
        assert.ok(text.endsWith('\n'), `${p} ends with a whole line`);
        out.set(p, text.slice(0, -1).split('\n'));
      }
    }
  };
  walk(root);
  return out;
}

// The blast tool sends bursts of 64, burst b from source b % SOURCES.
function expectedPerSource(count: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let b = 0; b * BURST < count; b++) {
    const src = `127.0.1.${(b % SOURCES) + 1}`;
    m.set(src, (m.get(src) ?? 0) + Math.min(BURST, count - b * BURST));
  }
  return m;
}

test(`${COUNT} messages from ${SOURCES} sources are archived once each, byte for byte`, { timeout: 240_000 }, async (t) => {
  const dir = tempDir(t);
  const blastBin = join(dir, 'blast');
  execFileSync('gcc', ['-O2', '-o', blastBin, BLAST_C]);
  const payloadFile = join(dir, 'payload.bin');
  writeFileSync(payloadFile, PAYLOAD);
  const store = join(dir, 'store');
  const stack = await startStack(t, dir, testConfig(dir, {
    services: {
      capture: { ports: { syslog: [CAPTURE_PORT] } },
      'syslog-forwarder': { enabled: false },
      store: { enabled: true, directory: store },
    },
  }));

  const blast = await run(blastBin, ['127.0.0.1', String(CAPTURE_PORT), String(COUNT), String(RATE), payloadFile], {
    env: { ...process.env, SOURCES: String(SOURCES) },
  });
  const report = JSON.parse(blast.stdout) as { sent: number; errors: number; seconds: number };
  assert.equal(report.errors, 0, 'blast sent every burst whole');
  assert.equal(report.sent, COUNT);
  // Messages with sequence numbers from three more sources: each must be there once.
  const sends = [201, 202, 203].map((n, i) => run(process.execPath, [CLI, 'send', 'syslog', '--to', `127.0.0.1:${CAPTURE_PORT}`,
    '--source', `127.0.1.${n}`, '--count', '300', '--rate', '3000', '--start-seq', String(i * 300), '--format', 'rfc5424']));
  for (const r of await Promise.all(sends)) assert.equal(r.code, 0, r.stderr);
  const total = COUNT + 900;

  const until = Date.now() + 90_000;
  let written = 0;
  while (Date.now() < until) {
    written = metricValue(await scrape(stack, 'store'), 'sekiwake_store_messages_written_total');
    if (written >= total) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const metrics = await scrape(stack, 'store');
  const cap = await scrape(stack, 'capture');
  assert.equal(metricValue(cap, 'sekiwake_dropped_total'), 0, 'the capture dropped nothing');
  assert.equal(metricValue(metrics, 'sekiwake_dropped_total'), 0, 'the store dropped nothing');
  assert.equal(written, total, 'the store wrote every message');
  assert.equal(await stack.stop(), 0, 'the stack stops cleanly on SIGTERM');

  const files = archiveLines(store);
  const perSource = new Map<string, number>();
  const seqs: number[] = [];
  const hex = PAYLOAD.toString('hex');
  for (const [path, lines] of files) {
    for (const line of lines) {
      const r = decodeLine(line);
      assert.ok(path.endsWith(`/${r.time.slice(0, 10)}/${r.source}.log`), `${r.source} at ${r.time} is in ${path}`);
      perSource.set(r.source, (perSource.get(r.source) ?? 0) + 1);
      const seq = /seq=(\d+)/.exec(r.raw.toString('latin1'));
      if (seq) seqs.push(Number(seq[1]));
      else if (r.raw.toString('hex') !== hex) assert.fail(`payload from ${r.source} changed: ${line.slice(0, 120)}`);
    }
  }
  const expected = expectedPerSource(COUNT);
  for (const n of [201, 202, 203]) expected.set(`127.0.1.${n}`, 300);
  assert.deepEqual(new Map([...perSource].sort()), new Map([...expected].sort()), 'each source has exactly what it sent');
  assert.deepEqual(seqs.sort((a, b) => a - b), Array.from({ length: 900 }, (_, i) => i), 'each numbered message once');
  t.diagnostic(`blast ${report.sent} messages in ${report.seconds} s; ${files.size} files`);
});
