/**
 * Storm detection through the whole stack: `sekiwake send syslog` to a
 * capture port on `lo`, capture, the bus, the anomaly service on one-second
 * bins, and its notifications at a real HTTP receiver and a UDP listener.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { CLI, run } from './helpers/process.js';
import { metricValue, scrape, startStack, tempDir, testConfig } from './helpers/stack.js';
import { listenUdp } from './helpers/udp.js';

const CAPTURE_PORT = 29514;
const STEADY = ['127.0.0.2', '127.0.0.3'];

interface Note { event: string; anomaly: string; kind: string; scope: string; text: string }

async function receiver(t: TestContext): Promise<{ url: string; notes: Note[] }> {
  const notes: Note[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      notes.push(JSON.parse(body) as Note);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, notes };
}

function send(source: string, count: number, rate: number) {
  return run(process.execPath, [CLI, 'send', 'syslog', '--to', `127.0.0.1:${CAPTURE_PORT}`, '--source', source, '--count', String(count), '--rate', String(rate)]);
}

test('a storm from one source is notified once when it starts and once when it ends, for its scopes only', async (t) => {
  const dir = tempDir(t);
  const hook = await receiver(t);
  const syslog = await listenUdp(t, '127.0.0.1');
  const stack = await startStack(t, dir, testConfig(dir, {
    services: {
      capture: { ports: { syslog: [CAPTURE_PORT] } },
      anomaly: {
        enabled: true,
        kinds: ['syslog'],
        binSeconds: 1,
        windowBins: 8,
        warmupBins: 4,
        closeDelayMs: 1000,
        // Wide margins: a loaded machine may pace the steady senders unevenly.
        k: 4,
        minStdDevFraction: 0.25,
        silence: false,
        notify: { webhook: { url: hook.url }, syslog: { host: '127.0.0.1', port: syslog.port } },
      },
    },
  }));

  // 40 messages a second from each of two sources for 12 s; after 6 s,
  // 1500 more from the first one within a third of a second.
  const steady = STEADY.map((src) => send(src, 480, 40));
  await new Promise((r) => setTimeout(r, 6000));
  const storm = await send(STEADY[0]!, 1500, 5000);
  assert.equal(storm.code, 0, storm.stderr);
  for (const r of await Promise.all(steady)) assert.equal(r.code, 0, r.stderr);
  // The last bins close one second after they end.
  await new Promise((r) => setTimeout(r, 3000));

  const got = hook.notes.map((n) => `${n.event} ${n.anomaly} ${n.kind} ${n.scope}`).sort();
  assert.deepEqual(got, [
    'end storm syslog source:127.0.0.2',
    'end storm syslog total',
    'start storm syslog source:127.0.0.2',
    'start storm syslog total',
  ], hook.notes.map((n) => n.text).join('\n'));
  assert.equal(syslog.datagrams.length, 4, 'one RFC 5424 message per notification');
  assert.ok(syslog.datagrams.every((d) => /^<2[89]>1 /.test(d.toString())));

  const m = await scrape(stack, 'anomaly');
  assert.equal(metricValue(m, 'sekiwake_anomaly_received_total', { kind: 'syslog' }), 2 * 480 + 1500);
  assert.equal(metricValue(m, 'sekiwake_anomaly_events_total', { anomaly: 'storm', event: 'start' }), 2);
  assert.equal(metricValue(m, 'sekiwake_anomaly_active', { scope: 'total' }), 0);
  assert.ok(metricValue(m, 'sekiwake_anomaly_band_upper', { scope: 'source:127.0.0.3' }) > 0, 'the band of the quiet source is published');
  assert.equal(metricValue(m, 'sekiwake_anomaly_notifications_total', { channel: 'webhook', outcome: 'sent' }), 4);
  assert.equal(metricValue(m, 'sekiwake_dropped_total'), 0);
  assert.equal(await stack.stop(), 0, 'the stack stops cleanly');
});
