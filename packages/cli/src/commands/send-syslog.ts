/**
 * `sekiwake send syslog`: a paced test sender. Each message carries a
 * sequence number (`seq=N`) so a receiver can check that every message came
 * through exactly once.
 */
import { createSocket } from 'node:dgram';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';

/** What to send. */
export interface SyslogSendOptions {
  host: string;
  port: number;
  /** Messages per second; 0 sends as fast as possible. */
  rate: number;
  count: number;
  /** Total bytes of each message; shorter ones are padded, longer cut. */
  size: number | undefined;
  format: 'rfc3164' | 'rfc5424';
  /** First sequence number. */
  startSeq: number;
  source: string | undefined;
}

/** What was sent. */
export interface SendReport {
  sent: number;
  errors: number;
  seconds: number;
  rate: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Ticks of the pacing loop; each sends what is due. */
const TICK_MS = 2;
const HOST = hostname().replace(/\s/g, '') || 'localhost';

/** An RFC 3164 or RFC 5424 message with facility local0, severity notice. */
export function syslogMessage(seq: number, o: Pick<SyslogSendOptions, 'format' | 'size'>, now = new Date()): Buffer {
  const pri = '<133>';
  const body = `seq=${seq}`;
  let head: string;
  if (o.format === 'rfc5424') {
    head = `${pri}1 ${now.toISOString()} ${HOST} sekiwake-send ${process.pid} TEST - `;
  } else {
    const d = now.getDate().toString().padStart(2, ' ');
    const t = now.toTimeString().slice(0, 8);
    head = `${pri}${MONTHS[now.getMonth()]} ${d} ${t} ${HOST} sekiwake-send[${process.pid}]: `;
  }
  let msg = head + body;
  if (o.size !== undefined) msg = msg.length < o.size ? `${msg} ${'x'.repeat(o.size - msg.length - 1)}` : msg.slice(0, o.size);
  return Buffer.from(msg);
}

/** Sends `count` messages at `rate` per second and reports. */
export async function sendSyslog(o: SyslogSendOptions): Promise<SendReport> {
  const address = isIP(o.host) ? o.host : (await lookup(o.host)).address;
  const socket = createSocket({ type: isIP(address) === 6 ? 'udp6' : 'udp4', sendBufferSize: 4 << 20 });
  let errors = 0;
  socket.on('error', () => errors++);
  // Not connected, like a device's syslog socket: a passive capture host
  // answers ICMP port-unreachable, which would fail a connected socket's sends.
  await new Promise<void>((r) => socket.bind(0, o.source, () => r()));
  const t0 = performance.now();
  let sent = 0;
  const now = new Date();
  while (sent < o.count) {
    const due = o.rate > 0 ? Math.min(o.count, Math.floor(((performance.now() - t0) / 1000) * o.rate) + 1) : o.count;
    for (; sent < due; sent++) {
      if (sent % 1000 === 0) now.setTime(Date.now());
      socket.send(syslogMessage(o.startSeq + sent, o, now), o.port, address);
      // Let libuv drain its queue now and then rather than grow it.
      if (socket.getSendQueueCount() > 4096) break;
    }
    await new Promise((r) => setTimeout(r, o.rate > 0 ? TICK_MS : 0));
  }
  while (socket.getSendQueueCount() > 0) await new Promise((r) => setTimeout(r, 1));
  const seconds = (performance.now() - t0) / 1000;
  await new Promise<void>((r) => socket.close(() => r()));
  return { sent, errors, seconds, rate: Math.round(sent / seconds) };
}
