import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataRecords, exportDatagram, type ExportStream } from './build.js';
import { FlowInspector } from './inspector.js';
import { primingDatagrams } from './prime.js';
import { SequenceState } from './sequence.js';
import { readFlowHeader } from './header.js';

const SRC = Uint8Array.of(192, 0, 2, 9);
const LIMITS = { maxExporters: 16, maxTemplatesPerExporter: 8, templateTtlMs: 60_000 };
const stream = (version: ExportStream['version'], over: Partial<ExportStream> = {}): ExportStream =>
  ({ version, records: 4, domain: 7, templateEvery: 3, bootMs: 1_700_000_000_000, ...over });
const advance = (s: ExportStream, i: number) => (s.version === 5 || s.version === 10 ? dataRecords(s, i) : 1);

/** The datagrams 0..n-1 of `s` with their right sequence numbers. */
function datagrams(s: ExportStream, n: number, startSeq = 0): Buffer[] {
  const out: Buffer[] = [];
  let seq = startSeq;
  for (let i = 0; i < n; i++) {
    out.push(exportDatagram(s, i, seq >>> 0, 1000 + i * 10));
    seq += advance(s, i);
  }
  return out;
}

test('each protocol: records, templates and sequence read from valid datagrams', () => {
  const cases = [
    { s: stream(5), protocol: 'netflow5', templates: [0, 0, 0, 0] },
    { s: stream(9), protocol: 'netflow9', templates: [2, 0, 0, 2] },
    { s: stream(10), protocol: 'ipfix', templates: [2, 0, 0, 2] },
    { s: stream('sflow'), protocol: 'sflow5', templates: [0, 0, 0, 0] },
  ] as const;
  for (const c of cases) {
    const insp = new FlowInspector(LIMITS);
    datagrams(c.s, 4).forEach((p, i) => {
      const r = insp.inspect(SRC, p, 0);
      assert.equal(r.protocol, c.protocol);
      assert.equal(r.problem, null, `${c.protocol} #${i}`);
      assert.equal(r.body!.records, dataRecords(c.s, i), `${c.protocol} #${i} records`);
      assert.equal(r.body!.templates, c.templates[i]);
      assert.equal(r.body!.unknownSets, 0);
      assert.equal(r.event, i === 0 ? 'first' : 'ok', `${c.protocol} #${i}`);
      assert.equal(r.exporter!.domain, 7);
    });
    assert.equal(insp.size, 1);
  }
});

test('a skipped datagram is a gap in the protocol\'s unit', () => {
  // Datagram 3 is skipped; in IPFIX it carried the options data record too.
  for (const [version, missed] of [[5, 4], [9, 1], [10, 5], ['sflow', 1]] as const) {
    const s = stream(version);
    const all = datagrams(s, 6);
    const insp = new FlowInspector(LIMITS);
    const seen = [0, 1, 2, 4, 5].map((i) => {
      const r = insp.inspect(SRC, all[i]!, 0);
      return [r.event, r.missed];
    });
    assert.deepEqual(seen, [['first', 0], ['ok', 0], ['ok', 0], ['gap', missed], ['ok', 0]], String(version));
  }
});

test('sequence numbers wrap at 2^32; late, restarted and unknown streams are told apart', () => {
  const st = new SequenceState(64);
  assert.equal(st.observe(0xffff_fff6, 10, null), 'first');
  assert.equal(st.observe(0, 10, null), 'ok');
  assert.equal(st.observe(15, 10, null), 'gap');
  assert.equal(st.missed, 5);
  assert.equal(st.observe(5, 10, null), 'late', 'behind by less than the window');
  assert.equal(st.observe(25, 10, null), 'ok', 'a late datagram does not move the expectation');
  assert.equal(st.observe(35, null, null), 'ok');
  assert.equal(st.observe(1234, 1, null), 'unknown', 'after an unknown span nothing is expected');
  assert.equal(st.observe(1235, 1, null), 'ok');
  assert.equal(st.observe(9, 1, null), 'restart', 'far behind');
  assert.equal(st.observe(10 + (1 << 25), 1, null), 'restart', 'far ahead');
  const up = new SequenceState(64);
  assert.equal(up.observe(500, 1, 90_000), 'first');
  assert.equal(up.observe(0, 1, 10), 'restart', 'uptime went back');
  assert.equal(up.observe(1, 1, 20), 'ok');
});

test('every prefix and random corruption of each protocol is read without a throw', () => {
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (const v of [5, 9, 10, 'sflow'] as const) {
    const insp = new FlowInspector(LIMITS);
    const [first, second] = datagrams(stream(v), 2);
    for (const p of [first!, second!]) {
      for (let n = 0; n < p.length; n++) {
        const r = insp.inspect(SRC, p.subarray(0, n), 0);
        if (v !== 9) assert.notEqual(r.problem, null, `${v}: prefix ${n} of ${p.length}`);
      }
      for (let k = 0; k < 2000; k++) {
        const q = Buffer.from(p);
        for (let f = 0; f < 4; f++) q[Math.floor(rand() * q.length)] = Math.floor(rand() * 256);
        insp.inspect(SRC, q, 0);
      }
    }
  }
  assert.equal(readFlowHeader(Uint8Array.of(0, 7, 0, 0)), 'unknown_version');
  assert.equal(readFlowHeader(Uint8Array.of(0, 0, 0, 5, 0, 0, 0, 3, 1)), 'bad_header');
});

test('IPFIX: variable-length fields are walked, withdrawals forget templates', () => {
  const insp = new FlowInspector(LIMITS);
  // Template 300: sourceIPv4Address (4) and applicationName (variable).
  const set = (id: number, body: Buffer) => Buffer.concat([u16(id), u16(body.length + 4), body]);
  const msg = (seq: number, ...sets: Buffer[]) => {
    const b = Buffer.concat([Buffer.from('000a0000000000000000000000000001', 'hex'), ...sets]);
    b.writeUInt16BE(b.length, 2);
    b.writeUInt32BE(seq, 8);
    return b;
  };
  const template = set(2, Buffer.concat([u16(300), u16(2), u16(8), u16(4), u16(96), u16(0xffff)]));
  const long = Buffer.alloc(300, 0x61);
  const records = Buffer.concat([
    Buffer.from('0a000001' + '03' + '616263', 'hex'),
    Buffer.from('0a000002' + '00', 'hex'),
    Buffer.concat([Buffer.from('0a000003ff012c', 'hex'), long]),
  ]);
  let r = insp.inspect(SRC, msg(0, template, set(300, records)), 0);
  assert.equal(r.problem, null);
  assert.deepEqual([r.body!.templates, r.body!.records, r.body!.span], [1, 3, 3]);
  r = insp.inspect(SRC, msg(3, set(300, Buffer.concat([records, Buffer.from('0a00000405ab', 'hex')]))), 0);
  assert.equal(r.problem, 'bad_length', 'a record cut short inside the set');
  const withdraw = set(2, Buffer.concat([u16(300), u16(0)]));
  r = insp.inspect(SRC, msg(6, withdraw), 0);
  assert.deepEqual([r.problem, r.body!.templates, r.exporter!.templates!.size], [null, 1, 0]);
  r = insp.inspect(SRC, msg(6, set(300, records)), 0);
  assert.deepEqual([r.body!.unknownSets, r.body!.records, r.body!.span], [1, 0, null]);
});

test('priming datagrams let a fresh reader count data at once, for v9 and IPFIX', () => {
  for (const v of [9, 10] as const) {
    const s = stream(v);
    const all = datagrams(s, 5);
    const insp = new FlowInspector(LIMITS);
    for (const p of all.slice(0, 4)) insp.inspect(SRC, p, 0);
    const e = [...insp.all()][0]!;
    const primes = primingDatagrams(e, 0);
    assert.equal(primes.length, 1);
    const fresh = new FlowInspector(LIMITS);
    const r1 = fresh.inspect(SRC, primes[0]!, 0);
    assert.deepEqual([r1.problem, r1.body!.templates, r1.body!.records], [null, 2, 0]);
    assert.equal(primes[0]!.readUInt32BE(v === 9 ? 16 : 12), 7, 'keeps the exporter\'s stream ID');
    const r2 = fresh.inspect(SRC, all[4]!, 0);
    assert.deepEqual([r2.problem, r2.body!.records, r2.event], [null, s.records, 'ok'], 'no gap after priming');
    assert.deepEqual(primingDatagrams(e, 60_001), [], 'expired templates are not sent');
  }
});

test('state is bounded: exporter streams and templates', () => {
  const insp = new FlowInspector({ ...LIMITS, maxExporters: 3, maxTemplatesPerExporter: 2 });
  for (let d = 0; d < 10; d++) insp.inspect(SRC, datagrams(stream(5, { domain: d }), 1)[0]!, 0);
  assert.equal(insp.size, 3);
  assert.equal(insp.evicted, 7);
  const set = Buffer.concat([u16(0), u16(4 + 3 * 8)]);
  const tpl = (id: number) => Buffer.concat([u16(id), u16(1), u16(1), u16(4)]);
  const p = Buffer.concat([Buffer.from('00090003000000000000000000000000000000aa', 'hex'), set, tpl(256), tpl(257), tpl(258)]);
  const r = insp.inspect(SRC, p, 0);
  assert.deepEqual([r.problem, r.body!.templates, r.exporter!.templates!.size, r.exporter!.templates!.evicted], [null, 3, 2, 1]);
});

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
