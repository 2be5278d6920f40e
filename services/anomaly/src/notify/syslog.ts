/**
 * Syslog notifications: each event as one RFC 5424 message over UDP
 * (RFC 5426), with the numbers in a structured-data element.
 */
import { hostname } from 'node:os';
import { UdpDestination, type Logger } from '@sekiwake/shared';
import type { AnomalyEvent } from './event.js';

/** RFC 5424 section 6.2.1 facility numbers. */
const FACILITY: Record<string, number> = {
  kern: 0, user: 1, daemon: 3, auth: 4, syslog: 5,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
};
const WARNING = 4;
const NOTICE = 5;
/** SD-ID of the element: 32473 is the enterprise number RFC 5612 sets aside for examples. */
const SD_ID = 'sekiwake@32473';
const HOST = hostname().replace(/[^!-~]/g, '').slice(0, 255) || '-';

/** Where to send and as what. */
export interface SyslogNotifyOptions {
  host: string;
  port: number;
  facility: string;
  appName: string;
}

/** The RFC 5424 message for `e`: a start is a warning, an end a notice. */
export function syslogMessage(e: AnomalyEvent, o: Pick<SyslogNotifyOptions, 'facility' | 'appName'>, now = new Date()): Buffer {
  const pri = (FACILITY[o.facility] ?? FACILITY.daemon!) * 8 + (e.event === 'start' ? WARNING : NOTICE);
  const params: Array<[string, string | number | null]> = [
    ['kind', e.kind], ['scope', e.scope], ['event', e.event], ['anomaly', e.anomaly], ['bin', e.bin],
    ['count', e.count], ['mean', e.mean], ['upper', e.upper], ['lower', e.lower],
  ];
  const sd = params.filter(([, v]) => v !== null).map(([k, v]) => `${k}="${escape(String(v))}"`).join(' ');
  const msgid = `${e.anomaly}-${e.event}`;
  return Buffer.from(`<${pri}>1 ${now.toISOString()} ${HOST} ${o.appName} ${process.pid} ${msgid} [${SD_ID} ${sd}] ${e.text}`);
}

// RFC 5424 section 6.3.3: '"', '\' and ']' in a PARAM-VALUE are escaped.
function escape(v: string): string {
  return v.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** Sends events to one syslog receiver. */
export class SyslogNotifier {
  private readonly dest: UdpDestination;

  constructor(
    private readonly o: SyslogNotifyOptions,
    log: Logger,
    outcome: (o: 'sent' | 'failed') => void,
  ) {
    this.dest = new UdpDestination(
      { host: o.host, port: o.port, name: `${o.host}:${o.port}`, sendBufferBytes: 1 << 20 },
      { sent: () => outcome('sent'), dropped: () => outcome('failed'), error: () => undefined },
      log,
    );
  }

  /** Resolves and connects in the background. */
  open(): void {
    this.dest.open();
  }

  /** Sends `e` now, or counts it failed when the socket is not up. */
  send(e: AnomalyEvent): void {
    this.dest.send(syslogMessage(e, this.o));
  }

  /** Lets what was sent leave, then closes. */
  stop(): Promise<void> {
    return this.dest.close();
  }
}
