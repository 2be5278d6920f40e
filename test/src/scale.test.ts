/**
 * Replica groups: three syslog forwarders share one stream from 50 sources,
 * each datagram delivered once, each source through one replica; one
 * replica killed under load, its share moves and the loss is what the
 * metrics say; a fourth joins under load and takes a share with nothing
 * duplicated; the store, the anomaly detector and a fan-out forwarder,
 * subscribers outside the group, see everything throughout.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { CLI, start, type Proc } from './helpers/process.js';
import { openSources, tagOf } from './helpers/sources.js';
import { merge, metricValue, tempDir, testConfig, writeConfig } from './helpers/stack.js';
import { listenUdp, type Listener } from './helpers/udp.js';

const PORT = 24514;
const SOURCES = 50;
const RATE = 5000;

async function service(t: TestContext, name: string, file: string, replica = 0): Promise<{ proc: Proc; pid: number; metricsPort: number }> {
  const proc = start(t, process.execPath, [CLI, name, '--config', file], { env: { ...process.env, SEKIWAKE_REPLICA: String(replica) } });
  const line = await proc.waitFor(/"msg":"service started"/);
  const { pid, metricsPort } = JSON.parse(line) as { pid: number; metricsPort: number };
  return { proc, pid, metricsPort };
}

async function metric(port: number, name: string, labels: Record<string, string> = {}): Promise<number> {
  return metricValue(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), name, labels);
}

// Unique messages by their place in the send order, and how often each came.
function tally(l: Listener, from = 0) {
  const seen = new Map<number, number>();
  const portsBySource = new Map<number, Set<number>>();
  l.datagrams.forEach((b, i) => {
    const tag = tagOf(b);
    assert.ok(tag, `a message of ours: ${b.toString().slice(0, 60)}`);
    seen.set(tag.k, (seen.get(tag.k) ?? 0) + 1);
    if (i >= from) {
      const ports = portsBySource.get(tag.src) ?? new Set<number>();
      ports.add(l.senders[i]!);
      portsBySource.set(tag.src, ports);
    }
  });
  const dups = [...seen.values()].filter((n) => n > 1).length;
  return { seen, dups, portsBySource };
}

async function joined(metricsPort: number, members: number) {
  const until = Date.now() + 10_000;
  while ((await metric(metricsPort, 'sekiwake_group_members', { group: 'syslog-forwarder' })) !== members) {
    if (Date.now() > until) throw new Error(`the group never had ${members} members`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('forwarder replicas split the stream exactly once, fail over and take on new members', async (t) => {
  const dir = tempDir(t);
  const out = await listenUdp(t, '127.0.0.2');
  const fanout = await listenUdp(t, '127.0.0.3');
  const archive = join(dir, 'archive');
  const base = testConfig(dir, {
    services: {
      capture: { ports: { syslog: [PORT] } },
      store: { enabled: true, directory: archive },
      anomaly: { enabled: true, kinds: ['syslog'] },
    },
  });
  const grouped = writeConfig(dir, merge(base, { services: { 'syslog-forwarder': { destinations: [{ host: '127.0.0.2', port: out.port }] } } }), 'grouped.yaml');
  const fanned = writeConfig(dir, merge(base, { services: { 'syslog-forwarder': { replicaGroup: null, destinations: [{ host: '127.0.0.3', port: fanout.port }] } } }), 'fanout.yaml');

  const proxy = await service(t, 'proxy', grouped);
  const replicas = [await service(t, 'syslog-forwarder', grouped, 0), await service(t, 'syslog-forwarder', grouped, 1), await service(t, 'syslog-forwarder', grouped, 2)];
  await service(t, 'syslog-forwarder', fanned, 9);
  const store = await service(t, 'store', grouped);
  const anomaly = await service(t, 'anomaly', grouped);
  await joined(proxy.metricsPort, 3);
  await service(t, 'capture', grouped);
  const sources = await openSources(t, SOURCES);

  // Stable group of three.
  await sources.send(15_000, RATE, PORT);
  await out.settle(15_000);
  let r = tally(out);
  assert.equal(r.seen.size, 15_000, 'every datagram arrived');
  assert.equal(r.dups, 0, 'none twice');
  for (const [src, ports] of r.portsBySource) assert.equal(ports.size, 1, `source ${src} went through one replica`);
  assert.equal(new Set(out.senders).size, 3, 'each of the three replicas carried a share');

  // Kill one replica under load.
  const sending = sources.send(30_000, RATE, PORT);
  await new Promise((res) => setTimeout(res, 1000));
  process.kill(replicas[1]!.pid, 'SIGKILL');
  await sending;
  await out.settle(45_000 - 3000, 20_000);
  await joined(proxy.metricsPort, 2);
  r = tally(out);
  assert.equal(r.dups, 0, 'nothing duplicated by the fail-over');
  const missing = 45_000 - r.seen.size;
  const lost = await metric(proxy.metricsPort, 'sekiwake_group_lost_datagrams_total', { reason: 'member_died' });
  t.diagnostic(`fail-over: ${missing} datagrams missing, ${lost} counted lost (member_died)`);
  assert.ok(missing <= lost, `what went missing (${missing}) is counted as lost (${lost})`);
  assert.ok(lost - missing <= RATE / 10, `the count is within 100 ms of traffic of the real loss (${lost} vs ${missing})`);
  for (let k = 15_000 + 20_000; k < 45_000; k++) assert.equal(r.seen.get(k), 1, `message ${k}, sent after the fail-over, arrived once`);

  // A fourth (third live) replica joins under load.
  const portsBefore = new Set(out.senders);
  const from = out.datagrams.length;
  const sending2 = sources.send(20_000, RATE, PORT);
  await new Promise((res) => setTimeout(res, 1000));
  await service(t, 'syslog-forwarder', grouped, 3);
  await sending2;
  await out.settle(from + 20_000, 20_000);
  r = tally(out);
  assert.equal(r.dups, 0, 'nothing duplicated by the join');
  for (let k = 45_000; k < 65_000; k++) assert.equal(r.seen.get(k), 1, `message ${k} arrived once across the join`);
  const newPorts = [...new Set(out.senders.slice(from))].filter((p) => !portsBefore.has(p));
  assert.equal(newPorts.length, 1, 'the new replica took a share');
  assert.equal(await metric(proxy.metricsPort, 'sekiwake_group_members', { group: 'syslog-forwarder' }), 3);

  // The fan-out subscriber saw every datagram through all of it.
  await fanout.settle(65_000, 20_000);
  const all = tally(fanout);
  assert.equal(all.seen.size, 65_000);
  assert.equal(all.dups, 0);

  // So did the anomaly detector, and the store, once it has written.
  assert.equal(await metric(anomaly.metricsPort, 'sekiwake_anomaly_received_total', { kind: 'syslog' }), 65_000);
  assert.equal(await store.proc.stop(), 0, 'the store drains and stops cleanly');
  const lines: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else lines.push(...readFileSync(join(d, e.name), 'utf8').split('\n').filter((l) => l.length > 0));
    }
  };
  walk(archive);
  const archived = new Set(lines.map((l) => /k=(\d+)$/.exec(l)?.[1]));
  assert.equal(lines.length, 65_000, 'the archive holds every datagram once');
  assert.equal(archived.size, 65_000);
});
