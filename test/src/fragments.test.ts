/**
 * Syslog messages larger than the MTU cross a veth link with MTU 1500, so
 * the sender's kernel fragments them; the capture reassembles them and the
 * destination receives each one whole. Over IPv4 and IPv6.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createNetnsPair } from './helpers/netns.js';
import { CLI, run, start } from './helpers/process.js';
import { metricValue, startStack, tempDir, testConfig, writeConfig } from './helpers/stack.js';

const LISTEN = fileURLToPath(new URL('./tools/udp-listen.js', import.meta.url));
const PORT = 5514;
const SIZES = [1200, 4000, 9000, 30000];
const PER_SIZE = 25;
const MESSAGE = /^<133>\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ sekiwake-send\[\d+\]: seq=(\d+) x+$/;

test('datagrams fragmented on a 1500-byte MTU link arrive whole (IPv4 and IPv6)', async (t) => {
  const net = createNetnsPair(t, 1500);
  const dir = tempDir(t);
  const listener = start(t, 'ip', ['netns', 'exec', net.b, process.execPath, LISTEN, '127.0.0.2', '3514']);
  await listener.waitFor(/^ready$/);
  const config = testConfig(dir, {
    services: {
      capture: { interface: net.ifB, ports: { syslog: [PORT] } },
      'syslog-forwarder': { destinations: [{ host: '127.0.0.2', port: 3514 }] },
      proxy: { metrics: { port: 19460 } },
    },
  });
  config.services = { ...(config.services as object), capture: { ...(config.services as any).capture, metrics: { host: '127.0.0.1', port: 19461 } } };
  const file = writeConfig(dir, config);
  const stack = start(t, 'ip', ['netns', 'exec', net.b, process.execPath, CLI, 'up', '--config', file]);
  await stack.waitFor(/"msg":"stack up"/);

  let seq = 0;
  for (const to of [net.ipv4.b, `[${net.ipv6.b}]`]) {
    for (const size of SIZES) {
      const args = [CLI, 'send', 'syslog', '--to', `${to}:${PORT}`, '--size', String(size), '--count', String(PER_SIZE), '--rate', '200', '--start-seq', String(seq)];
      const r = await run('ip', ['netns', 'exec', net.a, process.execPath, ...args]);
      assert.equal(r.code, 0, r.stderr);
      seq += PER_SIZE;
    }
  }
  const until = Date.now() + 15_000;
  const received = () => listener.stdout().split('\n').filter((l) => l && l !== 'ready').map((l) => Buffer.from(l, 'base64'));
  while (received().length < seq && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 300));
  const got = received();
  assert.equal(got.length, seq, 'every datagram arrived, none twice');
  const seen = new Set<number>();
  for (const b of got) {
    const text = b.toString('latin1');
    const m = MESSAGE.exec(text);
    assert.ok(m, `whole, unaltered message: ${text.slice(0, 80)}…`);
    const n = Number(m[1]);
    assert.equal(b.length, SIZES[Math.floor(n / PER_SIZE) % SIZES.length], `seq ${n} has its full size`);
    seen.add(n);
  }
  assert.equal(seen.size, seq);

  // The capture saw more frames than datagrams: the big ones were fragmented.
  const metrics = await run('ip', ['netns', 'exec', net.b, 'curl', '-s', 'http://127.0.0.1:19461/metrics']);
  const frames = metricValue(metrics.stdout, 'sekiwake_capture_packets_total');
  assert.ok(frames > seq * 2, `frames ${frames} > datagrams ${seq}`);
  assert.equal(metricValue(metrics.stdout, 'sekiwake_capture_published_total', { kind: 'syslog' }), seq);
  assert.equal(metricValue(metrics.stdout, 'sekiwake_dropped_total'), 0);
  assert.equal(await stack.stop(), 0);
});
