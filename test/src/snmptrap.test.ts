/**
 * The trap path on loopback with real peers: net-snmp's snmptrap and
 * snmpinform and `sekiwake send trap` as agents, a real snmptrapd as the
 * agents' own manager on the captured port (it answers the inform), the
 * capture on `lo`, the bus, the snmptrap forwarder, and two destinations:
 * a second snmptrapd and a plain UDP listener. tcpdump is the witness of
 * what the agents sent.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { CLI, run, start } from './helpers/process.js';
import { metricValue, scrape, startStack, tempDir, testConfig } from './helpers/stack.js';
import { startTcpdump } from './helpers/tcpdump.js';
import { listenUdp, payloadCounts } from './helpers/udp.js';

const CAPTURE_PORT = 27162;
const MANAGER_PORT = 27163;
const ENTERPRISE = '1.3.6.1.4.1.8072.9999.9999.1';
const SEQ_OID = `${ENTERPRISE}.1`;
const ENGINE_ID = '0x8000000001020304';
const USER = 'skwuser';
const PASS = 'skwpass123';
/** `sekiwake send trap`'s defaults for v3. */
const TEST_AGENT_ENGINE_ID = '0x80001f8804736b77';
const TEST_AGENT_USER = 'sekiwake';

/** A running snmptrapd and the lines of its log that are notifications. */
interface Trapd {
  lines(): string[];
}

// net-snmp reads no MIBs (numeric OIDs only) and keeps its persistent
// state in the test's own directory.
function snmpEnv(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, MIBS: '', SNMP_PERSISTENT_DIR: join(dir, 'snmp-state') };
}

async function startTrapd(t: TestContext, dir: string, name: string, listen: string): Promise<Trapd> {
  const conf = join(dir, `${name}.conf`);
  const log = join(dir, `${name}.log`);
  writeFileSync(conf, [
    'authCommunity log public',
    `createUser -e ${ENGINE_ID} ${USER} SHA ${PASS} AES ${PASS}`,
    `createUser -e ${TEST_AGENT_ENGINE_ID} ${TEST_AGENT_USER}`,
    `authUser log ${USER} priv`,
    `authUser log ${TEST_AGENT_USER} noauth`,
    '',
  ].join('\n'));
  // One line per notification: PDU type and version (%P), v1 enterprise,
  // generic and specific trap (%N %w %q), then the varbinds, ";"-separated.
  const format = 'NOTIFY|%P|%N|%w|%q|%V;%v\n';
  start(t, '/usr/sbin/snmptrapd', ['-f', '-C', '-c', conf, '-Lf', log, '-On', '-F', format, `udp:${listen}`], { env: snmpEnv(dir) });
  const until = Date.now() + 10_000;
  while (!(existsSync(log) && readFileSync(log, 'utf8').includes('NET-SNMP version')) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(existsSync(log), `${name} started`);
  return { lines: () => readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith('NOTIFY|')) };
}

async function waitFor(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!ok() && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  assert.ok(ok(), what);
}

function seqOf(line: string): number {
  const m = line.match(/\.1\.3\.6\.1\.4\.1\.8072\.9999\.9999\.1\.1 = Counter32: (\d+)/);
  assert.ok(m, `a sequence varbind in: ${line}`);
  return Number(m[1]);
}

async function sendFrom(host: string, payload: Buffer): Promise<void> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, host, () => r()));
  await new Promise<void>((r, j) => s.send(payload, CAPTURE_PORT, '127.0.0.1', (e) => (e ? j(e) : r())));
  await new Promise<void>((r) => s.close(() => r()));
}

test('v1, v2c, v3 traps and an inform reach a real snmptrapd exactly once, byte for byte', async (t) => {
  const dir = tempDir(t);
  const env = snmpEnv(dir);
  const witness = await startTcpdump(t, dir, 'lo', `udp dst port ${CAPTURE_PORT}`);
  const own = await startTrapd(t, dir, 'own-manager', `127.0.0.1:${CAPTURE_PORT}`);
  const manager = await startTrapd(t, dir, 'manager', `127.0.0.2:${MANAGER_PORT}`);
  const listener = await listenUdp(t, '127.0.0.3');
  const stack = await startStack(t, dir, testConfig(dir, {
    services: {
      capture: { ports: { trap: [CAPTURE_PORT] } },
      'syslog-forwarder': { enabled: false },
      'snmptrap-forwarder': {
        enabled: true,
        destinations: [
          { host: '127.0.0.2', port: MANAGER_PORT, name: 'manager' },
          { host: '127.0.0.3', port: listener.port, name: 'listener' },
        ],
        labels: { maxAgents: 3, maxTrapOids: 16 },
      },
    },
  }));

  const to = `127.0.0.1:${CAPTURE_PORT}`;
  const tools: Array<[string, string[]]> = [
    ['snmptrap', ['-v', '1', '-c', 'public', to, ENTERPRISE, '127.0.0.9', '6', '5', '', SEQ_OID, 'c', '1']],
    ['snmptrap', ['-v', '2c', '-c', 'public', to, '', `${ENTERPRISE}.0.2`, SEQ_OID, 'c', '2', `${ENTERPRISE}.2`, 's', 'two']],
    ['snmptrap', ['-v', '3', '-l', 'authPriv', '-u', USER, '-a', 'SHA', '-A', PASS, '-x', 'AES', '-X', PASS, '-e', ENGINE_ID,
      to, '', `${ENTERPRISE}.0.3`, SEQ_OID, 'c', '3']],
    ['snmpinform', ['-v', '2c', '-c', 'public', '-r', '0', '-t', '5', to, '', `${ENTERPRISE}.0.4`, SEQ_OID, 'c', '4']],
  ];
  for (const [cmd, args] of tools) {
    const r = await run(cmd, args, { env });
    assert.equal(r.code, 0, `${cmd} ${args.slice(0, 2).join(' ')}: ${r.stderr}`);
  }
  for (const [version, seq] of [['1', 100], ['2c', 200], ['3', 300]] as const) {
    const r = await run(process.execPath, [CLI, 'send', 'trap', '--version', version, '--to', to, '--count', '5', '--rate', '500', '--start-seq', String(seq)]);
    assert.equal(r.code, 0, r.stderr);
  }
  const total = 4 + 15;
  const expectedSeqs = [1, 2, 3, 4, 100, 101, 102, 103, 104, 200, 201, 202, 203, 204, 300, 301, 302, 303, 304];

  const got = await listener.settle(total);
  await waitFor('the manager logged every notification', () => manager.lines().length >= total);
  await new Promise((r) => setTimeout(r, 500));
  const sent = await witness.payloads();
  assert.equal(sent.length, total, 'tcpdump saw each notification sent once');
  assert.deepEqual(payloadCounts(got), payloadCounts(sent), 'the listener got each payload exactly once, unchanged');

  const lines = manager.lines();
  assert.deepEqual(lines.map(seqOf).sort((a, b) => a - b), expectedSeqs, 'the manager logged each notification exactly once');
  const bySeq = new Map(lines.map((l) => [seqOf(l), l]));
  assert.match(bySeq.get(1)!, new RegExp(`TRAP, SNMP v1, community public\\|\\.${ENTERPRISE.replaceAll('.', '\\.')}\\|6\\|\\.5\\|`), 'v1 enterprise, generic 6, specific 5');
  assert.match(bySeq.get(2)!, /TRAP2, SNMP v2c, community public/);
  assert.ok(bySeq.get(2)!.includes(`.1.3.6.1.6.3.1.1.4.1.0 = OID: .${ENTERPRISE}.0.2`), bySeq.get(2));
  assert.ok(bySeq.get(2)!.includes(`.${ENTERPRISE}.2 = STRING: "two"`), bySeq.get(2));
  assert.match(bySeq.get(3)!, /TRAP2, SNMP v3, user skwuser/, 'the v3 trap stayed v3, decrypted by the manager');
  assert.ok(bySeq.get(3)!.includes(`OID: .${ENTERPRISE}.0.3`), bySeq.get(3));
  assert.match(bySeq.get(4)!, /INFORM, SNMP v2c, community public/);
  assert.ok(bySeq.get(4)!.includes(`OID: .${ENTERPRISE}.0.4`), bySeq.get(4));
  assert.match(bySeq.get(300)!, /TRAP2, SNMP v3, user sekiwake/);
  assert.match(bySeq.get(100)!, /TRAP, SNMP v1, community public/);
  assert.equal(own.lines().length, total, 'the agents\' own manager got them too, once');

  // Replies from the manager (its Response to the inform) reach the
  // forwarder's socket; give them a moment to be counted.
  await new Promise((r) => setTimeout(r, 300));
  const fwd = await scrape(stack, 'snmptrap-forwarder');
  const m = (name: string, labels: Record<string, string> = {}) => metricValue(fwd, name, labels);
  assert.equal(m('sekiwake_destination_sent_total', { destination: 'manager' }), total);
  assert.equal(m('sekiwake_destination_sent_total', { destination: 'listener' }), total);
  assert.equal(m('sekiwake_dropped_total'), 0);
  assert.equal(m('sekiwake_snmp_messages_total', { version: '1', pdu: 'trap-v1' }), 6);
  assert.equal(m('sekiwake_snmp_messages_total', { version: '2c', pdu: 'snmpv2-trap' }), 6);
  assert.equal(m('sekiwake_snmp_messages_total', { version: '2c', pdu: 'inform-request' }), 1);
  assert.equal(m('sekiwake_snmp_messages_total', { version: '3', pdu: 'encrypted' }), 1);
  assert.equal(m('sekiwake_snmp_messages_total', { version: '3', pdu: 'snmpv2-trap' }), 5);
  assert.equal(m('sekiwake_snmp_informs_total'), 1);
  assert.equal(m('sekiwake_snmp_manager_replies_total', { destination: 'manager', pdu: 'response' }), 1);
  assert.equal(m('sekiwake_snmp_trap_oid_total', { oid: `${ENTERPRISE}.0.1` }), 15, 'v1 traps counted under their RFC 3584 OID');
  assert.equal(m('sekiwake_snmp_trap_oid_total', { oid: `${ENTERPRISE}.0.5` }), 1);
  assert.equal(m('sekiwake_snmp_trap_oid_total', { oid: 'encrypted' }), 1);
  assert.equal(m('sekiwake_snmp_agent_datagrams_total', { agent: '127.0.0.1' }), total);
  assert.equal(m('sekiwake_snmp_decode_failures_total'), 0);

  // Malformed datagrams from three more agents: forwarded unchanged, counted
  // by reason; the third agent is past the label budget of 3.
  const good = Buffer.from(sent.find((b) => b[1]! < 0x80 && b[4] === 1)!);
  const indefinite = Buffer.from(good);
  indefinite[1] = 0x80;
  const bad: Array<[string, Buffer]> = [
    ['127.0.0.11', good.subarray(0, good.length - 3)],
    ['127.0.0.12', Buffer.concat([good, Buffer.from('garbage')])],
    ['127.0.0.13', indefinite],
  ];
  for (const [host, b] of bad) await sendFrom(host, b);
  const after = await listener.settle(total + bad.length);
  assert.deepEqual(after.slice(total).map((b) => b.toString('hex')), bad.map(([, b]) => b.toString('hex')), 'malformed datagrams forwarded unchanged');
  const fwd2 = await scrape(stack, 'snmptrap-forwarder');
  const m2 = (name: string, labels: Record<string, string> = {}) => metricValue(fwd2, name, labels);
  assert.equal(m2('sekiwake_snmp_decode_failures_total', { reason: 'truncated' }), 1);
  assert.equal(m2('sekiwake_snmp_decode_failures_total', { reason: 'trailing_bytes' }), 1);
  assert.equal(m2('sekiwake_snmp_decode_failures_total', { reason: 'indefinite_length' }), 1);
  assert.equal(m2('sekiwake_snmp_agent_datagrams_total', { agent: '127.0.0.11' }), 1);
  assert.equal(m2('sekiwake_snmp_agent_datagrams_total', { agent: '127.0.0.13' }), 0, 'past the budget: no series of its own');
  assert.equal(m2('sekiwake_snmp_agent_datagrams_total', { agent: 'other' }), 1);
  assert.equal(m2('sekiwake_destination_sent_total', { destination: 'manager' }), total + bad.length);
  assert.equal(await stack.stop(), 0, 'the stack stops cleanly on SIGTERM');
});

test('sekiwake send trap refuses a bad version or engine ID with a usage error', async () => {
  for (const args of [['--version', '4'], ['--version', '3', '--engine-id', '0x01']]) {
    const r = await run(process.execPath, [CLI, 'send', 'trap', '--to', '127.0.0.1:27199', ...args]);
    assert.equal(r.code, 64, r.stderr);
  }
});
