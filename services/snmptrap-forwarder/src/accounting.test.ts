import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, encodeTrap, Metrics, NO_VLAN, type Datagram } from '@sekiwake/shared';
import { TrapAccounting } from './accounting.js';

const OID = '1.3.6.1.4.1.8072.9999.9999.1.0.1';

function datagram(src: number[], payload: Uint8Array): Datagram {
  return {
    tsSec: 0, tsNsec: 0, ipVersion: 4, src: Uint8Array.from(src), dst: Uint8Array.of(127, 0, 0, 1),
    srcPort: 40000, dstPort: 162, vlan: NO_VLAN, iface: 'lo', payload,
  };
}

async function value(m: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const series = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return Number(series?.value ?? 0);
}

test('counts by version, PDU, agent and trap OID, with "other" past the budgets', async () => {
  const m = new Metrics('test');
  const acc = new TrapAccounting(m, { maxAgents: 2, maxTrapOids: 2 }, createLogger('test', 'fatal'));
  const v2 = encodeTrap({ version: '2c', trapOid: OID, upTime: 1, varbinds: [] });
  for (let host = 1; host <= 4; host++) acc.inspect(datagram([10, 0, 0, host], v2));
  acc.inspect(datagram([10, 0, 0, 1], encodeTrap({ version: '2c', trapOid: '1.3.6.1.6.3.1.1.5.1', upTime: 1, varbinds: [], inform: true })));
  acc.inspect(datagram([10, 0, 0, 1], encodeTrap({ version: '1', trapOid: '1.3.6.1.6.3.1.1.5.2', upTime: 1, varbinds: [] })));
  assert.equal(await value(m, 'sekiwake_snmp_messages_total', { version: '2c', pdu: 'snmpv2-trap' }), 4);
  assert.equal(await value(m, 'sekiwake_snmp_messages_total', { version: '2c', pdu: 'inform-request' }), 1);
  assert.equal(await value(m, 'sekiwake_snmp_informs_total', {}), 1);
  assert.equal(await value(m, 'sekiwake_snmp_agent_datagrams_total', { agent: '10.0.0.1' }), 3);
  assert.equal(await value(m, 'sekiwake_snmp_agent_datagrams_total', { agent: '10.0.0.2' }), 1);
  assert.equal(await value(m, 'sekiwake_snmp_agent_datagrams_total', { agent: 'other' }), 2);
  assert.equal(await value(m, 'sekiwake_snmp_trap_oid_total', { oid: OID }), 4);
  assert.equal(await value(m, 'sekiwake_snmp_trap_oid_total', { oid: '1.3.6.1.6.3.1.1.5.1' }), 1);
  assert.equal(await value(m, 'sekiwake_snmp_trap_oid_total', { oid: 'other' }), 1, 'the v1 warmStart is past the budget');
});

test('garbage is counted by reason and never throws out of inspect', async () => {
  const m = new Metrics('test');
  const acc = new TrapAccounting(m, { maxAgents: 8, maxTrapOids: 8 }, createLogger('test', 'fatal'));
  acc.inspect(datagram([10, 0, 0, 1], Buffer.alloc(0)));
  acc.inspect(datagram([10, 0, 0, 1], Buffer.of(0x30, 0x80)));
  // A datagram whose address is neither 4 nor 16 bytes makes formatting throw:
  // that is a bug upstream, and it must still be counted, not thrown.
  acc.inspect(datagram([10, 0, 0], Buffer.of(0x30)));
  assert.equal(await value(m, 'sekiwake_snmp_decode_failures_total', { reason: 'truncated' }), 1);
  assert.equal(await value(m, 'sekiwake_snmp_decode_failures_total', { reason: 'indefinite_length' }), 1);
  assert.equal(await value(m, 'sekiwake_snmp_decode_failures_total', { reason: 'internal' }), 1);
});
