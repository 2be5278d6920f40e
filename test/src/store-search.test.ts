/**
 * `sekiwake search` and `sekiwake replay` on a three-day archive built
 * here, independently of the store's writer: two gzipped days (one source
 * rotated twice, one day partly in JSON Lines), one plain day whose last
 * line was torn by a crash.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CLI, run } from './helpers/process.js';
import { tempDir } from './helpers/stack.js';
import { listenUdp } from './helpers/udp.js';

interface Msg { time: string; source: string; raw: Buffer }

function esc(b: Buffer): string {
  let s = '';
  for (const c of b) {
    if (c === 0x5c) s += '\\\\';
    else if (c === 10) s += '\\n';
    else if (c === 13) s += '\\r';
    else if (c === 9) s += '\\t';
    else if (c < 0x20 || c === 0x7f) s += `\\x${c.toString(16).padStart(2, '0')}`;
    else s += String.fromCharCode(c);
  }
  return s;
}

const line = (m: Msg) => `${m.time} ${m.source} ${esc(m.raw)}`;
/** A stored line as the test reads the CLI's output: its bytes decoded as UTF-8. */
const printed = (m: Msg) => Buffer.from(line(m), 'latin1').toString('utf8');
const at = (day: string, hms: string, ns = 0) => `${day}T${hms}.${String(ns).padStart(9, '0')}Z`;

function archive(root: string): Msg[] {
  const all: Msg[] = [];
  const file = (rel: string, msgs: Msg[], o: { gzip?: boolean; json?: boolean; tail?: string } = {}) => {
    all.push(...msgs);
    const body = msgs.map((m) => (o.json
      ? JSON.stringify({ time: m.time, source: m.source, raw: m.raw.toString('utf8') })
      : line(m)) + '\n').join('') + (o.tail ?? '');
    const data = Buffer.from(body, o.json ? 'utf8' : 'latin1');
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), o.gzip ? gzipSync(data) : data);
  };
  const m = (time: string, source: string, raw: string | Buffer): Msg => ({ time, source, raw: Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'latin1') });
  const d1 = '2026-12-01', d2 = '2026-12-02', d3 = '2026-12-03';
  file(`${d1}/192.0.2.1.log.1.gz`, [
    m(at(d1, '08:00:00', 1), '192.0.2.1', '<134>Dec  1 08:00:00 r1 app: local0 info one'),
    m(at(d1, '09:00:00'), '192.0.2.1', '<131>Dec  1 09:00:00 r1 app: local0 err two\nwith a newline'),
  ], { gzip: true });
  file(`${d1}/2001:db8::5.log.1.gz`, [
    m(at(d1, '08:30:00'), '2001:db8::5', '<11>1 2026-12-01T08:30:00Z v6host sshd 9 - - user err'),
  ], { gzip: true });
  file(`${d2}/192.0.2.1.log.1.gz`, [m(at(d2, '00:00:00', 5), '192.0.2.1', '<134>first of the second day')], { gzip: true });
  file(`${d2}/192.0.2.1.log.2.gz`, [m(at(d2, '12:00:00'), '192.0.2.1', Buffer.from([0x3c, 0x31, 0x33, 0x3e, 0x00, 0xff, 0x5c, 0x7f]))], { gzip: true });
  file(`${d2}/192.0.2.9.jsonl.1.gz`, [m(at(d2, '06:00:00'), '192.0.2.9', '<28>daemon warning from json caf\u00c3\u00a9')], { gzip: true, json: true });
  file(`${d3}/192.0.2.2.log`, [
    m(at(d3, '10:00:00'), '192.0.2.2', '<165>local4 notice alpha'),
    m(at(d3, '10:00:01'), '192.0.2.2', '<165>local4 notice beta needle'),
  ], { tail: `${at(d3, '10:00:02')} 192.0.2.2 <165>torn by a cra` });
  file(`${d3}/192.0.2.1.log`, [m(at(d3, '09:59:59', 999_999_999), '192.0.2.1', '<134>third day')]);
  return all.sort((a, b) => (a.time < b.time ? -1 : 1));
}

async function search(dir: string, ...args: string[]): Promise<{ lines: string[]; stats: Record<string, number>; code: number | null }> {
  const r = await run(process.execPath, [CLI, 'search', '--dir', dir, ...args]);
  const lines = r.stdout.length === 0 ? [] : r.stdout.slice(0, -1).split('\n');
  return { lines, stats: JSON.parse(r.stderr.trim().split('\n').at(-1)!) as Record<string, number>, code: r.code };
}

test('search finds across plain and gzipped days, in time order, with every filter', async (t) => {
  const dir = tempDir(t);
  const msgs = archive(dir);
  const all = await search(dir);
  assert.equal(all.code, 0);
  assert.deepEqual(all.lines, msgs.map(printed));
  assert.equal(all.stats.unreadable, 1, 'the torn line is skipped and counted');
  assert.equal(all.stats.files, 7);

  const newest = await search(dir, '--newest-first', '--limit', '3');
  assert.deepEqual(newest.lines, msgs.slice(-3).reverse().map(printed));

  const range = await search(dir, '--from', '2026-12-01T08:30:00Z', '--to', '2026-12-02T12:00:00Z');
  assert.deepEqual(range.lines, msgs.filter((m) => m.time >= '2026-12-01T08:30' && m.time < '2026-12-02T12:00').map(printed));
  assert.equal(range.lines.length, 4);

  const cases: Array<[string[], (m: Msg) => boolean]> = [
    [['--source', '192.0.2.1'], (m) => m.source === '192.0.2.1'],
    [['--source', '2001:db8::5'], (m) => m.source === '2001:db8::5'],
    [['--facility', 'local0'], (m) => /^<13[0-9]>/.test(m.raw.toString('latin1'))],
    [['--severity', 'err'], (m) => ['<131>', '<11>'].some((p) => m.raw.toString('latin1').startsWith(p))],
    [['--severity', '..warning'], (m) => ['<131>', '<11>', '<28>'].some((p) => m.raw.toString('latin1').startsWith(p))],
    [['--text', 'needle'], (m) => m.raw.includes('needle')],
    [['--regex', '^<1[36]5>.*(alpha|beta)'], (m) => /alpha|beta/.test(m.raw.toString())],
  ];
  for (const [args, want] of cases) {
    const r = await search(dir, ...args);
    assert.deepEqual(r.lines, msgs.filter(want).map(printed), args.join(' '));
  }

  const json = await search(dir, '--json', '--source', '2001:db8::5');
  assert.deepEqual(JSON.parse(json.lines[0]!), {
    time: '2026-12-01T08:30:00.000000000Z', source: '2001:db8::5', pri: 11, facility: 1, severity: 3,
    timestamp: '2026-12-01T08:30:00Z', hostname: 'v6host', app: 'sshd', procid: '9', msgid: null, sd: null,
    msg: 'user err', raw: '<11>1 2026-12-01T08:30:00Z v6host sshd 9 - - user err',
  });
  const binary = await search(dir, '--json', '--from', '2026-12-02T12:00:00Z', '--limit', '1');
  assert.equal(JSON.parse(binary.lines[0]!).rawBase64, Buffer.from([0x3c, 0x31, 0x33, 0x3e, 0x00, 0xff, 0x5c, 0x7f]).toString('base64'));

  const none = await search(dir, '--text', 'nowhere');
  assert.equal(none.code, 1);
  const bad = await run(process.execPath, [CLI, 'search', '--dir', dir, '--from', 'soon']);
  assert.equal(bad.code, 64);
});

test('replay re-sends the exact bytes of a time range, in order, paced', async (t) => {
  const dir = tempDir(t);
  const msgs = archive(dir);
  const listener = await listenUdp(t, '127.0.0.5', 28600);
  const t0 = Date.now();
  const r = await run(process.execPath, [CLI, 'replay', '--dir', dir, '--to', '127.0.0.5:28600',
    '--from', '2026-12-01T08:30:00Z', '--to-time', '2026-12-03T10:00:01Z', '--rate', '10']);
  assert.equal(r.code, 0, r.stderr);
  const want = msgs.filter((m) => m.time >= '2026-12-01T08:30' && m.time < '2026-12-03T10:00:01');
  assert.equal(JSON.parse(r.stdout).sent, want.length);
  const got = await listener.settle(want.length);
  assert.ok(Date.now() - t0 >= ((want.length - 1) / 10) * 1000 * 0.8, 'paced at about 10 per second');
  assert.deepEqual(got.map((b) => b.toString('hex')), want.map((m) => m.raw.toString('hex')));

  const one = await listenUdp(t, '127.0.0.6', 28601);
  const r2 = await run(process.execPath, [CLI, 'replay', '--dir', dir, '--to', '127.0.0.6:28601', '--source', '2001:db8::5', '--rate', '0']);
  assert.equal(r2.code, 0, r2.stderr);
  assert.deepEqual((await one.settle(1)).map((b) => b.toString()), ['<11>1 2026-12-01T08:30:00Z v6host sshd 9 - - user err']);
});
