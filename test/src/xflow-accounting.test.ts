/**
 * The xflow forwarder's accounting, end to end on loopback: `sekiwake send
 * flow` exports NetFlow v5, v9, IPFIX and sFlow with chosen datagrams left
 * out, and hand-made malformed datagrams of each version follow. tcpdump
 * witnesses what was sent and what was forwarded; tshark decodes the
 * forwarded sFlow independently.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { CLI, run } from './helpers/process.js';
import { metricValue, scrape, startStack, tempDir, testConfig } from './helpers/stack.js';
import { startTcpdump } from './helpers/tcpdump.js';
import { listenUdp, payloadCounts } from './helpers/udp.js';

const CAPTURE_PORT = 26055;
const COLLECTOR_PORT = 26155;

/** Each exporter: what it sends, what it leaves out, and what the forwarder must count as missed. */
const EXPORTERS = [
  // v5: 30 flows a datagram, sequence in flows: 4 datagrams of 30 lost.
  { version: '5', domain: 1, label: '0/1', protocol: 'netflow5', skip: '5,17-19', sent: 36, records: 36 * 30, missed: 120 },
  // v9: the sequence counts export packets.
  { version: '9', domain: 2, label: '2', protocol: 'netflow9', skip: '3,30', sent: 38, records: 38 * 10 + 7, missed: 2 },
  // IPFIX: data records; datagram 10 carried the templates and one options data record.
  { version: '10', domain: 3, label: '3', protocol: 'ipfix', skip: '10', sent: 39, records: 39 * 10 + 7, missed: 11 },
  // sFlow: datagrams.
  { version: 'sflow', domain: 4, label: '192.0.2.1/4', protocol: 'sflow5', skip: '2,20-24', sent: 34, records: 34 * 10, missed: 6 },
];

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

/** Malformed datagrams of each version, each on an exporter stream of its own. */
const MALFORMED: Array<[string, string, Buffer]> = [
  ['netflow5', 'truncated_header', hex('0005 0001 00000000 0000')],
  ['netflow5', 'bad_length', Buffer.concat([hex('0005 0003 00000001 00000000 00000000 00000000 0063 0000'), Buffer.alloc(48 * 2)])],
  ['netflow9', 'bad_set', hex('0009 0001 00000001 00000000 00000000 00000063 0100 0002')],
  ['netflow9', 'bad_template', hex('0009 0001 00000001 00000000 00000000 00000064 0000 0010 0005 0002 0008 0004 000c 0004')],
  ['ipfix', 'bad_length', hex('000a 0040 00000000 00000000 00000063 0002 0008 0100 0000')],
  ['ipfix', 'bad_set', hex('000a 0018 00000000 00000000 00000064 0001 0008 00000000')],
  ['sflow5', 'bad_header', hex('00000005 00000007 7f000001 00000000 00000000 00000000 00000000')],
  ['sflow5', 'bad_length', hex('00000005 00000001 c0000202 00000063 00000000 00000000 00000001 00000001 00000100')],
  ['unknown', 'unknown_version', Buffer.from('<13>not a flow at all')],
];

test('per-exporter records and upstream loss, malformed datagrams forwarded raw and counted', async (t) => {
  const dir = tempDir(t);
  const witness = await startTcpdump(t, dir, 'lo', `udp dst port ${CAPTURE_PORT}`);
  const collector = await listenUdp(t, '127.0.0.2', COLLECTOR_PORT);
  const forwarded = await startTcpdump(t, dir, 'lo', `udp dst port ${COLLECTOR_PORT}`);
  const stack = await startStack(t, dir, testConfig(dir, {
    services: {
      capture: { ports: { flow: [CAPTURE_PORT] } },
      'xflow-forwarder': { enabled: true, destinations: [{ host: '127.0.0.2', port: COLLECTOR_PORT, name: 'collector' }] },
    },
  }));

  for (const e of EXPORTERS) {
    const args = ['send', 'flow', '--version', e.version, '--to', `127.0.0.1:${CAPTURE_PORT}`, '--count', '40',
      '--rate', '400', '--domain', String(e.domain), '--skip', e.skip, '--template-every', '5'];
    const r = await run(process.execPath, [CLI, ...args]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).sent, e.sent);
  }
  const socket = createSocket('udp4');
  t.after(() => socket.close());
  for (const [, , p] of MALFORMED) {
    await new Promise<void>((resolve, reject) => socket.send(p, CAPTURE_PORT, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  }

  const total = EXPORTERS.reduce((n, e) => n + e.sent, 0) + MALFORMED.length;
  const got = await collector.settle(total);
  const sent = await witness.payloads();
  assert.equal(sent.length, total, 'tcpdump saw every datagram sent');
  assert.deepEqual(payloadCounts(got), payloadCounts(sent), 'the collector got every datagram once, byte for byte, malformed ones too');

  const m = await scrape(stack, 'xflow-forwarder');
  for (const e of EXPORTERS) {
    const labels = { exporter: '127.0.0.1', protocol: e.protocol, domain: e.label };
    assert.equal(metricValue(m, 'sekiwake_flow_datagrams_total', labels), e.sent, `${e.protocol} datagrams`);
    assert.equal(metricValue(m, 'sekiwake_flow_records_total', labels), e.records, `${e.protocol} records`);
    assert.equal(metricValue(m, 'sekiwake_flow_sequence_missed_total', labels), e.missed, `${e.protocol} missed upstream`);
    assert.equal(metricValue(m, 'sekiwake_flow_exporter_restarts_total', labels), 0, `${e.protocol} restarts`);
  }
  assert.equal(metricValue(m, 'sekiwake_flow_templates_total', { protocol: 'netflow9', domain: '2' }), 2 * 7, 'v9 templates: 2 in each of the 7 template datagrams sent');
  for (const [protocol, reason] of MALFORMED) {
    const n = MALFORMED.filter(([p, r]) => p === protocol && r === reason).length;
    assert.equal(metricValue(m, 'sekiwake_flow_malformed_total', { protocol, reason }), n, `${protocol} ${reason}`);
  }
  assert.equal(metricValue(m, 'sekiwake_flow_malformed_total'), MALFORMED.length, 'no valid datagram counted as malformed');
  assert.equal(metricValue(m, 'sekiwake_destination_sent_total', { destination: 'collector' }), total);
  assert.equal(metricValue(m, 'sekiwake_dropped_total'), 0, 'nothing dropped inside Sekiwake');

  // An independent decoder of what the collector received: tshark's sFlow v5 dissector.
  await forwarded.payloads();
  const ts = await run('tshark', ['-r', forwarded.file, '-d', `udp.port==${COLLECTOR_PORT},sflow`, '-Y', 'sflow_245.agent == 192.0.2.1',
    '-T', 'fields', '-e', 'sflow_245.sequence_number', '-e', 'sflow_245.numsamples', '-e', 'sflow_245.sub_agent_id']);
  assert.equal(ts.code, 0, ts.stderr);
  const skipped = new Set([2, 20, 21, 22, 23, 24]);
  const expected = Array.from({ length: 40 }, (_, i) => i).filter((i) => !skipped.has(i)).map((i) => `${i}\t10\t4`);
  assert.deepEqual(ts.stdout.trim().split('\n'), expected, 'tshark decodes every forwarded sFlow datagram');
  assert.equal(await stack.stop(), 0, 'the stack stops cleanly after malformed input');
});
