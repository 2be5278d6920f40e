import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { LINKTYPE, PcapCapture, type PacketBatch } from './index.js';
import { collect, within, writeSavefile } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'sekiwake-pcap-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// Odd lengths exercise the 4-byte padding between records.
const RECORDS = [
  { tsSec: 1_733_240_000, tsFrac: 123_456_789, data: Buffer.from('hello, world') },
  { tsSec: 1_733_240_001, tsFrac: 1, data: Buffer.from([1, 2, 3, 4, 5]) },
  { tsSec: 1_733_240_002, tsFrac: 999_999_999, data: Buffer.alloc(0) },
  { tsSec: 4_000_000_000, tsFrac: 7, data: Buffer.alloc(1501, 0xab), wirelen: 9000 },
];

function readAll(capture: PcapCapture) {
  return new Promise<{ batches: PacketBatch[]; error?: Error }>((resolve) => {
    const batches: PacketBatch[] = [];
    capture.start({
      onBatch: (b) => batches.push(b),
      onEnd: () => resolve({ batches }),
      onError: (error) => resolve({ batches, error }),
    });
  });
}

test('offline read delivers exact bytes and nanosecond timestamps', async () => {
  const file = join(dir, 'nano.pcap');
  writeSavefile(file, RECORDS, { nano: true, linktype: LINKTYPE.RAW });
  const capture = PcapCapture.open({ file, batchPackets: 3 });
  assert.equal(capture.linktype, LINKTYPE.RAW);
  const { batches, error } = await within(5000, 'offline read', readAll(capture));
  assert.equal(error, undefined);
  assert.deepEqual(batches.map((b) => b.count), [3, 1]);
  const packets = collect(batches);
  assert.deepEqual(
    packets.map((p) => [p.tsSec, p.tsNsec, p.wirelen]),
    RECORDS.map((r) => [r.tsSec, r.tsFrac, r.wirelen ?? r.data.length]),
  );
  packets.forEach((p, i) => assert.deepEqual(p.data, RECORDS[i]!.data));
  assert.deepEqual(capture.stats(), { received: 0, dropped: 0, ifDropped: 0 });
  await within(1000, 'stop after end', capture.stop());
});

test('microsecond savefiles are scaled to nanoseconds', async () => {
  const file = join(dir, 'micro.pcap');
  const records = [{ tsSec: 10, tsFrac: 654_321, data: Buffer.from('x') }];
  writeSavefile(file, records, { nano: false, linktype: LINKTYPE.ETHERNET });
  const { batches } = await readAll(PcapCapture.open({ file }));
  const [packet] = collect(batches);
  assert.equal(packet?.tsNsec, 654_321_000);
});

test('the filter applies to offline reads', async () => {
  const file = join(dir, 'filtered.pcap');
  writeSavefile(file, RECORDS, { nano: true, linktype: LINKTYPE.RAW });
  // Only the 1501-byte record is longer than 100 bytes.
  const { batches } = await readAll(PcapCapture.open({ file, filter: 'greater 100' }));
  assert.deepEqual(collect(batches).map((p) => p.data.length), [1501]);
});

test('a truncated savefile ends with E_PCAP_READ after the good records', async () => {
  const file = join(dir, 'truncated.pcap');
  writeSavefile(file, RECORDS, { nano: true, linktype: LINKTYPE.RAW, truncateLastBy: 100 });
  const { batches, error } = await readAll(PcapCapture.open({ file }));
  assert.equal(collect(batches).length, 3);
  assert.equal((error as { code?: string } | undefined)?.code, 'E_PCAP_READ');
  assert.equal((error as { file?: string }).file, file);
});

test('a missing file gives E_PCAP_OPEN with the path', () => {
  const file = join(dir, 'absent.pcap');
  assert.throws(() => PcapCapture.open({ file }), { code: 'E_PCAP_OPEN', file });
});
