/**
 * Bad configuration is refused at start, before any socket opens, with the
 * path of each problem and exit code 78 (EX_CONFIG).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, run } from './helpers/process.js';
import { tempDir, testConfig, writeConfig } from './helpers/stack.js';

const EX_CONFIG = 78;
const EX_USAGE = 64;

const cases: Array<{ name: string; over: unknown; path: string; says: RegExp }> = [
  { name: 'an unknown key', over: { services: { capture: { interfase: 'lo' } } }, path: 'services.capture', says: /unknown key\(s\) "interfase"/ },
  { name: 'a port out of range', over: { services: { capture: { ports: { syslog: [70000] } } } }, path: 'services.capture.ports.syslog.0', says: /1\.\.65535/ },
  { name: 'a port that is not a number', over: { services: { capture: { ports: { syslog: ['514'] } } } }, path: 'services.capture.ports.syslog.0', says: /number/ },
  { name: 'a bad destination address', over: { services: { 'syslog-forwarder': { destinations: [{ host: '300.1.1.1', port: 514 }] } } }, path: 'services.syslog-forwarder.destinations.0.host', says: /address or a host name/ },
  { name: 'a destination without a port', over: { services: { 'syslog-forwarder': { destinations: [{ host: '127.0.0.2' }] } } }, path: 'services.syslog-forwarder.destinations.0.port', says: /./ },
  { name: 'a bad bus endpoint', over: { bus: { publishEndpoint: 'localhost:5601' } }, path: 'bus.publishEndpoint', says: /ZeroMQ endpoint/ },
  { name: 'one port for two kinds', over: { services: { capture: { ports: { syslog: [514], trap: [514] } } } }, path: 'services.capture.ports.trap.0', says: /already a syslog port/ },
  { name: 'a forwarding loop', over: { services: { capture: { ports: { syslog: [5514] } }, 'syslog-forwarder': { destinations: [{ host: '127.0.0.1', port: 5514 }] } } }, path: 'services.syslog-forwarder.destinations.0.port', says: /would loop/ },
  { name: 'a bad log level', over: { log: { level: 'loud' } }, path: 'log.level', says: /./ },
];

for (const c of cases) {
  test(`config: ${c.name} is refused with its path and exit code 78`, async (t) => {
    const dir = tempDir(t);
    const file = writeConfig(dir, testConfig(dir, c.over));
    // `up` validates the whole file before it starts any child.
    const r = await run(process.execPath, [CLI, 'up', '--config', file]);
    assert.equal(r.code, EX_CONFIG, r.stderr);
    const line = r.stderr.split('\n').find((l) => l.trim().startsWith(`${c.path}:`));
    assert.ok(line, `stderr names ${c.path}:\n${r.stderr}`);
    assert.match(line, c.says);
    assert.equal(r.stdout, '', 'nothing started, nothing logged');
  });
}

test('config: a service started alone refuses bad config the same way', async (t) => {
  const dir = tempDir(t);
  const file = writeConfig(dir, testConfig(dir, { services: { capture: { snaplen: 10 } } }));
  const r = await run(process.execPath, [CLI, 'capture', '--config', file]);
  assert.equal(r.code, EX_CONFIG);
  assert.match(r.stderr, /services\.capture\.snaplen: /);
});

test('config: an unreadable or non-YAML file is refused with exit code 78', async (t) => {
  const dir = tempDir(t);
  const missing = await run(process.execPath, [CLI, 'check', '--config', join(dir, 'nope.yaml')]);
  assert.equal(missing.code, EX_CONFIG);
  assert.match(missing.stderr, /cannot read configuration .*ENOENT/);
  const broken = join(dir, 'broken.yaml');
  writeFileSync(broken, 'services: [unclosed\n');
  const r = await run(process.execPath, [CLI, 'check', '--config', broken]);
  assert.equal(r.code, EX_CONFIG);
  assert.match(r.stderr, /not valid YAML at line/);
});

test('config: environment overrides reach nested keys and are validated too', async (t) => {
  const dir = tempDir(t);
  const file = writeConfig(dir, testConfig(dir));
  const env = {
    ...process.env,
    SEKIWAKE_SERVICES__CAPTURE__INTERFACE: 'eth7',
    SEKIWAKE_SERVICES__CAPTURE__BUFFER_BYTES: '8388608',
    SEKIWAKE_SERVICES__SYSLOG_FORWARDER__DESTINATIONS: '[{host: 192.0.2.9, port: 514}]',
  };
  const r = await run(process.execPath, [CLI, 'check', '--config', file], { env });
  assert.equal(r.code, 0, r.stderr);
  const cfg = JSON.parse(r.stdout) as { services: Record<string, Record<string, unknown>> };
  assert.equal(cfg.services.capture!.interface, 'eth7');
  assert.equal(cfg.services.capture!.bufferBytes, 8388608);
  assert.deepEqual(cfg.services['syslog-forwarder']!.destinations, [{ host: '192.0.2.9', port: 514 }]);
  const bad = await run(process.execPath, [CLI, 'check', '--config', file], { env: { ...process.env, SEKIWAKE_SERVICES__CAPTURE__SNAPLEN: 'big' } });
  assert.equal(bad.code, EX_CONFIG);
  assert.match(bad.stderr, /services\.capture\.snaplen: /);
});

test('usage: an unknown command or option exits 64', async () => {
  assert.equal((await run(process.execPath, [CLI, 'frobnicate'])).code, EX_USAGE);
  assert.equal((await run(process.execPath, [CLI, 'up', '--colour'])).code, EX_USAGE);
  assert.equal((await run(process.execPath, [CLI, 'up', '--scale', 'proxy'])).code, EX_USAGE);
});
