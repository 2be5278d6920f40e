/**
 * The core every forwarder shares: subscribe to one kind on the bus and
 * send each datagram's payload, unchanged, to every destination.
 */
import { BusSubscriber, SequenceTracker, type ReceivedBatch } from './bus.js';
import { GroupMember } from './group.js';
import { readBatchHeader } from './envelope.js';
import { SekiwakeError } from './errors.js';
import type { Config } from './config/schema.js';
import type { Destination } from './config/forwarder.js';
import { readBatch, type Datagram, type Kind } from './envelope.js';
import type { Logger } from './log.js';
import { LogThrottle } from './log.js';
import type { Metrics } from './metrics.js';
import type { RunningService, ServiceContext } from './service.js';
import type { FORWARDERS } from './config/schema.js';
import type { Counter } from 'prom-client';
import { UdpDestination } from './udp-destination.js';

/** A forwarder's counters, labelled by destination where it applies. */
export interface ForwarderMetrics {
  received: Counter<'kind'>;
  sent: Counter<'destination'>;
  bytes: Counter<'destination'>;
  errors: Counter<'destination' | 'code'>;
  dropped: Counter<'reason'>;
}

/** Creates a forwarder's metrics. */
export function forwarderMetrics(m: Metrics): ForwarderMetrics {
  return {
    received: m.counter({ name: 'forwarder_received_total', help: 'Datagrams received from the bus', labelNames: ['kind'] }),
    sent: m.counter({ name: 'destination_sent_total', help: 'Datagrams sent to a destination', labelNames: ['destination'] }),
    bytes: m.counter({ name: 'destination_bytes_total', help: 'Payload bytes sent to a destination', labelNames: ['destination'] }),
    errors: m.counter({ name: 'destination_errors_total', help: 'Send errors reported for a destination', labelNames: ['destination', 'code'] }),
    dropped: m.counter({ name: 'dropped_total', help: 'Datagrams not delivered, by reason', labelNames: ['reason'] }),
  };
}

/** Options of a forwarder core. */
export interface ForwarderOptions {
  kind: Kind;
  config: Config;
  destinations: Destination[];
  sendBufferBytes: number;
  log: Logger;
  metrics: ForwarderMetrics;
  /** The registry the metrics live in (for hot-path counts). */
  registry: Metrics;
  /** The replica group to share the stream with, or null to receive everything. */
  group: string | null;
  /** This replica's number (for its name in the group). */
  replica: number;
  /** Called for every datagram before it is sent (protocol accounting). */
  inspect?: (d: Datagram) => void;
  /**
   * Called when a destination connects, before any datagram is sent to it;
   * `send` delivers to that destination only (e.g. cached flow templates).
   */
  onDestinationUp?: (name: string, send: (payload: Uint8Array) => void) => void;
  /** Called with each datagram a destination sends back (SNMP inform responses). */
  onDestinationMessage?: (name: string, msg: Buffer) => void;
}

/** Destination display name: its configured name, or host:port. */
export function destinationName(d: Destination): string {
  return d.name ?? (d.host.includes(':') ? `[${d.host}]:${d.port}` : `${d.host}:${d.port}`);
}

/** A running forwarder core. */
export class Forwarder {
  readonly destinations: UdpDestination[];
  private readonly subscriber: BusSubscriber | null;
  private readonly member: GroupMember | null;
  private readonly sequences = new SequenceTracker();
  private readonly invalidLog = new LogThrottle(10_000);
  // Where each payload of the batch being sent lies in it; reused.
  private offsets = new Uint32Array(1024);
  private lengths = new Uint32Array(1024);

  constructor(private readonly o: ForwarderOptions) {
    const { bus } = o.config;
    this.member = o.group === null ? null : new GroupMember(bus.groupEndpoint, o.group, [o.kind], o.replica, bus);
    this.subscriber = o.group === null ? new BusSubscriber(bus.subscribeEndpoint, [o.kind], bus) : null;
    this.destinations = o.destinations.map((d) => this.destination(d));
  }

  /** Opens every destination and starts receiving. */
  start(): void {
    for (const d of this.destinations) d.open();
    const onInvalid = (err: SekiwakeError, bytes: number) => {
      this.o.metrics.dropped.inc({ reason: 'envelope_invalid' });
      const skipped = this.invalidLog.hit();
      if (skipped >= 0) this.o.log.warn({ code: err.code, bytes, skipped }, 'invalid bus message');
    };
    if (this.member !== null) {
      const member = this.member;
      member.start((_topic, batch) => {
        let header;
        try {
          header = readBatchHeader(batch);
        } catch (err) {
          return onInvalid(err as SekiwakeError, batch.length);
        }
        this.onBatch({ header, batch });
        member.handled(header.count);
      });
    } else {
      this.subscriber!.connect();
      this.subscriber!.start({ onBatch: (b) => this.onBatch(b), onInvalid });
    }
    const group = this.o.group;
    this.o.log.info({ kind: this.o.kind, destinations: this.destinations.length, group }, 'forwarder subscribed');
  }

  /** Healthy: every destination connected and, in a group, the proxy answering. */
  health(): { ok: true } | { ok: false; reason: string } {
    if (!this.destinations.every((d) => d.up)) return { ok: false, reason: 'a destination is not connected' };
    if (this.member !== null && !this.member.connected) return { ok: false, reason: 'no heartbeat from the proxy' };
    return { ok: true };
  }

  /** Stops receiving, lets queued sends leave, closes the sockets. */
  async stop(): Promise<void> {
    await this.subscriber?.close();
    const missing = (await this.member?.close()) ?? 0;
    if (missing > 0) this.o.metrics.dropped.inc({ reason: 'leave_drain_timeout' }, missing);
    await Promise.all(this.destinations.map((d) => d.close()));
  }

  private onBatch({ header, batch }: ReceivedBatch) {
    const { metrics, inspect } = this.o;
    const { lost } = this.sequences.observe(header);
    if (lost > 0) metrics.dropped.inc({ reason: 'bus_gap' }, lost);
    const dests = this.destinations;
    if (dests.length === 0) metrics.dropped.inc({ reason: 'no_destination' }, header.count);
    const n = header.count;
    if (this.offsets.length < n) {
      this.offsets = new Uint32Array(n);
      this.lengths = new Uint32Array(n);
    }
    const { offsets, lengths } = this;
    let i = 0;
    try {
      readBatch(batch, (d) => {
        inspect?.(d);
        offsets[i] = d.payload.byteOffset - batch.byteOffset;
        lengths[i++] = d.payload.length;
      });
    } catch (err) {
      metrics.dropped.inc({ reason: 'envelope_invalid' }, header.count);
      return;
    }
    for (const dest of dests) dest.sendBatch(batch, offsets, lengths, n);
    metrics.received.inc({ kind: header.kind }, header.count);
  }

  private destination(d: Destination): UdpDestination {
    const name = destinationName(d);
    const m = this.o.metrics;
    const sent = this.o.registry.hot(m.sent, { destination: name });
    const bytes = this.o.registry.hot(m.bytes, { destination: name });
    const dest: UdpDestination = new UdpDestination(
      { host: d.host, port: d.port, name, sendBufferBytes: this.o.sendBufferBytes },
      {
        up: () => this.o.onDestinationUp?.(name, (p) => dest.send(p)),
        sent: (n) => { sent.add(); bytes.add(n); },
        dropped: (reason, count = 1) => m.dropped.inc({ reason }, count),
        error: (code) => m.errors.inc({ destination: name, code }),
        // Only a forwarder that reads answers gets a socket that reads them.
        ...(this.o.onDestinationMessage ? { received: (msg: Buffer) => this.o.onDestinationMessage!(name, msg) } : {}),
      },
      this.o.log,
    );
    return dest;
  }
}

/** The hooks a forwarder service adds to the shared core. */
export type ForwarderHooks = Pick<ForwarderOptions, 'inspect' | 'onDestinationUp' | 'onDestinationMessage'>;

/**
 * Starts the core for the forwarder service `name`, delivering `kind` to the
 * destinations of its configuration section, in the replica group named
 * there (the service name by default).
 */
export function startForwarder(
  ctx: ServiceContext,
  name: (typeof FORWARDERS)[number],
  kind: Kind,
  log: Logger,
  hooks: ForwarderHooks = {},
): RunningService {
  const cfg = ctx.config.services[name];
  if (cfg.destinations.length === 0) log.warn({}, 'no destinations configured: datagrams are counted and dropped');
  const fwd = new Forwarder({
    kind,
    config: ctx.config,
    destinations: cfg.destinations,
    sendBufferBytes: cfg.sendBufferBytes,
    log,
    metrics: forwarderMetrics(ctx.metrics),
    registry: ctx.metrics,
    group: cfg.replicaGroup === undefined ? name : cfg.replicaGroup,
    replica: ctx.replica,
    ...hooks,
  });
  fwd.start();
  return { health: () => fwd.health(), stop: () => fwd.stop() };
}
