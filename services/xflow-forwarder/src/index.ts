/** The xflow-forwarder: every datagram on the `flow` topic, unchanged, to every destination. */
import { Forwarder, forwarderMetrics, type RunningService, type ServiceContext } from '@sekiwake/shared';

/** Starts the xflow-forwarder. */
export async function start(ctx: ServiceContext): Promise<RunningService> {
  const cfg = ctx.config.services['xflow-forwarder'];
  const log = ctx.log.child({ component: 'xflow-forwarder' });
  const fwd = new Forwarder({
    kind: 'flow',
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
