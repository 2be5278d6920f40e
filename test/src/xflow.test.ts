/**
 * The xflow forwarder between real exporters and a real collector:
 * softflowd exports a pcap of TCP and UDP flows as NetFlow v5, v9 and
 * IPFIX, nfdump's nfcapd collects, and what it stored through Sekiwake is
 * compared with what it stored receiving softflowd directly. Then a
 * collector that becomes reachable mid-stream (in a network namespace of
 * the test's own) decodes v9 and IPFIX data from the first packet on,
 * thanks to the templates the forwarder cached.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createNetnsPair } from './helpers/netns.js';
import { CLI, run, start } from './helpers/process.js';
import { metricValue, startStack, tempDir, testConfig, writeConfig } from './helpers/stack.js';

const CAPTURE_PORT = 26056;
const THROUGH_PORT = 26602;
const CONTROL_PORT = 26603;
const LATE_PORT = 26701;
const FLOWS = 200;
const NFDUMP_FORMAT = 'fmt:%sa %da %sp %dp %pr %pkt %byt';

/** A classic pcap of Ethernet frames: FLOWS flows of 3 packets, TCP and UDP alternating. */
function flowsPcap(): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0); head.writeUInt16LE(2, 4); head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16); head.writeUInt32LE(1, 20);
  parts.push(head);
  for (let k = 0; k < FLOWS; k++) {
    for (let n = 0; n < 3; n++) {
      const tcp = k % 2 === 1;
      const payload = Buffer.alloc(10 + (k % 50), 0x78);
      const l4 = Buffer.alloc((tcp ? 20 : 8) + payload.length);
      l4.writeUInt16BE((tcp ? 5000 : 4000) + k, 0);
      l4.writeUInt16BE(tcp ? 80 : 53, 2);
      if (tcp) { l4.writeUInt32BE(n, 4); l4[12] = 0x50; l4[13] = 0x18; l4.writeUInt16BE(1000, 14); }
      else l4.writeUInt16BE(l4.length, 4);
      payload.copy(l4, tcp ? 20 : 8);
      const ip = Buffer.alloc(20);
      ip[0] = 0x45; ip.writeUInt16BE(20 + l4.length, 2); ip.writeUInt16BE(k, 4); ip[8] = 64; ip[9] = tcp ? 6 : 17;
      ip.set([10, 1, k >> 8, k & 255], 12); ip.set([10, 2, k >> 8, k & 255], 16);
      ip.writeUInt16BE(checksum(ip), 10);
      const frame = Buffer.concat([Buffer.from('020000000002020000000001', 'hex'), Buffer.from([8, 0]), ip, l4]);
      const rec = Buffer.alloc(16);
      rec.writeUInt32LE(1_700_000_000 + k, 0); rec.writeUInt32LE(n * 1000, 4);
      rec.writeUInt32LE(frame.length, 8); rec.writeUInt32LE(frame.length, 12);
      parts.push(rec, frame);
    }
  }
  return Buffer.concat(parts);
}

function checksum(b: Buffer): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) s += b.readUInt16BE(i);
  while (s > 0xffff) s = (s & 0xffff) + (s >> 16);
  return ~s & 0xffff;
}

/** nfcapd on host:port (in `netns` if given); `flows` stops it and lists what it stored. */
async function startNfcapd(t: TestContext, dir: string, host: string, port: number, netns?: string) {
  const flowdir = join(dir, `nfcapd-${port}-${Date.now()}`);
  mkdirSync(flowdir);
  const args = ['-b', host, '-p', String(port), '-w', flowdir];
  const proc = netns ? start(t, 'ip', ['netns', 'exec', netns, 'nfcapd', ...args]) : start(t, 'nfcapd', args);
  await proc.waitFor(/Startup nfcapd/);
  return {
    async flows(): Promise<string[]> {
      await new Promise((r) => setTimeout(r, 300));
      await proc.stop();
      const r = await run('nfdump', ['-R', flowdir, '-q', '-o', NFDUMP_FORMAT]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' ')).filter((l) => /^\d/.test(l)).sort();
    },
  };
}

/**
 * softflowd reading a pcap and exporting everything at its end. Reading a
 * file, softflowd 1.1.0 can block in accept() on its control socket until
 * someone connects, so the control socket is poked until softflowd exits.
 */
async function softflowd(t: TestContext, dir: string, pcap: string, to: string, version: string): Promise<void> {
  const ctl = join(dir, `softflowd-${version}-${to.replace(/\W/g, '_')}.ctl`);
  const proc = start(t, 'softflowd', ['-r', pcap, '-n', to, '-v', version, '-d', '-p', `${ctl}.pid`, '-c', ctl]);
  const until = Date.now() + 20_000;
  while (proc.child.exitCode === null && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 200));
    await run('softflowctl', ['-c', ctl, 'statistics']);
  }
  // Its own statistics line is printed or not depending on how it was
  // woken; what it exported is checked at the collectors instead.
  assert.equal(await proc.exited, 0, proc.stderr());
}

test('softflowd v5, v9 and IPFIX through the forwarder: nfcapd stores the same flows as when it receives softflowd directly', async (t) => {
  const dir = tempDir(t);
  const pcap = join(dir, 'flows.pcap');
  writeFileSync(pcap, flowsPcap());
  const stack = await startStack(t, dir, testConfig(dir, {
    services: {
      capture: { ports: { flow: [CAPTURE_PORT] } },
      'xflow-forwarder': { enabled: true, destinations: [{ host: '127.0.0.2', port: THROUGH_PORT, name: 'nfcapd' }] },
    },
  }));
  for (const version of ['5', '9', '10']) {
    const through = await startNfcapd(t, dir, '127.0.0.2', THROUGH_PORT);
    const control = await startNfcapd(t, dir, '127.0.0.3', CONTROL_PORT);
    await softflowd(t, dir, pcap, `127.0.0.1:${CAPTURE_PORT}`, version);
    await softflowd(t, dir, pcap, `127.0.0.3:${CONTROL_PORT}`, version);
    const direct = await control.flows();
    const relayed = await through.flows();
    assert.equal(direct.length, FLOWS, `v${version}: the control run stored every flow`);
    assert.deepEqual(relayed, direct, `v${version}: same flows, addresses, ports, packets and bytes`);
    assert.ok(direct.includes(`10.1.0.7 10.2.0.7 5007 80 TCP 3 ${3 * (40 + 10 + 7)}`), `v${version}: a known TCP flow`);
  }
  assert.equal(await stack.stop(), 0);
});

test('a collector reachable only mid-stream decodes v9 and IPFIX data from its first packet, from the cached templates', async (t) => {
  const dir = tempDir(t);
  const ns = createNetnsPair(t);
  // The forwarder's namespace starts with no route to the collector: its
  // destination cannot connect until the link comes up.
  execFileSync('ip', ['-n', ns.a, 'addr', 'flush', 'dev', ns.ifA]);
  execFileSync('ip', ['-n', ns.a, 'link', 'set', ns.ifA, 'down']);
  const config = testConfig(dir, { services: { capture: { ports: { flow: [CAPTURE_PORT] } } } });
  const stack = await startStack(t, dir, config);
  // The forwarder alone, in namespace a, on the same (ipc) bus.
  const fwdConfig = testConfig(dir, {
    services: { 'xflow-forwarder': { enabled: true, destinations: [{ host: ns.ipv4.b, port: LATE_PORT, name: 'late' }] } },
  });
  const file = writeConfig(dir, fwdConfig, 'forwarder.yaml');
  const fwd = start(t, 'ip', ['netns', 'exec', ns.a, process.execPath, CLI, 'xflow-forwarder', '--config', file]);
  const started = JSON.parse(await fwd.waitFor(/"msg":"service started"/)) as { metricsPort: number };
  await fwd.waitFor(/"msg":"destination unavailable"/);
  const collector = await startNfcapd(t, dir, ns.ipv4.b, LATE_PORT, ns.b);

  const records = 10;
  const senders = ['9', '10'].map((version, i) => run(process.execPath, [CLI, 'send', 'flow', '--version', version,
    '--to', `127.0.0.1:${CAPTURE_PORT}`, '--count', '500', '--rate', '100', '--records', String(records),
    '--domain', String(40 + i), '--template-every', '1000000']));
  await new Promise((r) => setTimeout(r, 1500));
  execFileSync('ip', ['-n', ns.a, 'addr', 'add', `${ns.ipv4.a}/30`, 'dev', ns.ifA]);
  execFileSync('ip', ['-n', ns.a, 'link', 'set', ns.ifA, 'up']);
  await fwd.waitFor(/"msg":"collector primed with cached templates"/, 20_000);
  for (const s of await Promise.all(senders)) assert.equal(s.code, 0, s.stderr);
  await new Promise((r) => setTimeout(r, 500));

  const metrics = await run('ip', ['netns', 'exec', ns.a, 'curl', '-s', `http://127.0.0.1:${started.metricsPort}/metrics`]);
  const sent = metricValue(metrics.stdout, 'sekiwake_destination_sent_total', { destination: 'late' });
  const primed = metricValue(metrics.stdout, 'sekiwake_flow_primed_total', { destination: 'late' });
  assert.equal(primed, 2, 'one template datagram for each exporter stream');
  const dataPackets = sent - primed;
  assert.ok(dataPackets > 100 && dataPackets < 1000, `the collector joined mid-stream (${dataPackets} data packets)`);
  const flows = await collector.flows();
  // The templates went out once, at the start, long before the collector
  // was reachable: every flow it decoded, it decoded from the cached ones.
  assert.equal(flows.length, dataPackets * records, 'every data record sent to the late collector was decoded');
  assert.equal(await fwd.stop(), 0);
  assert.equal(await stack.stop(), 0);
});
