/**
 * `sekiwake send syslog`: a paced test sender. Each message carries a
 * sequence number (`seq=N`) so a receiver can check that every message came
 * through exactly once.
 */
import { hostname } from 'node:os';
import { openSender, paced } from './pace.js';

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
  const sender = await openSender(o.host, o.port, o.source);
  const now = new Date();
  const seconds = await paced(sender, o.count, o.rate, (i) => {
    if (i % 1000 === 0) now.setTime(Date.now());
    sender.socket.send(syslogMessage(o.startSeq + i, o, now), o.port, sender.address);
  });
  return { sent: o.count, errors: sender.errors(), seconds, rate: Math.round(o.count / seconds) };
}
