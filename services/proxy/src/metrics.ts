/** The proxy's metrics. */
import type { Counter, Gauge, Metrics } from '@sekiwake/shared';

/** Counters of what crossed the proxy. */
export interface ProxyMetrics {
  messages: Counter<'kind'>;
  datagrams: Counter<'kind'>;
  bytes: Counter<'kind'>;
  lost: Counter<'kind'>;
  dropped: Counter<'reason'>;
  subscriptions: Counter<'action'>;
  groupMembers: Gauge<'group'>;
  groupDatagrams: Counter<'member'>;
  groupRebalances: Counter<'group' | 'cause'>;
  groupLost: Counter<'group' | 'reason'>;
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
    groupMembers: m.gauge({ name: 'group_members', help: 'Live members of each replica group', labelNames: ['group'] }),
    groupDatagrams: m.counter({ name: 'group_member_datagrams_total', help: 'Datagrams sent to each live group member (its share)', labelNames: ['member'] }),
    groupRebalances: m.counter({ name: 'group_rebalances_total', help: 'Times a group was re-split because a member joined or left', labelNames: ['group', 'cause'] }),
    groupLost: m.counter({ name: 'group_lost_datagrams_total', help: 'Datagrams of a group that no member delivered, by reason', labelNames: ['group', 'reason'] }),
  };
}
