/**
 * The syslog forwarder: every datagram published on the `syslog` topic is
 * sent, byte for byte, to every configured destination over UDP. It does
 * not parse or rewrite messages; the receiver sees what the device sent.
 */
import { startForwarder, type RunningService, type ServiceContext } from '@sekiwake/shared';

/** Starts the syslog forwarder. */
export async function start(ctx: ServiceContext): Promise<RunningService> {
  return startForwarder(ctx, 'syslog-forwarder', 'syslog', ctx.log.child({ component: 'syslog-forwarder' }));
}
