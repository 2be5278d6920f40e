import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escape, unescape } from './escape.js';
import { decodeJson, decodeText, encodeJson, encodeText, LineBuffer } from './record.js';
import { facilityCode, parseSyslog, severityCode } from './syslog.js';
import { parseUserTime, TimeFormatter } from './time.js';

test('escaping keeps one line and gives back every byte value', () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const e = escape(all);
  assert.equal(e.indexOf(0x0a), -1);
  assert.equal(e.indexOf(0x0d), -1);
  assert.deepEqual(unescape(e), all);
  assert.equal(escape(Buffer.from('a\\b\nc\x00')).toString('latin1'), 'a\\\\b\\nc\\x00');
  for (let i = 0; i < 200; i++) {
    const b = Buffer.from(Array.from({ length: i * 3 }, () => Math.floor(Math.random() * 256)));
    assert.deepEqual(unescape(escape(b)), b);
  }
  assert.equal(unescape(Buffer.from('bad \\q escape')), null);
  assert.equal(unescape(Buffer.from('cut \\x4')), null);
});

test('a text line and a JSON line read back to the exact bytes', () => {
  const raw = Buffer.from([0x3c, 0x31, 0x33, 0x3e, 0xff, 0x0a, 0x5c, 0x41]);
  const time = new TimeFormatter().format(1_796_000_000, 5);
  assert.equal(time, '2026-11-30T00:53:20.000000005Z');
  for (const [enc, dec] of [[encodeText, decodeText], [encodeJson, decodeJson]] as const) {
    const out = new LineBuffer(0);
    const n: number = enc(out, time, "2001:db8::1", raw);
    assert.equal(n, out.used);
    assert.equal(out.buf[out.used - 1], 0x0a);
    const r: unknown = dec(out.buf.subarray(0, out.used - 1));
    assert.deepEqual(r, { time, source: '2001:db8::1', raw });
  }
  assert.equal(decodeText(Buffer.from('2026-11-29T01:33:20Z 1.2.3.4 x')), null);
});

test('RFC 5424 and RFC 3164 headers are parsed', () => {
  const f = parseSyslog(Buffer.from('<165>1 2026-12-03T16:20:00.003Z host1 app 77 ID47 [ex@32473 a="x\\]y"][b c="d"] \ufeffhello'));
  assert.deepEqual(f, {
    pri: 165, facility: 20, severity: 5, timestamp: '2026-12-03T16:20:00.003Z', hostname: 'host1', app: 'app',
    procid: '77', msgid: 'ID47', sd: '[ex@32473 a="x\\]y"][b c="d"]', msg: 'hello',
  });
  const g = parseSyslog(Buffer.from('<189>Dec  3 16:20:00 router1 %LINK-3-UPDOWN: Interface down'));
  assert.equal(g.timestamp, 'Dec  3 16:20:00');
  assert.equal(g.hostname, 'router1');
  assert.equal(g.app, '%LINK-3-UPDOWN');
  assert.equal(g.msg, 'Interface down');
  const h = parseSyslog(Buffer.from('<13>Dec 13 01:02:03 box sshd[42]: Accepted'));
  assert.deepEqual([h.facility, h.severity, h.hostname, h.app, h.procid, h.msg], [1, 5, 'box', 'sshd', '42', 'Accepted']);
  assert.equal(parseSyslog(Buffer.from('no pri')).pri, null);
  assert.equal(facilityCode('local7'), 23);
  assert.equal(severityCode('warn'), 4);
  assert.equal(severityCode('9'), null);
});

test('command-line times become the stored fixed-width form', () => {
  assert.equal(parseUserTime('2026-12-03'), '2026-12-03T00:00:00.000000000Z');
  assert.equal(parseUserTime('2026-12-03T16:20:00.5+01:00'), '2026-12-03T15:20:00.500000000Z');
  assert.equal(parseUserTime('2026-12-03T16:20:00.123456789Z'), '2026-12-03T16:20:00.123456789Z');
  assert.equal(parseUserTime('0'), '1970-01-01T00:00:00.000000000Z');
  assert.equal(parseUserTime('yesterday'), null);
});
