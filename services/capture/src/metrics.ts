/** The capture service's metrics. */
import type { Counter, Gauge, HotCount, Kind, Metrics } from '@sekiwake/shared';
import { KINDS } from '@sekiwake/shared';
import { DROP_REASONS, type DropReason } from './decode/index.js';

/** Reasons the capture drops a datagram after decoding it. */
export const PIPELINE_DROPS = ['port_unclassified', 'queue_full', 'no_subscriber', 'too_big', 'stop_unsent'] as const;
export type PipelineDrop = (typeof PIPELINE_DROPS)[number];

/** Counts kept on the hot path, flushed at scrape time. */
export interface CaptureCounts {
  packets: HotCount;
  bytes: HotCount;
  published: Record<Kind, HotCount>;
  batches: Record<Kind, HotCount>;
  drops: Map<DropReason | PipelineDrop, HotCount>;
}

/** Gauges and kernel counters set once a second. */
export interface CaptureGauges {
  kernelReceived: Counter<string>;
  kernelDropped: Counter<string>;
  ifDropped: Counter<string>;
  pendingFragments: Gauge<string>;
  pendingFragmentBytes: Gauge<string>;
  queuedBatches: Gauge<string>;
}

/** Creates the capture's metrics in its registry. */
export function captureMetrics(m: Metrics): { counts: CaptureCounts; gauges: CaptureGauges } {
  const packets = m.counter({ name: 'capture_packets_total', help: 'Frames delivered by libpcap' });
  const bytes = m.counter({ name: 'capture_bytes_total', help: 'Captured bytes (caplen) delivered by libpcap' });
  const published = m.counter({ name: 'capture_published_total', help: 'Datagrams published on the bus', labelNames: ['kind'] });
  const batches = m.counter({ name: 'capture_batches_total', help: 'Bus messages (batches) published', labelNames: ['kind'] });
  const dropped = m.counter({ name: 'dropped_total', help: 'Frames or datagrams dropped, by reason', labelNames: ['reason'] });
  const counts: CaptureCounts = {
    packets: m.hot(packets, {}),
    bytes: m.hot(bytes, {}),
    published: Object.fromEntries(KINDS.map((k) => [k, m.hot(published, { kind: k })])) as Record<Kind, HotCount>,
    batches: Object.fromEntries(KINDS.map((k) => [k, m.hot(batches, { kind: k })])) as Record<Kind, HotCount>,
    drops: new Map([...DROP_REASONS, ...PIPELINE_DROPS].map((r) => [r, m.hot(dropped, { reason: r })])),
  };
  const gauges: CaptureGauges = {
    kernelReceived: m.counter({ name: 'capture_kernel_received_total', help: 'Packets the kernel passed the filter (pcap_stats ps_recv)' }),
    kernelDropped: m.counter({ name: 'capture_kernel_dropped_total', help: 'Packets dropped because the capture buffer was full (pcap_stats ps_drop)' }),
    ifDropped: m.counter({ name: 'capture_interface_dropped_total', help: 'Packets dropped by the interface or driver (pcap_stats ps_ifdrop)' }),
    pendingFragments: m.gauge({ name: 'capture_reassembly_pending_datagrams', help: 'Incomplete fragmented datagrams held' }),
    pendingFragmentBytes: m.gauge({ name: 'capture_reassembly_pending_bytes', help: 'Fragment bytes held for reassembly' }),
    queuedBatches: m.gauge({ name: 'capture_bus_queued_batches', help: 'Batches waiting to be handed to the bus' }),
  };
  return { counts, gauges };
}
