/** The proxy's metrics. */
import type { Counter, Metrics } from '@sekiwake/shared';

/** Counters of what crossed the proxy. */
export interface ProxyMetrics {
  messages: Counter<'kind'>;
  datagrams: Counter<'kind'>;
  bytes: Counter<'kind'>;
  lost: Counter<'kind'>;
  dropped: Counter<'reason'>;
  subscriptions: Counter<'action'>;
}

/** Creates the proxy's metrics in its registry. */
export function proxyMetrics(m: Metrics): ProxyMetrics {
  return {
    messages: m.counter({ name: 'proxy_messages_total', help: 'Bus messages (batches) passed to subscribers', labelNames: ['kind'] }),
    datagrams: m.counter({ name: 'proxy_datagrams_total', help: 'Datagrams in the batches passed', labelNames: ['kind'] }),
    bytes: m.counter({ name: 'proxy_bytes_total', help: 'Envelope bytes passed', labelNames: ['kind'] }),
    lost: m.counter({ name: 'bus_lost_datagrams_total', help: 'Datagrams missing from a publisher stream on arrival (sequence gaps)', labelNames: ['kind'] }),
    dropped: m.counter({ name: 'dropped_total', help: 'Messages dropped, by reason', labelNames: ['reason'] }),
    subscriptions: m.counter({ name: 'proxy_subscriptions_total', help: 'Subscription changes passed to publishers', labelNames: ['action'] }),
  };
}
