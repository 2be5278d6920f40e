/**
 * The syslog forwarder: every datagram published on the `syslog` topic is
 * sent, byte for byte, to every configured destination over UDP. It does
 * not parse or rewrite messages; the receiver sees what the device sent.
 */
import {
  Forwarder,
  forwarderMetrics,
  type RunningService,
  type ServiceContext,
} from '@sekiwake/shared';

/** Starts the syslog forwarder. */
export async function start(ctx: ServiceContext): Promise<RunningService> {
  const cfg = ctx.config.services['syslog-forwarder'];
  const log = ctx.log.child({ component: 'syslog-forwarder' });
  if (cfg.destinations.length === 0) log.warn({}, 'no destinations configured: datagrams are counted and dropped');
  const fwd = new Forwarder({
    kind: 'syslog',
    config: ctx.config,
    destinations: cfg.destinations,
    sendBufferBytes: cfg.sendBufferBytes,
    log,
    metrics: forwarderMetrics(ctx.metrics),
    registry: ctx.metrics,
    group: cfg.replicaGroup === undefined ? 'syslog-forwarder' : cfg.replicaGroup,
    replica: ctx.replica,
  });
  fwd.start();
  return {
    health: () => fwd.health(),
    stop: () => fwd.stop(),
  };
}
