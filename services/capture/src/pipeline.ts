/**
 * From libpcap batches to bus batches: decode each frame, classify the
 * datagram by destination port, copy it into the batch of its kind, and
 * publish every non-empty batch at the end of each libpcap batch (libpcap's
 * own buffer timeout thus bounds how long a datagram waits).
 */
import {
  BatchEncoder,
  KINDS,
  NO_VLAN,
  type BusPublisher,
  type CaptureConfig,
  type Datagram,
  type Kind,
} from '@sekiwake/shared';
import { PacketDecoder, type UdpDatagram } from './decode/index.js';
import { PortClassifier } from './classify.js';
import { InterfaceNames } from './interfaces.js';
import type { CaptureCounts, PipelineDrop } from './metrics.js';

/** The per-packet path of the capture service. */
export class CapturePipeline {
  readonly decoder: PacketDecoder;
  private readonly classifier: PortClassifier;
  private readonly names: InterfaceNames;
  private readonly encoders: Record<Kind, BatchEncoder>;
  private readonly out: Datagram;
  private readonly maxDatagrams: number;
  /** Capture time of the latest frame (ms): the reassembly clock of a file replay. */
  lastFrameMs = 0;

  constructor(
    cfg: CaptureConfig,
    private readonly linktype: number,
    private readonly publisher: BusPublisher,
    private readonly counts: CaptureCounts,
  ) {
    this.decoder = new PacketDecoder({ reassembly: cfg.reassembly });
    this.decoder.onDrop = (reason) => counts.drops.get(reason)!.add();
    this.classifier = new PortClassifier(cfg.ports);
    this.names = new InterfaceNames(cfg.readFile ? 'file' : cfg.interface);
    this.maxDatagrams = cfg.batch.maxDatagrams;
    const enc = (k: Kind) => new BatchEncoder(k, cfg.batch.maxBytes);
    this.encoders = { syslog: enc('syslog'), flow: enc('flow'), trap: enc('trap') };
    this.out = {
      tsSec: 0, tsNsec: 0, ipVersion: 4, src: new Uint8Array(4), dst: new Uint8Array(4),
      srcPort: 0, dstPort: 0, vlan: NO_VLAN, iface: '', payload: new Uint8Array(0),
    };
  }

  /** Handles one captured frame; `frame` is valid only during the call. */
  readonly onFrame = (frame: Uint8Array, tsSec: number, tsNsec: number, wirelen: number): void => {
    this.counts.packets.add();
    this.counts.bytes.add(frame.length);
    this.lastFrameMs = tsSec * 1000 + tsNsec / 1e6;
    const d = this.decoder.decode(this.linktype, frame, wirelen, tsSec, tsNsec);
    if (d === null) return;
    const kind = this.classifier.kind(d.dstPort);
    if (kind === null) return this.drop('port_unclassified');
    this.append(kind, this.envelope(d));
  };

  /** Publishes every non-empty batch. */
  flush(): void {
    for (const k of KINDS) this.publish(k);
  }

  private envelope(d: UdpDatagram): Datagram {
    const o = this.out;
    o.tsSec = d.tsSec;
    o.tsNsec = d.tsNsec;
    o.ipVersion = d.ipVersion;
    o.src = d.src;
    o.dst = d.dst;
    o.srcPort = d.srcPort;
    o.dstPort = d.dstPort;
    o.vlan = d.vlan < 0 ? NO_VLAN : d.vlan;
    o.iface = this.names.name(d.ifindex);
    o.payload = d.payload;
    return o;
  }

  private append(kind: Kind, d: Datagram) {
    const enc = this.encoders[kind];
    if (!enc.fits(d)) this.publish(kind);
    if (!enc.add(d)) return this.drop('too_big');
    if (enc.count >= this.maxDatagrams) this.publish(kind);
  }

  // A batch the bus queue cannot take, or that no subscriber wants, is
  // dropped whole and counted here; it takes no sequence numbers, so
  // receivers do not count it a second time.
  private publish(kind: Kind) {
    const enc = this.encoders[kind];
    const n = enc.count;
    if (n === 0) return;
    const refused = this.publisher.full ? 'queue_full' : !this.publisher.hasSubscriber(kind) ? 'no_subscriber' : null;
    if (refused !== null) {
      enc.take(0, 0);
      this.counts.drops.get(refused)!.add(n);
      return;
    }
    const batch = enc.take(this.publisher.id, this.publisher.reserve(kind, n))!;
    this.publisher.publish(kind, batch);
    this.counts.published[kind].add(n);
    this.counts.batches[kind].add();
  }

  private drop(reason: PipelineDrop) {
    this.counts.drops.get(reason)!.add();
  }
}
