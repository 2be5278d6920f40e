/**
 * The whole path on loopback: real senders (logger, sekiwake send), capture
 * on `lo`, the ZeroMQ bus, the syslog forwarder, and two destinations at
 * once, a plain UDP listener and a real rsyslog. tcpdump is the witness of
 * what was sent.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { CLI, run } from './helpers/process.js';
import { startRsyslog } from './helpers/rsyslog.js';
import { metricValue, scrape, startStack, tempDir, testConfig } from './helpers/stack.js';
import { startTcpdump } from './helpers/tcpdump.js';
import { listenUdp, payloadCounts } from './helpers/udp.js';

const CAPTURE_PORT = 25514;
const RSYSLOG_PORT = 23514;

test('syslog from logger and sekiwake send arrives exactly once, byte for byte, at two destinations', async (t) => {
  const dir = tempDir(t);
  const witness = await startTcpdump(t, dir, 'lo', `udp dst port ${CAPTURE_PORT}`);
  const listener = await listenUdp(t, '127.0.0.2');
  const rsyslog = await startRsyslog(t, dir, '127.0.0.3', RSYSLOG_PORT);
  const stack = await startStack(t, dir, testConfig(dir, {
    services: {
      capture: { ports: { syslog: [CAPTURE_PORT] } },
      'syslog-forwarder': { destinations: [
        { host: '127.0.0.2', port: listener.port, name: 'listener' },
        { host: '127.0.0.3', port: RSYSLOG_PORT, name: 'rsyslog' },
      ] },
    },
  }));

  const tag = randomUUID().slice(0, 8);
  const loggers = [
    ['--udp', '--rfc3164', '-n', '127.0.0.1', '-P', String(CAPTURE_PORT), '-t', 'skwtest', `rfc3164 ${tag}`],
    ['--udp', '--rfc5424', '-n', '127.0.0.1', '-P', String(CAPTURE_PORT), '-t', 'skwtest', `rfc5424 ${tag}`],
  ];
  for (const args of loggers) assert.equal((await run('logger', args)).code, 0);
  const sends = [
    ['--format', 'rfc3164', '--count', '2000', '--rate', '5000', '--start-seq', '0'],
    ['--format', 'rfc5424', '--count', '1000', '--rate', '5000', '--start-seq', '2000', '--size', '600'],
  ];
  for (const args of sends) {
    const r = await run(process.execPath, [CLI, 'send', 'syslog', '--to', `127.0.0.1:${CAPTURE_PORT}`, ...args]);
    assert.equal(r.code, 0, r.stderr);
  }
  const total = 2 + 3000;
  const got = await listener.settle(total);
  const sent = await witness.payloads();
  assert.equal(sent.length, total, 'tcpdump saw every datagram sent');

  const expected = payloadCounts(sent);
  assert.deepEqual(payloadCounts(got), expected, 'the listener got each sent payload exactly once, unchanged');
  for (const [payload, n] of expected) assert.equal(n, 1, `payload sent once: ${payload.slice(0, 60)}`);
  assert.ok(got.some((b) => b.toString().endsWith(`rfc3164 ${tag}`)), 'the RFC 3164 logger message came through');
  assert.ok(got.some((b) => b.toString().endsWith(`rfc5424 ${tag}`)), 'the RFC 5424 logger message came through');
  const seqs = got.map((b) => /seq=(\d+)/.exec(b.toString())?.[1]).filter((s) => s !== undefined).map(Number);
  assert.deepEqual([...seqs].sort((a, b) => a - b), Array.from({ length: 3000 }, (_, i) => i));

  const until = Date.now() + 10_000;
  while (rsyslog.messages().length < total && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(payloadCounts(rsyslog.messages().map((l) => Buffer.from(l, 'latin1'))), expected, 'rsyslog got each payload exactly once, unchanged');

  const fwd = await scrape(stack, 'syslog-forwarder');
  assert.equal(metricValue(fwd, 'sekiwake_destination_sent_total', { destination: 'listener' }), total);
  assert.equal(metricValue(fwd, 'sekiwake_destination_sent_total', { destination: 'rsyslog' }), total);
  assert.equal(metricValue(fwd, 'sekiwake_dropped_total'), 0);
  const cap = await scrape(stack, 'capture');
  assert.equal(metricValue(cap, 'sekiwake_capture_published_total', { kind: 'syslog' }), total);
  assert.equal(metricValue(cap, 'sekiwake_dropped_total'), 0);
  assert.equal(await stack.stop(), 0, 'the stack stops cleanly on SIGTERM');
});
