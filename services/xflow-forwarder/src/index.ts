/**
 * The xflow-forwarder: every datagram on the `flow` topic (NetFlow v5/v9,
 * IPFIX, sFlow v5), unchanged, to every collector. On the way each one is
 * accounted per exporter (records, templates, upstream sequence loss), and
 * a collector that connects is first sent the cached templates of every
 * v9/IPFIX exporter, so it decodes the next data at once.
 */
import {
  primingDatagrams,
  startForwarder,
  type RunningService,
  type ServiceContext,
} from '@sekiwake/shared';
import { FlowAccounting } from './accounting.js';

/** Starts the xflow-forwarder. */
export async function start(ctx: ServiceContext): Promise<RunningService> {
  const cfg = ctx.config.services['xflow-forwarder'];
  const log = ctx.log.child({ component: 'xflow-forwarder' });
  const accounting = new FlowAccounting(ctx.metrics, {
    maxLabelled: cfg.exporters.maxLabelled,
    maxTracked: cfg.exporters.maxTracked,
    maxTemplatesPerExporter: cfg.templates.maxPerExporter,
    templateTtlMs: cfg.templates.ttlMs,
  }, log);
  const primed = ctx.metrics.counter({
    name: 'flow_primed_total',
    help: 'Template datagrams sent to a collector when it connected, before data',
    labelNames: ['destination'],
  });
  // Replicas split the stream by exporter address, so each sees every
  // datagram of its exporters: sequences and templates stay whole.
  return startForwarder(ctx, 'xflow-forwarder', 'flow', log, {
    inspect: (d) => accounting.inspect(d),
    onDestinationUp: (name, send) => {
      const now = Date.now();
      let exporters = 0;
      let datagrams = 0;
      for (const e of accounting.inspector.all()) {
        const list = primingDatagrams(e, now);
        if (list.length > 0) exporters++;
        for (const p of list) send(p);
        datagrams += list.length;
      }
      primed.inc({ destination: name }, datagrams);
      if (datagrams > 0) log.info({ destination: name, exporters, datagrams }, 'collector primed with cached templates');
    },
  });
}
