import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import {
  forEachPacket,
  libpcapVersion,
  PcapCapture,
  PcapErrorCode,
} from './index.js';

test('a bad filter gives E_PCAP_FILTER with the device', () => {
  assert.throws(() => PcapCapture.open({ device: 'lo', filter: 'udp port' }), {
    code: 'E_PCAP_FILTER',
    device: 'lo',
  });
});

test('an absent device gives E_PCAP_ACTIVATE with status NO_SUCH_DEVICE', () => {
  assert.throws(() => PcapCapture.open({ device: 'sekiwake-none0' }), {
    code: 'E_PCAP_ACTIVATE',
    status: 'NO_SUCH_DEVICE',
    device: 'sekiwake-none0',
  });
});

test('options are checked strictly', () => {
  const bad = [
    {},
    { device: 'lo', file: 'x.pcap' },
    { device: '' },
    { device: 'lo', snaplen: 0 },
    { device: 'lo', batchPackets: 1.5 },
    { device: 'lo', timeoutMs: -1 },
    { device: 'lo', promiscuous: 'yes' },
    { device: 'lo', bufersize: 1 },
  ];
  for (const options of bad) {
    assert.throws(() => PcapCapture.open(options as never), { code: 'E_PCAP_OPTION' });
  }
});

test('start twice and start after stop give E_PCAP_STATE', async () => {
  const capture = PcapCapture.open({ device: 'lo', filter: 'udp port 9' });
  const handler = { onBatch() {}, onEnd() {}, onError() {} };
  capture.start(handler);
  assert.throws(() => capture.start(handler), { code: 'E_PCAP_STATE' });
  await capture.stop();
  await capture.stop(); // idempotent
  assert.throws(() => capture.start(handler), { code: 'E_PCAP_STATE' });
});

test('stop before start closes the handle and resolves', async () => {
  await PcapCapture.open({ device: 'lo' }).stop();
});

test('a batch shorter than its count gives E_PCAP_BATCH', () => {
  const buffer = Buffer.alloc(20);
  buffer.writeUInt32LE(8, 8); // caplen 8, but only 4 bytes follow
  assert.throws(() => forEachPacket({ buffer, count: 1 }, () => {}), {
    code: 'E_PCAP_BATCH',
  });
});

test('libpcapVersion names libpcap', () => {
  assert.match(libpcapVersion(), /^libpcap version \d+\.\d+/);
});

test('every error code is documented in the README', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const code of Object.values(PcapErrorCode)) {
    assert.ok(readme.includes(`| \`${code}\` |`), `${code} is not in README.md`);
  }
});
