/** A UDP listener that keeps every datagram it receives, for assertions. */
import { createSocket } from 'node:dgram';
import type { TestContext } from 'node:test';

/** What a listener has received. */
export interface Listener {
  port: number;
  datagrams: Buffer[];
  /** The sender's port of each datagram, in the same order. */
  senders: number[];
  /** Resolves once `n` datagrams arrived and then `quietMs` passed with none. */
  settle(n: number, timeoutMs?: number, quietMs?: number): Promise<Buffer[]>;
}

/** Listens on host:port (port 0 picks one) until the test ends. */
export async function listenUdp(t: TestContext, host: string, port = 0): Promise<Listener> {
  const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 32 << 20 });
  const datagrams: Buffer[] = [];
  const senders: number[] = [];
  let last = Date.now();
  socket.on('message', (m, rinfo) => { datagrams.push(m); senders.push(rinfo.port); last = Date.now(); });
  await new Promise<void>((r) => socket.bind(port, host, () => r()));
  t.after(() => new Promise<void>((r) => socket.close(() => r())));
  return {
    port: socket.address().port,
    datagrams,
    senders,
    async settle(n, timeoutMs = 20_000, quietMs = 500) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        if (datagrams.length >= n && Date.now() - last >= quietMs) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      return datagrams;
    },
  };
}

/**
 * How often each distinct payload occurs, keyed by its bytes as latin1 (one
 * character per byte, so equal keys mean equal bytes): two lists compare
 * equal when they hold the same payloads the same number of times.
 */
export function payloadCounts(list: Buffer[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const b of list) {
    const key = b.toString('latin1');
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return m;
}
