/**
 * The capture service: reads packets passively with libpcap (an interface,
 * or a pcap file), turns them into bus batches and publishes them. It needs
 * no port of its own, so it works beside a real collector or on a mirror
 * port; it needs root or CAP_NET_RAW for a live interface.
 */
import { forEachPacket, PcapCapture } from '@sekiwake/pcap';
import {
  BusPublisher,
  SUBSCRIPTION_WAIT_MS,
  SekiwakeError,
  type CaptureConfig,
  type RunningService,
  type ServiceContext,
} from '@sekiwake/shared';
import { buildFilter } from './filter.js';
import { captureMetrics, type CaptureGauges } from './metrics.js';
import { CapturePipeline } from './pipeline.js';

/** How often kernel statistics and reassembly timeouts are looked at. */
export const HOUSEKEEPING_INTERVAL_MS = 1000;

export { buildFilter, watchedPorts } from './filter.js';

/** Starts the capture service. */
export async function start(ctx: ServiceContext): Promise<RunningService> {
  const cfg = ctx.config.services.capture;
  const log = ctx.log.child({ component: 'capture', interface: cfg.readFile ? null : cfg.interface, file: cfg.readFile ?? null });
  const filter = cfg.filter ?? buildFilter(cfg.ports);
  const pcap = open(cfg, filter);
  const { counts, gauges } = captureMetrics(ctx.metrics);
  const publisher = new BusPublisher(ctx.config.bus.publishEndpoint, ctx.config.bus, cfg.maxQueuedBatches);
  publisher.connect();
  publisher.onError((err) => log.error({ err }, 'bus send failed'));
  const heard = await publisher.waitForSubscribers();
  if (!heard) log.warn({ waitedMs: SUBSCRIPTION_WAIT_MS }, 'no subscriber on the bus yet: datagrams are counted as no_subscriber');
  const pipeline = new CapturePipeline(cfg, pcap.linktype, publisher, counts);
  log.info({ linktype: pcap.linktype, filter, publish: ctx.config.bus.publishEndpoint }, 'capture opened');

  const kernel = { received: 0, dropped: 0, ifDropped: 0 };
  const housekeeping = setInterval(() => {
    // Fragment timeouts run on the packets' clock: a file replayed at full
    // speed must not time out fragments that were a millisecond apart.
    pipeline.decoder.expire(cfg.readFile ? pipeline.lastFrameMs : Date.now());
    sampleStats(pcap, kernel, gauges, pipeline, publisher);
  }, HOUSEKEEPING_INTERVAL_MS);

  let settle!: { resolve(): void; reject(e: Error): void };
  const finished = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  let healthy = true;
  pcap.start({
    onBatch: (b) => {
      forEachPacket(b, pipeline.onFrame);
      pipeline.flush();
    },
    onEnd: () => {
      if (cfg.readFile) log.info({}, 'capture file read to the end');
      settle.resolve();
    },
    onError: (err) => {
      healthy = false;
      settle.reject(new SekiwakeError('E_CAPTURE_FAILED', `capture failed: ${err.message}`, { interface: cfg.interface }, { cause: err }));
    },
  });

  return {
    health: () => (healthy ? { ok: true } : { ok: false, reason: 'libpcap stopped delivering packets' }),
    finished,
    async stop() {
      clearInterval(housekeeping);
      await pcap.stop();
      pipeline.flush();
      sampleStats(pcap, kernel, gauges, pipeline, publisher);
      const unsent = await publisher.close();
      if (unsent > 0) {
        counts.drops.get('stop_unsent')!.add(unsent);
        log.warn({ unsent }, 'bus did not take every datagram before stop');
      }
    },
  };
}

function open(cfg: CaptureConfig, filter: string): PcapCapture {
  try {
    return PcapCapture.open({
      ...(cfg.readFile ? { file: cfg.readFile } : { device: cfg.interface }),
      snaplen: cfg.snaplen,
      bufferBytes: cfg.bufferBytes,
      promiscuous: cfg.promiscuous,
      inboundOnly: cfg.direction === 'in' && !cfg.readFile,
      timeoutMs: cfg.timeoutMs,
      filter,
    });
  } catch (err) {
    const where = cfg.readFile ?? cfg.interface;
    throw new SekiwakeError('E_CAPTURE_OPEN', `cannot capture on ${where}: ${(err as Error).message}`, { interface: where }, { cause: err });
  }
}

// libpcap's counters are cumulative; the Prometheus counters take the growth.
function sampleStats(
  pcap: PcapCapture,
  last: { received: number; dropped: number; ifDropped: number },
  g: CaptureGauges,
  pipeline: CapturePipeline,
  publisher: BusPublisher,
) {
  const s = pcap.stats();
  if (s.received > last.received) g.kernelReceived.inc(s.received - last.received);
  if (s.dropped > last.dropped) g.kernelDropped.inc(s.dropped - last.dropped);
  if (s.ifDropped > last.ifDropped) g.ifDropped.inc(s.ifDropped - last.ifDropped);
  Object.assign(last, s);
  const pending = pipeline.decoder.pending;
  g.pendingFragments.set(pending.datagrams);
  g.pendingFragmentBytes.set(pending.bytes);
  g.queuedBatches.set(publisher.queued);
}
