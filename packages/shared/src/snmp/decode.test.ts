import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DECODE_FAILURES } from './ber.js';
import { decodeSnmp, v1TrapOid, type DecodeResult, type SnmpMessage } from './decode.js';
import { encodeTrap, constructed, integer, octets, oid, tlv } from './encode.js';
import { captured } from './fixtures.js';

const ENTERPRISE = '1.3.6.1.4.1.8072.9999.9999.1';

function ok(r: DecodeResult): SnmpMessage {
  if (!r.ok) assert.fail(`decode failed: ${r.reason} at ${r.at}`);
  return r.message;
}

function failure(b: Uint8Array): string {
  const r = decodeSnmp(b);
  assert.equal(r.ok, false, 'the message must not decode');
  return r.ok ? '' : r.reason;
}

test('a captured v1 enterprise-specific trap', () => {
  const m = ok(decodeSnmp(captured('v1EnterpriseSpecific')));
  assert.equal(m.version, '1');
  assert.equal(m.community, 'public');
  assert.equal(m.pdu, 'trap-v1');
  assert.deepEqual(m.v1, { enterprise: ENTERPRISE, agentAddress: '127.0.0.9', genericTrap: 6, specificTrap: 1 });
  assert.equal(m.sysUpTime, 12345);
  assert.equal(m.trapOid, `${ENTERPRISE}.0.1`, 'RFC 3584: enterprise.0.specific');
  assert.equal(m.varbinds, 1);
  assert.equal(m.requestId, null);
});

test('a captured v1 generic trap maps to snmpTraps', () => {
  const m = ok(decodeSnmp(captured('v1LinkUp')));
  assert.equal(m.v1?.genericTrap, 3);
  assert.equal(m.trapOid, '1.3.6.1.6.3.1.1.5.4', 'linkUp(3) is snmpTraps.4');
  assert.equal(v1TrapOid(ENTERPRISE, 0, 0), '1.3.6.1.6.3.1.1.5.1');
});

test('a captured v2c trap and inform, and the inform response', () => {
  const trap = ok(decodeSnmp(captured('v2cTrap')));
  assert.equal(trap.version, '2c');
  assert.equal(trap.pdu, 'snmpv2-trap');
  assert.equal(trap.sysUpTime, 123);
  assert.equal(trap.trapOid, `${ENTERPRISE}.0.1`);
  assert.equal(trap.varbinds, 4);
  assert.equal(trap.requestId, 0x1baa0381);
  const inform = ok(decodeSnmp(captured('v2cInform')));
  assert.equal(inform.pdu, 'inform-request');
  assert.equal(inform.trapOid, `${ENTERPRISE}.0.3`);
  assert.equal(inform.sysUpTime, 789);
  const response = ok(decodeSnmp(captured('v2cInformResponse')));
  assert.equal(response.pdu, 'response');
  assert.equal(response.requestId, inform.requestId);
  assert.equal(response.trapOid, null, 'only notifications have a trap OID');
});

test('captured v3 traps: header and USM parameters, plaintext or not', () => {
  const priv = ok(decodeSnmp(captured('v3AuthPriv')));
  assert.equal(priv.version, '3');
  assert.equal(priv.pdu, 'encrypted');
  assert.equal(priv.v3?.flags, 0x03);
  assert.equal(priv.v3?.securityModel, 3);
  assert.equal(priv.v3?.engineId, '8000000001020304');
  assert.equal(priv.v3?.engineBoots, 1);
  assert.equal(priv.v3?.userName, 'skwuser');
  assert.equal(priv.v3?.contextEngineId, null);
  assert.equal(priv.trapOid, null);
  assert.equal(priv.varbinds, null);
  for (const [name, flags, id] of [['v3NoAuthNoPriv', 0x00, 4], ['v3AuthNoPriv', 0x01, 5]] as const) {
    const m = ok(decodeSnmp(captured(name)));
    assert.equal(m.v3?.flags, flags, name);
    assert.equal(m.v3?.userName, 'skwuser');
    assert.equal(m.v3?.engineId, '8000000001020304');
    assert.equal(m.v3?.contextName, '');
    assert.equal(m.pdu, 'snmpv2-trap');
    assert.equal(m.trapOid, `${ENTERPRISE}.0.${id}`);
    assert.equal(m.sysUpTime, 456);
    assert.equal(m.varbinds, 3);
  }
});

test('what the encoder builds decodes to what was asked, for every version', () => {
  const varbinds = [{ oid: `${ENTERPRISE}.1`, value: { type: 'counter32', value: 0xfffffffe } }] as const;
  for (const version of ['1', '2c', '3'] as const) {
    const b = encodeTrap({
      version, trapOid: `${ENTERPRISE}.0.7`, upTime: 4242, varbinds: [...varbinds], community: 'c0mm',
      userName: 'agent', engineId: Buffer.from('80001f8804736b77', 'hex'), requestId: -5, agentAddress: '10.1.2.3',
    });
    const m = ok(decodeSnmp(b));
    assert.equal(m.version, version);
    assert.equal(m.trapOid, `${ENTERPRISE}.0.7`);
    assert.equal(m.sysUpTime, 4242);
    assert.equal(m.varbinds, version === '1' ? 1 : 3);
    if (version === '1') assert.equal(m.v1?.agentAddress, '10.1.2.3');
    if (version === '2c') assert.equal(m.requestId, -5);
    if (version === '3') assert.deepEqual([m.v3?.engineId, m.v3?.userName, m.v3?.flags], ['80001f8804736b77', 'agent', 0]);
  }
  const generic = ok(decodeSnmp(encodeTrap({ version: '1', trapOid: '1.3.6.1.6.3.1.1.5.3', upTime: 1, varbinds: [] })));
  assert.deepEqual([generic.v1?.genericTrap, generic.trapOid], [2, '1.3.6.1.6.3.1.1.5.3']);
});

test('every truncation of every captured message fails with a reason, never throws', () => {
  for (const name of ['v1EnterpriseSpecific', 'v2cTrap', 'v3AuthPriv', 'v3NoAuthNoPriv', 'v2cInform'] as const) {
    const b = captured(name);
    for (let n = 0; n < b.length; n++) {
      const r = decodeSnmp(b.subarray(0, n));
      assert.equal(r.ok, false, `${name} cut to ${n} bytes`);
      if (!r.ok) assert.equal(r.reason, 'truncated', `${name} cut to ${n} bytes`);
    }
  }
});

test('malformed messages give their own reason', () => {
  const good = captured('v2cTrap');
  assert.equal(failure(Buffer.concat([good, Buffer.of(0)])), 'trailing_bytes');
  const indefinite = Buffer.from(good);
  indefinite[1] = 0x80;
  assert.equal(failure(indefinite), 'indefinite_length');
  assert.equal(failure(Buffer.of(0x30, 0x85, 1, 0, 0, 0, 0)), 'bad_length');
  assert.equal(failure(constructed(0x30, integer(2), octets('public'))), 'unknown_version');
  const wide = constructed(0x30, tlv(0x02, Buffer.of(1, 0, 0, 0, 0)), octets('public'));
  assert.equal(failure(wide), 'integer_too_large');
  const huge = constructed(0x30, tlv(0x02, Buffer.alloc(4000, 0x7f)), octets('public'));
  assert.equal(failure(huge), 'integer_too_large');
  // A varbind list whose first element claims more than the list holds.
  const overrun = constructed(0x30, integer(1), octets('p'), constructed(0xa7, integer(1), integer(0), integer(0),
    Buffer.of(0x30, 0x04, 0x30, 0x10, 0x06, 0x01), octets(Buffer.alloc(20))));
  assert.equal(failure(overrun), 'bad_length');
  assert.equal(failure(Buffer.of(0x1f, 0x01, 0x00)), 'unexpected_tag');
  assert.equal(failure(constructed(0x30, integer(1), octets('p'), constructed(0xa9))), 'unexpected_tag');
  // A v1 Trap-PDU inside a v2c message.
  assert.equal(failure(constructed(0x30, integer(1), octets('p'), constructed(0xa4))), 'unexpected_tag');
});

test('the decoder bounds depth, varbinds and OID length', () => {
  let nested: Buffer = integer(1);
  for (let i = 0; i < 300; i++) nested = constructed(0x30, nested);
  assert.equal(failure(nested), 'unexpected_tag', 'a deep nest stops at the first wrong tag');
  const vb = (o: Buffer) => constructed(0x30, o, tlv(0x05, Buffer.alloc(0)));
  const withList = (list: Buffer[]) =>
    constructed(0x30, integer(1), octets('p'), constructed(0xa7, integer(1), integer(0), integer(0), constructed(0x30, ...list)));
  assert.equal(failure(withList(Array.from({ length: 1025 }, () => vb(oid('1.3.6.1'))))), 'too_many_varbinds');
  assert.equal(decodeSnmp(withList(Array.from({ length: 1024 }, () => vb(oid('1.3.6.1'))))).ok, true);
  const long = `1.3.${Array.from({ length: 127 }, () => '1').join('.')}`;
  assert.equal(failure(withList([vb(oid(long))])), 'oid_too_long');
  assert.equal(decodeSnmp(withList([vb(oid(long.slice(0, -2)))])).ok, true, '128 arcs are allowed');
  assert.equal(failure(withList([vb(tlv(0x06, Buffer.of(0x2b, 0x80, 0x01)))])), 'bad_oid');
  assert.equal(failure(withList([vb(tlv(0x06, Buffer.of(0x2b, 0x86)))])), 'bad_oid');
  assert.equal(failure(withList([vb(tlv(0x06, Buffer.alloc(0)))])), 'bad_oid');
  assert.equal(failure(withList([vb(tlv(0x06, Buffer.of(0x2b, 0x90, 0x80, 0x80, 0x80, 0x00)))])), 'bad_oid');
});

test('thousands of random mutations of real traps never throw, and fail only with known reasons', () => {
  let seed = 0x5eed;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const known = new Set<string>(DECODE_FAILURES);
  const seen = new Map<string, number>();
  const names = ['v1EnterpriseSpecific', 'v1LinkUp', 'v2cTrap', 'v3AuthPriv', 'v3NoAuthNoPriv', 'v3AuthNoPriv', 'v2cInform'] as const;
  for (let i = 0; i < 5000; i++) {
    const b = Buffer.from(captured(names[i % names.length]!));
    for (let k = 1 + rand(4); k > 0; k--) {
      const op = rand(3);
      if (op === 0) b[rand(b.length)] = rand(256);
      else if (op === 1) {
        const at = rand(b.length);
        b[at] = b[at]! ^ (1 << rand(8));
      }
      else b[rand(b.length)] = [0x80, 0x81, 0x84, 0xff, 0x00, 0x30][rand(6)]!;
    }
    const r = decodeSnmp(b);
    const key = r.ok ? 'ok' : r.reason;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if (!r.ok) assert.ok(known.has(r.reason), r.reason);
  }
  assert.equal(seen.get('internal'), undefined, 'the decoder never failed by itself');
  assert.ok(seen.size >= 6, `mutations reached several reasons: ${[...seen.keys()].join(', ')}`);
});
