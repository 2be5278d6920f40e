/**
 * Prometheus metrics: one registry per service instance, served over HTTP at
 * `/metrics`, beside a `/healthz` that answers 200 while the service is
 * healthy and 503 with the reason when it is not.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';
import { SekiwakeError } from './errors.js';

/** Every metric name starts with this. */
export const METRIC_PREFIX = 'sekiwake_';

/**
 * A count kept in a plain number on the hot path and added to its counter
 * when Prometheus scrapes: a labelled `inc()` hashes its labels every time,
 * which costs more than forwarding a datagram.
 */
export class HotCount {
  value = 0;
  flushed = 0;

  /** Adds `n` (default 1). */
  add(n = 1): void {
    this.value += n;
  }
}

/** A service's own registry, with helpers that apply the name prefix. */
export class Metrics {
  readonly registry = new Registry();
  private readonly hotCounts = new Map<Counter<string>, Array<[Record<string, string>, HotCount]>>();

  constructor(service: string, labels: Record<string, string> = {}) {
    this.registry.setDefaultLabels({ service, ...labels });
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
  }

  /** A counter named `sekiwake_<name>`; `name` must end in `_total`. */
  counter<L extends string>(
    cfg: Omit<CounterConfiguration<L>, 'registers'>,
  ): Counter<L> {
    if (!cfg.name.endsWith('_total')) {
      throw new SekiwakeError('E_INTERNAL', `counter ${cfg.name} must end in _total`);
    }
    const hot = this.hotCounts;
    const counter: Counter<L> = new Counter({
      ...cfg,
      name: METRIC_PREFIX + cfg.name,
      registers: [this.registry],
      collect() {
        for (const [labels, h] of hot.get(counter as Counter<string>) ?? []) {
          if (h.value > h.flushed) counter.inc(labels as Partial<Record<L, string>>, h.value - h.flushed);
          h.flushed = h.value;
        }
      },
    });
    return counter;
  }

  /** A {@link HotCount} for one label set of `counter`; the series shows 0 at once. */
  hot<L extends string>(counter: Counter<L>, labels: Partial<Record<L, string>>): HotCount {
    const h = new HotCount();
    const list = this.hotCounts.get(counter as Counter<string>) ?? [];
    list.push([labels as Record<string, string>, h]);
    this.hotCounts.set(counter as Counter<string>, list);
    counter.inc(labels, 0);
    return h;
  }

  /** A gauge named `sekiwake_<name>`. */
  gauge<L extends string>(cfg: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return new Gauge({ ...cfg, name: METRIC_PREFIX + cfg.name, registers: [this.registry] });
  }

  /** A histogram named `sekiwake_<name>`. */
  histogram<L extends string>(
    cfg: Omit<HistogramConfiguration<L>, 'registers'>,
  ): Histogram<L> {
    return new Histogram({ ...cfg, name: METRIC_PREFIX + cfg.name, registers: [this.registry] });
  }
}

/** What `/healthz` reports: healthy, or not with a short reason. */
export type HealthCheck = () => { ok: true } | { ok: false; reason: string };

/** A running `/metrics` + `/healthz` server. */
export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `metrics` on host:port (port 0 picks a free one). Rejects with
 * E_METRICS_LISTEN when the address cannot be bound.
 */
export function serveMetrics(
  metrics: Metrics,
  host: string,
  port: number,
  health: HealthCheck = () => ({ ok: true }),
): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(body);
        },
        (err: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`${err.message}\n`);
        },
      );
      return;
    }
    if (path === '/healthz') {
      const h = health();
      res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(h) + '\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: try /metrics or /healthz\n');
  });
  return listen(server, host, port);
}

function listen(server: Server, host: string, port: number): Promise<MetricsServer> {
  return new Promise((resolve, reject) => {
    server.once('error', (err) => {
      reject(
        new SekiwakeError(
          'E_METRICS_LISTEN',
          `metrics server cannot listen on ${host}:${port}: ${err.message}`,
          { host, port },
          { cause: err },
        ),
      );
    });
    server.listen(port, host, () => {
      const bound = (server.address() as AddressInfo).port;
      resolve({
        port: bound,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
