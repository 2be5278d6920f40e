import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress, parseAddress } from './address.js';

const ip = (text: string) => parseAddress(text)!;

test('parseAddress reads what formatAddress writes', () => {
  for (const a of ['192.0.2.1', '2001:db8::1', '::', '::ffff:192.0.2.1', 'fe80::1:2']) assert.equal(formatAddress(ip(a)), a);
  assert.equal(parseAddress('300.1.1.1'), null);
  assert.equal(parseAddress('host.example'), null);
});

test('IPv4 is dotted decimal', () => {
  assert.equal(formatAddress(Uint8Array.of(10, 0, 255, 1)), '10.0.255.1');
});

test('IPv6 follows RFC 5952', () => {
  const cases: [string, string][] = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a lone zero stays
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run wins
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first on a tie
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['fe80:0:0:0:0:0:0:0', 'fe80::'],
    ['0:0:0:0:0:ffff:c000:201', '::ffff:192.0.2.1'],
    ['ABCD:EF01:2345:6789:ABCD:EF01:2345:6789', 'abcd:ef01:2345:6789:abcd:ef01:2345:6789'],
  ];
  for (const [input, expected] of cases) assert.equal(formatAddress(ip(input)), expected);
});

test('other lengths are refused', () => {
  assert.throws(() => formatAddress(new Uint8Array(5)), RangeError);
});
