/**
 * The Docker Compose stack end to end: the images built from
 * docker/Dockerfile (on a base image docker/base-image.sh provides), every
 * service in its own container, three syslog-forwarder replicas, and a
 * receiver container standing in for the collectors. Traffic of each kind
 * goes from the host to the capture's ports on `lo` (the capture shares the
 * host's network); tcpdump on `lo` witnesses what was sent. Skipped only
 * where no Docker engine answers.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  composeCommand,
  composeProject,
  docker,
  dockerProblem,
  freePort,
  RECEIVER_HTTP_PORT,
  RECEIVER_PORTS,
  removeSupersededImages,
  REPO,
  writeReceiverOverride,
  type Project,
} from './helpers/compose.js';
import { CLI, run } from './helpers/process.js';
import { openSources } from './helpers/sources.js';
import { metricValue } from './helpers/stack.js';
import { startTcpdump } from './helpers/tcpdump.js';

/** The capture's ports on the host's `lo`, kept apart from other tests'. */
const PORTS = { syslog: 26514, flow: 26055, trap: 26162 } as const;
const SYSLOG_SOURCES = 12;
const COUNTS = { syslog: 3000, flow: 300, trap: 300 } as const;
const REPLICAS = 3;
const TAG = 'skwtest';
/** Longest the stack may take to become healthy. */
const HEALTHY_TIMEOUT_MS = 120_000;
/** Longest the images may take to build from nothing (base image included). */
const BUILD_TIMEOUT_MS = 15 * 60_000;

const problem = await dockerProblem();

test('the compose stack delivers every datagram once with three forwarder replicas, stores syslog and stops cleanly', {
  skip: problem ?? false,
  timeout: 25 * 60_000,
}, async (t) => {
  const started = Date.now();
  // Removed after the project is down (cleanups run in the order added):
  // compose needs its files to take the project down.
  const dir = mkdtempSync(join(tmpdir(), 'skw-compose-'));
  const base = await run('bash', [join(REPO, 'docker/base-image.sh')], { timeout: BUILD_TIMEOUT_MS });
  assert.equal(base.code, 0, `docker/base-image.sh failed\n${base.stderr}`);

  const busPort = await freePort();
  const captureMetricsPort = await freePort();
  const configFile = join(dir, 'sekiwake.yaml');
  writeFileSync(configFile, JSON.stringify(stackConfig(captureMetricsPort), null, 2), { mode: 0o644 });
  const override = writeReceiverOverride(dir, `sekiwake:${TAG}`);
  const command = await composeCommand();
  assert.ok(command, 'Docker answers, so a compose command is needed: install docker-compose or the compose plugin');
  const p = composeProject(t, command, `skwtest${process.pid}`, [override], {
    SKW_CONFIG_FILE: configFile,
    SKW_TAG: TAG,
    SKW_BUS_PORT: String(busPort),
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  await p.compose(['build'], BUILD_TIMEOUT_MS);
  await removeSupersededImages();
  const built = Date.now();
  await p.compose(['up', '-d', '--scale', `syslog-forwarder=${REPLICAS}`]);
  await waitHealthy(p);
  const receiver = await receiverUrl(p);
  await waitFor(async () => metricValue((await probe(receiver, 'http://proxy:9460/metrics')).text, 'sekiwake_group_members', { group: 'syslog-forwarder' }) === REPLICAS, 'three syslog-forwarder replicas in their group');
  const up = Date.now();

  const witnesses = await Promise.all((['syslog', 'flow', 'trap'] as const).map((k) => {
    const own = join(dir, k); // each witness's file in a folder of its own
    mkdirSync(own);
    return startTcpdump(t, own, 'lo', `udp dst port ${PORTS[k]}`);
  }));
  const sources = await openSources(t, SYSLOG_SOURCES);
  await sources.send(COUNTS.syslog, 3000, PORTS.syslog);
  await send(['flow', '--version', '9', '--to', `127.0.0.1:${PORTS.flow}`, '--count', String(COUNTS.flow), '--rate', '1000']);
  await send(['trap', '--version', '2c', '--to', `127.0.0.1:${PORTS.trap}`, '--count', String(COUNTS.trap), '--rate', '1000']);

  const total = COUNTS.syslog + COUNTS.flow + COUNTS.trap;
  let got: Record<string, string[]> = {};
  await waitFor(async () => {
    got = await (await fetch(`${receiver}/datagrams`)).json() as Record<string, string[]>;
    return Object.values(got).reduce((n, l) => n + l.length, 0) >= total;
  }, 'the receiver got as many datagrams as were sent', 30_000);
  // Late duplicates would show by now; and tcpdump hands over a partly
  // filled capture block only after its 1 s buffer timeout.
  await new Promise((r) => setTimeout(r, 1500));
  got = await (await fetch(`${receiver}/datagrams`)).json() as Record<string, string[]>;
  const sent = await Promise.all(witnesses.map((w) => w.payloads()));
  (['syslog', 'flow', 'trap'] as const).forEach((kind, i) => {
    const expected = sent[i]!.map((b) => b.toString('base64'));
    assert.equal(expected.length, COUNTS[kind], `tcpdump saw every ${kind} datagram sent`);
    assert.equal(new Set(expected).size, expected.length, `every ${kind} datagram sent is distinct`);
    assert.deepEqual([...got[RECEIVER_PORTS[kind]]!].sort(), [...expected].sort(), `every ${kind} datagram arrived once, unchanged`);
  });

  await t.test('each forwarder replica answers /metrics on the compose network, and they shared the work', async () => {
    const ids = await p.containers('syslog-forwarder');
    assert.equal(ids.length, REPLICAS);
    const ips = await Promise.all(ids.map((id) => docker(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', id])));
    const resolved = JSON.parse((await (await fetch(`${receiver}/resolve?name=syslog-forwarder`)).text())) as string[];
    assert.deepEqual([...resolved].sort(), [...ips].sort(), 'the service name resolves to every replica (what Prometheus discovers)');
    const shares: number[] = [];
    for (const ip of ips) {
      const res = await probe(receiver, `http://${ip}:9462/metrics`);
      assert.equal(res.status, 200);
      shares.push(metricValue(res.text, 'sekiwake_destination_sent_total'));
      assert.equal(metricValue(res.text, 'sekiwake_dropped_total'), 0, `replica ${ip} dropped nothing`);
    }
    assert.equal(shares.reduce((a, b) => a + b, 0), COUNTS.syslog, `the replicas' shares add up: ${shares.join(' + ')}`);
    assert.ok(shares.filter((n) => n > 0).length >= 2, `more than one replica delivered: ${shares.join(', ')}`);
    for (const [service, port] of [['proxy', 9460], ['xflow-forwarder', 9463], ['snmptrap-forwarder', 9464], ['store', 9465], ['anomaly', 9466]] as const) {
      const res = await probe(receiver, `http://${service}:${port}/metrics`);
      assert.equal(res.status, 200, `${service} /metrics`);
      assert.match(res.text, new RegExp(`service="${service}"`));
    }
    const capture = await (await fetch(`http://127.0.0.1:${captureMetricsPort}/metrics`)).text();
    assert.equal(metricValue(capture, 'sekiwake_capture_published_total'), total, 'the capture (host network) published everything');
  });

  await t.test('the store volume holds every syslog message once', async () => {
    let lines: string[] = [];
    await waitFor(async () => {
      lines = (await p.compose(['exec', '-T', 'store', 'sh', '-c', 'find /var/lib/sekiwake/store -type f ! -name "*.gz" -exec cat {} + ; find /var/lib/sekiwake/store -name "*.gz" -exec zcat {} +'])).split('\n').filter((l) => /k=\d+/.test(l));
      return lines.length >= COUNTS.syslog;
    }, 'the store wrote every syslog message', 20_000);
    const ks = lines.map((l) => Number(/k=(\d+)/.exec(l)![1]));
    assert.deepEqual(ks.sort((a, b) => a - b), Array.from({ length: COUNTS.syslog }, (_, i) => i));
  });

  await t.test('every container stops cleanly, and down -v leaves nothing behind', async () => {
    const ids = (await p.compose(['ps', '-q'])).split('\n').filter(Boolean);
    await p.compose(['stop', '-t', '25']);
    for (const id of ids) {
      const [name, code, restarts] = (await docker(['inspect', '-f', '{{.Name}} {{.State.ExitCode}} {{.RestartCount}}', id])).split(' ');
      assert.equal(code, '0', `${name} exited 0`);
      assert.equal(restarts, '0', `${name} never restarted`);
    }
    // The anomaly service saves its state when it stops, as its own user,
    // into a named volume: proof that the volume is writable by it.
    const state = await docker(['run', '--rm', '--read-only', '--entrypoint', 'ls', '-v', `${p.name}_anomaly-state:/state:ro`, `sekiwake:${TAG}`, '/state']);
    assert.match(state, /^state\.json$/m, 'the anomaly state file is in its volume');
    await p.compose(['down', '-v', '--remove-orphans']);
    const label = `label=com.docker.compose.project=${p.name}`;
    assert.equal(await docker(['ps', '-aq', '--filter', label]), '', 'no container left');
    assert.equal(await docker(['volume', 'ls', '-q', '--filter', label]), '', 'no volume left');
    assert.equal(await docker(['network', 'ls', '-q', '--filter', label]), '', 'no network left');
  });
  t.diagnostic(`build ${((built - started) / 1000).toFixed(0)} s, up ${((up - built) / 1000).toFixed(0)} s, all ${((Date.now() - started) / 1000).toFixed(0)} s`);
});

// The compose network's configuration (docker/sekiwake.compose.yaml) with
// the capture on `lo` and the receiver as every forwarder's destination.
function stackConfig(captureMetricsPort: number) {
  const metrics = (port: number) => ({ host: '0.0.0.0', port });
  const to = (port: number, name: string) => [{ host: 'receiver', port, name }];
  return {
    log: { level: 'info' },
    bus: { publishEndpoint: 'tcp://proxy:5601', subscribeEndpoint: 'tcp://proxy:5602', groupEndpoint: 'tcp://proxy:5603' },
    services: {
      proxy: { metrics: metrics(9460) },
      capture: { interface: 'lo', ports: { syslog: [PORTS.syslog], flow: [PORTS.flow], trap: [PORTS.trap] }, metrics: { host: '127.0.0.1', port: captureMetricsPort } },
      'syslog-forwarder': { destinations: to(RECEIVER_PORTS.syslog, 'receiver'), metrics: metrics(9462) },
      'xflow-forwarder': { destinations: to(RECEIVER_PORTS.flow, 'receiver'), metrics: metrics(9463) },
      'snmptrap-forwarder': { destinations: to(RECEIVER_PORTS.trap, 'receiver'), metrics: metrics(9464) },
      store: { directory: '/var/lib/sekiwake/store', flushIntervalMs: 50, metrics: metrics(9465) },
      anomaly: { state: { file: '/var/lib/sekiwake/anomaly/state.json' }, metrics: metrics(9466) },
    },
  };
}

async function send(args: string[]) {
  const r = await run(process.execPath, [CLI, 'send', ...args]);
  assert.equal(r.code, 0, r.stderr);
}

/** The receiver's HTTP address, published on the host's 127.0.0.1. */
async function receiverUrl(p: Project): Promise<string> {
  const out = (await p.compose(['port', 'receiver', String(RECEIVER_HTTP_PORT)])).trim();
  return `http://127.0.0.1:${out.slice(out.lastIndexOf(':') + 1)}`;
}

/** Fetches `url` from inside the compose network, through the receiver. */
async function probe(receiver: string, url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${receiver}/probe?url=${encodeURIComponent(url)}`);
  if (res.status !== 200) return { status: res.status, text: await res.text() };
  return await res.json() as { status: number; text: string };
}

/** Waits until every container with a healthcheck reports healthy. */
async function waitHealthy(p: Project) {
  let last = '';
  await waitFor(async () => {
    const ids = (await p.compose(['ps', '-q'])).split('\n').filter(Boolean);
    const states = await Promise.all(ids.map((id) => docker(['inspect', '-f', '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}', id])));
    last = states.join('\n');
    return states.length > 0 && states.every((s) => / running (healthy|none)$/.test(s));
  }, () => `every container healthy:\n${last}`, HEALTHY_TIMEOUT_MS);
}

async function waitFor(check: () => Promise<boolean>, what: string | (() => string), timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await check().catch(() => false);
    if (ok) return;
    if (Date.now() > until) assert.fail(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
