/** The snmptrap-forwarder: every datagram on the `trap` topic, unchanged, to every destination. */
import { Forwarder, forwarderMetrics, type RunningService, type ServiceContext } from '@sekiwake/shared';

/** Starts the snmptrap-forwarder. */
export async function start(ctx: ServiceContext): Promise<RunningService> {
  const cfg = ctx.config.services['snmptrap-forwarder'];
  const log = ctx.log.child({ component: 'snmptrap-forwarder' });
  const fwd = new Forwarder({
    kind: 'trap',
    config: ctx.config,
    destinations: cfg.destinations,
    sendBufferBytes: cfg.sendBufferBytes,
    log,
    metrics: forwarderMetrics(ctx.metrics),
    registry: ctx.metrics,
  });
  fwd.start();
  return {
    health: () => (fwd.allUp ? { ok: true } : { ok: false, reason: 'a destination is not connected' }),
    stop: () => fwd.stop(),
  };
}
