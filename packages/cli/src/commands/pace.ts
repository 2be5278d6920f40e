/**
 * What every test sender shares: an unconnected UDP socket, as a device's
 * syslog, flow or trap socket is (a passive capture host may answer ICMP
 * port-unreachable, which would fail a connected socket's sends), and a
 * pacing loop that sends what is due every tick without letting libuv's
 * send queue grow.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Ticks of the pacing loop; each sends what is due by then. */
const TICK_MS = 2;
/** Datagrams libuv may hold before the loop waits for the next tick. */
const MAX_QUEUED_SENDS = 4096;

/** A sender's socket and the address it sends to. */
export interface TestSender {
  socket: Socket;
  address: string;
  port: number;
  /** Send errors reported so far. */
  errors(): number;
  close(): Promise<void>;
}

/** Resolves `host` once and binds a socket (to `source`, if given). */
export async function openSender(host: string, port: number, source?: string): Promise<TestSender> {
  const address = isIP(host) ? host : (await lookup(host)).address;
  const socket = createSocket({ type: isIP(address) === 6 ? 'udp6' : 'udp4', sendBufferSize: 4 << 20 });
  let errors = 0;
  socket.on('error', () => errors++);
  await new Promise<void>((r) => socket.bind(0, source, () => r()));
  return {
    socket,
    address,
    port,
    errors: () => errors,
    close: async () => {
      while (socket.getSendQueueCount() > 0) await new Promise((r) => setTimeout(r, 1));
      await new Promise<void>((r) => socket.close(() => r()));
    },
  };
}

/**
 * Calls `step(i)` for i = 0 .. count-1, at `rate` per second (0: as fast as
 * the socket takes them), then waits until every datagram left. Resolves
 * with the seconds it took.
 */
export async function paced(s: TestSender, count: number, rate: number, step: (i: number, elapsedMs: number) => void): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < count; ) {
    const elapsed = performance.now() - t0;
    const due = rate > 0 ? Math.min(count, Math.floor((elapsed / 1000) * rate) + 1) : count;
    for (; i < due; i++) {
      step(i, elapsed);
      if (s.socket.getSendQueueCount() > MAX_QUEUED_SENDS) {
        i++;
        break;
      }
    }
    await new Promise((r) => setTimeout(r, rate > 0 ? TICK_MS : 0));
  }
  await s.close();
  return (performance.now() - t0) / 1000;
}
