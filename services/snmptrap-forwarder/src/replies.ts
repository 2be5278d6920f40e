/**
 * What managers send back to the forwarder's sockets: Responses to the
 * informs it forwarded, Reports to v3 messages they could not take (an
 * unknown engine ID or user). They are read, counted and discarded; the
 * agent is answered by its own manager, never by Sekiwake.
 */
import { decodeSnmp, type Counter, type Logger, type Metrics } from '@sekiwake/shared';

/** Counts replies by destination and PDU type. */
export class ManagerReplies {
  private readonly replies: Counter<'destination' | 'pdu'>;

  constructor(metrics: Metrics, private readonly log: Logger) {
    this.replies = metrics.counter({
      name: 'snmp_manager_replies_total',
      help: 'Datagrams a destination sent back (inform responses, reports), counted and discarded',
      labelNames: ['destination', 'pdu'],
    });
  }

  /** Counts one reply from `destination`. */
  received(destination: string, msg: Buffer): void {
    const r = decodeSnmp(msg);
    const pdu = r.ok ? r.message.pdu : 'undecodable';
    this.replies.inc({ destination, pdu });
    if (this.log.isLevelEnabled('debug')) {
      this.log.debug({ destination, pdu, requestId: r.ok ? r.message.requestId : null }, 'manager reply discarded');
    }
  }
}
