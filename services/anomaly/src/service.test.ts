/**
 * The service in-process on a clock the test moves: real ZeroMQ sockets
 * stand in for the proxy (the test binds where the proxy would), a real
 * HTTP server receives the webhook, a UDP socket the syslog messages.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';
import { BatchEncoder, configSchema, createLogger, Metrics, NO_VLAN, type Config } from '@sekiwake/shared';
import type { JudgedBin } from './detect/series.js';
import type { AnomalyEvent } from './notify/event.js';
import { AnomalyService } from './service.js';

const CLI = fileURLToPath(new URL('../../../packages/cli/dist/main.js', import.meta.url));
const BIN = 10;
/** A multiple of BIN seconds, in ms: 2024-06-01T00:00:00Z. */
const T0 = 1_717_200_000_000;
const A = Uint8Array.of(127, 0, 0, 2);
const B = Uint8Array.of(127, 0, 0, 3);

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'skw-anomaly-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function webhook(t: TestContext) {
  const events: AnomalyEvent[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      events.push(JSON.parse(body) as AnomalyEvent);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, events };
}

async function udpListener(t: TestContext) {
  const got: string[] = [];
  const s = createSocket('udp4');
  s.on('message', (m) => got.push(m.toString()));
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => s.close(() => r())));
  return { port: s.address().port, got };
}

/** The two proxy ends: batches go out of `pub`, notifications come into `sub`. */
async function fakeProxy(t: TestContext, dir: string) {
  const pub = new zmq.Publisher({ linger: 0 });
  await pub.bind(`ipc://${dir}/sub.sock`);
  t.after(() => pub.close());
  const sub = new zmq.Subscriber({ linger: 0 });
  await sub.bind(`ipc://${dir}/pub.sock`);
  sub.subscribe('anomaly');
  t.after(() => sub.close());
  const notes: AnomalyEvent[] = [];
  void (async () => {
    for await (const [, body] of sub) notes.push(JSON.parse(body!.toString()) as AnomalyEvent);
  })().catch(() => undefined);
  const enc = new BatchEncoder('syslog', 1 << 20);
  let seq = 0;
  const publisher = 7;
  return {
    notes,
    /** Publishes `n` datagrams from `src` captured at `tsSec`. */
    async send(tsSec: number, src: Uint8Array, n: number) {
      for (let i = 0; i < n; i++) {
        enc.add({ tsSec, tsNsec: 0, ipVersion: 4, src, dst: Uint8Array.of(127, 0, 0, 1), srcPort: 40000, dstPort: 514, vlan: NO_VLAN, iface: 'lo', payload: Buffer.from(`<134>test ${i}`) });
      }
      const batch = enc.take(publisher, seq)!;
      seq += n;
      await pub.send(['syslog', batch]);
    },
  };
}

function config(dir: string, anomaly: Record<string, unknown>): Config {
  return configSchema.parse({
    log: { level: 'fatal' },
    bus: { publishEndpoint: `ipc://${dir}/pub.sock`, subscribeEndpoint: `ipc://${dir}/sub.sock` },
    services: { capture: { enabled: false }, anomaly: { kinds: ['syslog'], binSeconds: BIN, closeDelayMs: 0, ...anomaly } },
  });
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function metric(m: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await m.registry.metrics();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

/** A started service on the clock `clock.ms`, recording judged bins of scope "total". */
async function service(t: TestContext, cfg: Config, clock: { ms: number }) {
  const metrics = new Metrics('anomaly');
  const total: JudgedBin[] = [];
  const svc = new AnomalyService(cfg, createLogger('anomaly', 'fatal'), metrics, {
    now: () => clock.ms,
    onBin: (_k, scope, bin) => { if (scope === 'total') total.push(bin); },
  });
  await svc.start();
  let stopped = false;
  t.after(async () => { if (!stopped) await svc.stop(); });
  return { svc, metrics, total, stop: async () => { stopped = true; await svc.stop(); } };
}

/** Sends traffic for one bin, waits until the service has it, closes the bin. */
async function bin(p: Awaited<ReturnType<typeof fakeProxy>>, s: Awaited<ReturnType<typeof service>>, clock: { ms: number }, i: number, a: number, b: number) {
  const ts = T0 / 1000 + i * BIN;
  const before = await metric(s.metrics, 'sekiwake_anomaly_received_total');
  if (a > 0) await p.send(ts + 1, A, a);
  if (b > 0) await p.send(ts + 2, B, b);
  await until('the batches', async () => (await metric(s.metrics, 'sekiwake_anomaly_received_total')) >= before + a + b);
  clock.ms = (ts + BIN) * 1000;
  s.svc.tick();
}

/** Waits until the subscription reached the test's publisher (ZeroMQ's slow joiner). */
async function joined(p: Awaited<ReturnType<typeof fakeProxy>>, s: Awaited<ReturnType<typeof service>>) {
  await until('the subscription', async () => {
    await p.send(T0 / 1000 - BIN, A, 1);
    return (await metric(s.metrics, 'sekiwake_dropped_total', { reason: 'before_start' })) > 0;
  });
  await new Promise((r) => setTimeout(r, 100)); // the probes still on their way
}

test('a storm after a restart is judged against the saved baseline, notified once at start and once at end', async (t) => {
  const dir = tempDir(t);
  const hook = await webhook(t);
  const syslog = await udpListener(t);
  const proxy = await fakeProxy(t, dir);
  const stateFile = join(dir, 'state', 'anomaly.json');
  const cfg = config(dir, {
    windowBins: 6, warmupBins: 3, severity: true,
    sources: { maxTracked: 4 },
    state: { file: stateFile },
    notify: { webhook: { url: hook.url, retryDelayMs: 20 }, syslog: { host: '127.0.0.1', port: syslog.port } },
  });
  const clock = { ms: T0 };

  const first = await service(t, cfg, clock);
  await joined(proxy, first);
  for (let i = 0; i < 5; i++) await bin(proxy, first, clock, i, 10 + (i % 2), 10);
  assert.deepEqual(first.total.map((b) => b.verdict), ['warmup', 'warmup', 'warmup', 'normal', 'normal']);
  // A datagram for a bin already closed is counted as late, not added.
  await proxy.send(T0 / 1000 + 2, A, 3);
  await until('the late count', async () => (await metric(first.metrics, 'sekiwake_dropped_total', { reason: 'late' })) === 3);
  await first.stop();
  assert.ok(existsSync(stateFile), 'the state is saved on stop');
  const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { kinds: { syslog: { series: Record<string, { history: number[] }> } } };
  assert.deepEqual(saved.kinds.syslog.series.total!.history, [20, 21, 20, 21, 20]);

  // Down for bin 5: it is skipped, not a zero. Back at the start of bin 6.
  clock.ms = T0 + 6 * BIN * 1000;
  const second = await service(t, cfg, clock);
  await joined(proxy, second);
  await bin(proxy, second, clock, 6, 200, 10);
  assert.equal(second.total[0]!.verdict, 'storm', 'no warmup: the baseline survived the restart');
  assert.equal(second.total[0]!.band!.mean, 20.4);
  await bin(proxy, second, clock, 7, 250, 10);
  await bin(proxy, second, clock, 8, 10, 10);
  await bin(proxy, second, clock, 9, 11, 10);
  assert.deepEqual(second.total.map((b) => b.verdict), ['storm', 'storm', 'normal', 'normal']);

  const expected = [
    'start storm total', 'start storm source:127.0.0.2', 'start storm severity:info',
    'end storm total', 'end storm source:127.0.0.2', 'end storm severity:info',
  ];
  const line = (e: AnomalyEvent) => `${e.event} ${e.anomaly} ${e.scope}`;
  await until('the webhook posts', () => hook.events.length >= expected.length);
  await until('the bus notifications', () => proxy.notes.length >= expected.length);
  await until('the syslog messages', () => syslog.got.length >= expected.length);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(hook.events.map(line), expected, 'webhook: one start and one end per storming scope');
  assert.deepEqual(proxy.notes.map(line), expected, 'bus: the same events');
  assert.equal(syslog.got.length, expected.length);
  const start = hook.events[0]!;
  assert.equal(start.bin, '2024-06-01T00:01:00Z');
  assert.equal(start.count, 210);
  assert.match(start.text, /storm started/);
  const end = hook.events[3]!;
  assert.deepEqual([end.bins, end.peak, end.since], [2, 260, '2024-06-01T00:01:00Z']);
  // <28> is daemon.warning, RFC 5424 version 1, MSGID storm-start.
  assert.match(syslog.got[0]!, /^<28>1 \S+ \S+ sekiwake-anomaly \d+ storm-start \[sekiwake@32473 kind="syslog" scope="total" event="start" anomaly="storm" bin="2024-06-01T00:01:00Z" count="210" /);
  assert.match(syslog.got[3]!, /^<29>1 .* storm-end /);
  assert.equal(await metric(second.metrics, 'sekiwake_anomaly_active', { scope: 'total' }), 0);
  assert.equal(await metric(second.metrics, 'sekiwake_anomaly_bin_count', { scope: 'source:127.0.0.3' }), 10);
  assert.equal(await metric(second.metrics, 'sekiwake_anomaly_notifications_total', { channel: 'webhook', outcome: 'sent' }), 6);
});

test('without the saved state the same storm is only warmup', async (t) => {
  const dir = tempDir(t);
  const proxy = await fakeProxy(t, dir);
  const stateFile = join(dir, 'anomaly.json');
  writeFileSync(stateFile, '{ not json');
  const clock = { ms: T0 + 6 * BIN * 1000 };
  const s = await service(t, config(dir, { windowBins: 6, warmupBins: 3, state: { file: stateFile }, notify: { bus: false } }), clock);
  await joined(proxy, s);
  await bin(proxy, s, clock, 6, 200, 10);
  assert.equal(s.total[0]!.verdict, 'warmup', 'an unreadable state file is not used');
});

test('the offline command prints, with --json, the bins the service judges', async (t) => {
  const dir = tempDir(t);
  const proxy = await fakeProxy(t, dir);
  // 30 bins: steady with a wobble, a storm at 12-13, a silence at 20-22, a lone quiet bin at 26.
  const counts = Array.from({ length: 30 }, (_, i) => 20 + ((i * 7) % 5));
  counts[12] = 90;
  counts[13] = 120;
  counts[20] = counts[21] = counts[22] = 0;
  counts[26] = 12;
  const lines: string[] = [];
  counts.forEach((n, i) => {
    for (let j = 0; j < n; j++) lines.push(new Date(T0 + i * BIN * 1000 + ((j * 397) % (BIN * 1000))).toISOString());
  });
  const file = join(dir, 'times.txt');
  writeFileSync(file, lines.join('\n') + '\n');

  const clock = { ms: T0 };
  const s = await service(t, config(dir, { windowBins: 8, warmupBins: 4, sources: { enabled: false }, notify: { bus: false } }), clock);
  await joined(proxy, s);
  for (let i = 0; i < counts.length; i++) await bin(proxy, s, clock, i, counts[i]!, 0);

  const out = await runCli(['anomaly', '--read', file, '--json', '--bin-seconds', String(BIN), '--window', '8', '--warmup', '4']);
  assert.equal(out.code, 0, out.stderr);
  const offline = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const inProcess = s.total.map((b) => ({
    start: new Date(b.start * 1000).toISOString().replace('.000Z', 'Z'),
    count: b.count,
    mean: b.band?.mean ?? null,
    upper: b.band?.upper ?? null,
    lower: b.band?.lower ?? null,
    verdict: b.verdict,
  }));
  assert.deepEqual(offline.map(({ start, count, mean, upper, lower, verdict }) => ({ start, count, mean, upper, lower, verdict })), inProcess);
  const verdicts = inProcess.map((b) => b.verdict);
  assert.deepEqual([verdicts[12], verdicts[13], verdicts[20], verdicts[22], verdicts[26]], ['storm', 'storm', 'silence', 'silence', 'silence']);
});

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
