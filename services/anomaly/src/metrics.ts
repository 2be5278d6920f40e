/**
 * The anomaly service's metrics. The band gauges let Grafana draw, per
 * scope, the last closed bin's count against its mean and its band; the
 * scope label is bounded (total, the tracked sources, "other", severities).
 */
import type { Counter, Gauge, Metrics } from '@sekiwake/shared';

/** Counters and gauges of the anomaly service. */
export interface AnomalyMetrics {
  received: Counter<'kind'>;
  dropped: Counter<'reason'>;
  binsClosed: Counter<'kind'>;
  events: Counter<'kind' | 'anomaly' | 'event'>;
  notifications: Counter<'channel' | 'outcome'>;
  /** 1 while a storm is under way, -1 a silence, 0 otherwise. */
  active: Gauge<'kind' | 'scope'>;
  mean: Gauge<'kind' | 'scope'>;
  upper: Gauge<'kind' | 'scope'>;
  lower: Gauge<'kind' | 'scope'>;
  count: Gauge<'kind' | 'scope'>;
}

/** Creates the anomaly service's metrics in `m`. */
export function anomalyMetrics(m: Metrics): AnomalyMetrics {
  const gauge = (name: string, help: string) => m.gauge({ name, help, labelNames: ['kind', 'scope'] as const });
  return {
    received: m.counter({ name: 'anomaly_received_total', help: 'Datagrams received from the bus', labelNames: ['kind'] }),
    dropped: m.counter({ name: 'dropped_total', help: 'Datagrams not counted in any bin, by reason', labelNames: ['reason'] }),
    binsClosed: m.counter({ name: 'anomaly_bins_closed_total', help: 'Bins closed and judged', labelNames: ['kind'] }),
    events: m.counter({ name: 'anomaly_events_total', help: 'Storms and silences started and ended', labelNames: ['kind', 'anomaly', 'event'] }),
    notifications: m.counter({ name: 'anomaly_notifications_total', help: 'Notifications by channel and what became of them', labelNames: ['channel', 'outcome'] }),
    active: gauge('anomaly_active', 'Anomaly under way in the scope: 1 storm, -1 silence, 0 none'),
    mean: gauge('anomaly_band_mean', 'Mean count per bin over the window before the last closed bin'),
    upper: gauge('anomaly_band_upper', 'Upper band the last closed bin was judged against'),
    lower: gauge('anomaly_band_lower', 'Lower band the last closed bin was judged against'),
    count: gauge('anomaly_bin_count', 'Messages in the last closed bin'),
  };
}
