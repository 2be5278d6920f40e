/**
 * The forwarders on another host than the capture: two test hosts in
 * network namespaces, the proxy and the capture on one, a syslog forwarder
 * on the other, over TCP with CURVE encryption and client authentication.
 * A forwarder whose key the proxy does not know receives nothing.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createNetnsPair } from './helpers/netns.js';
import { CLI, run, start } from './helpers/process.js';
import { merge, metricValue, tempDir, testConfig, writeConfig } from './helpers/stack.js';

const LISTEN = fileURLToPath(new URL('./tools/udp-listen.js', import.meta.url));
const PORT = 5514;
const COUNT = 2000;

async function keypair(): Promise<{ publicKey: string; secretKey: string }> {
  const r = await run(process.execPath, [CLI, 'keygen']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { publicKey: string; secretKey: string };
}

const off = { enabled: false };

test('a forwarder on another host receives over TCP with CURVE; an unknown key is refused', async (t) => {
  const net = createNetnsPair(t);
  const dir = tempDir(t);
  const [server, captureHost, forwarderHost, stranger] = [await keypair(), await keypair(), await keypair(), await keypair()];
  const endpoints = (host: string) => ({ publishEndpoint: `tcp://${host}:5601`, subscribeEndpoint: `tcp://${host}:5602`, groupEndpoint: `tcp://${host}:5603` });
  const curve = { serverPublicKey: server.publicKey };

  // Host B: proxy (bound on every address of its namespace) and capture on its lo.
  const hostB = writeConfig(dir, merge(testConfig(dir), {
    bus: { ...endpoints('0.0.0.0'), curve: { ...curve, serverSecretKey: server.secretKey, clientPublicKey: captureHost.publicKey, clientSecretKey: captureHost.secretKey, authorizedClients: [captureHost.publicKey, forwarderHost.publicKey] } },
    services: { capture: { interface: 'lo', ports: { syslog: [PORT] } }, 'syslog-forwarder': off, proxy: { metrics: { host: '127.0.0.1', port: 19470 } } },
  }), 'host-b.yaml');
  // Host A: only a syslog forwarder, connecting across the link.
  const forwarder = (pair: { publicKey: string; secretKey: string }, port: number) => merge(testConfig(dir), {
    bus: { ...endpoints(net.ipv4.b), curve: { ...curve, clientPublicKey: pair.publicKey, clientSecretKey: pair.secretKey } },
    services: { proxy: off, capture: off, 'syslog-forwarder': { destinations: [{ host: '127.0.0.2', port }] } },
  });
  const hostA = writeConfig(dir, forwarder(forwarderHost, 3514), 'host-a.yaml');
  const hostAStranger = writeConfig(dir, forwarder(stranger, 3515), 'host-a-stranger.yaml');

  const inNs = (ns: string, ...args: string[]) => ['netns', 'exec', ns, ...args];
  const listener = start(t, 'ip', inNs(net.a, process.execPath, LISTEN, '127.0.0.2', '3514'));
  const strangerListener = start(t, 'ip', inNs(net.a, process.execPath, LISTEN, '127.0.0.2', '3515'));
  await listener.waitFor(/^ready$/);
  await strangerListener.waitFor(/^ready$/);
  const proxy = start(t, 'ip', inNs(net.b, process.execPath, CLI, 'proxy', '--config', hostB));
  await proxy.waitFor(/"msg":"service started"/);
  const fwd = start(t, 'ip', inNs(net.a, process.execPath, CLI, 'syslog-forwarder', '--config', hostA));
  await fwd.waitFor(/"msg":"service started"/);
  const rogue = start(t, 'ip', inNs(net.a, process.execPath, CLI, 'syslog-forwarder', '--config', hostAStranger), { env: { ...process.env, SEKIWAKE_REPLICA: '1' } });
  await rogue.waitFor(/"msg":"service started"/);
  // The capture on host B connects to its own proxy over loopback.
  const capEnv = { ...process.env, SEKIWAKE_BUS__PUBLISH_ENDPOINT: 'tcp://127.0.0.1:5601', SEKIWAKE_BUS__SUBSCRIBE_ENDPOINT: 'tcp://127.0.0.1:5602', SEKIWAKE_BUS__GROUP_ENDPOINT: 'tcp://127.0.0.1:5603' };
  const capture = start(t, 'ip', inNs(net.b, process.execPath, CLI, 'capture', '--config', hostB), { env: capEnv });
  await capture.waitFor(/"msg":"service started"/);
  await new Promise((r) => setTimeout(r, 1500));

  const sent = await run('ip', inNs(net.b, process.execPath, CLI, 'send', 'syslog', '--to', `127.0.0.1:${PORT}`, '--count', String(COUNT), '--rate', '2000'));
  assert.equal(sent.code, 0, sent.stderr);
  const lines = () => listener.stdout().split('\n').filter((l) => l && l !== 'ready');
  const until = Date.now() + 15_000;
  while (lines().length < COUNT && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 500));
  const seqs = lines().map((l) => Number(/seq=(\d+)/.exec(Buffer.from(l, 'base64').toString())?.[1]));
  assert.equal(seqs.length, COUNT, 'every datagram crossed to the other host once');
  assert.deepEqual([...new Set(seqs)].sort((a, b) => a - b), Array.from({ length: COUNT }, (_, i) => i));
  assert.equal(strangerListener.stdout().trim(), 'ready', 'the forwarder with an unknown key received nothing');

  const metrics = await run('ip', inNs(net.b, 'curl', '-s', 'http://127.0.0.1:19470/metrics'));
  assert.ok(metricValue(metrics.stdout, 'sekiwake_dropped_total', { reason: 'client_refused' }) > 0, 'the proxy counted the refused client');
  assert.match(proxy.stdout(), /"msg":"bus client refused"/);
});
