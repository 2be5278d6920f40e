// A libpcap capture whose packets reach JavaScript in batches, one callback
// per batch, from a native capture thread with a bounded hand-over queue.
import { PcapError, PcapErrorCode } from './errors.js';
import {
  addon,
  type NativeCapture,
  type NativeEndReason,
  type NativeNotice,
} from './native.js';
import { type OpenOptions, resolveOptions } from './options.js';
import type { PacketBatch } from './batch.js';

export { forEachPacket, LINKTYPE, RECORD_HEADER_BYTES } from './batch.js';
export type { PacketBatch, PacketVisitor } from './batch.js';
export { PcapError, PcapErrorCode } from './errors.js';
export type { PcapErrorCodeValue, PcapErrorContext } from './errors.js';
export { DEFAULT_OPTIONS } from './options.js';
export type { OpenOptions } from './options.js';

/** Kernel counters from pcap_stats; zeros when reading a file. */
export interface PcapStats {
  /** ps_recv: packets the filter accepted (on Linux, including drops). */
  received: number;
  /** ps_drop: packets dropped because the ring buffer was full. */
  dropped: number;
  /** ps_ifdrop: packets the interface or its driver dropped. */
  ifDropped: number;
}

/** A non-fatal notice from pcap_activate (e.g. PROMISC_NOTSUP). */
export interface PcapWarning {
  /** libpcap status name without the PCAP_WARNING_ prefix. */
  status: string;
  /** libpcap's text. */
  message: string;
}

/** Receives a capture's batches and, once, how it ended. */
export interface BatchHandler {
  /** One call per batch; the buffer belongs to the handler afterwards. */
  onBatch(batch: PacketBatch): void;
  /** The capture ended (file end or stop()) after its last batch. */
  onEnd(): void;
  /** The capture failed (code E_PCAP_READ) after its last batch. */
  onError(error: Error): void;
}

type State = 'open' | 'running' | 'closed';

/** A libpcap handle, live or offline, and its capture thread. */
export class PcapCapture {
  /** Link-layer header type of every packet (pcap_datalink, see LINKTYPE). */
  readonly linktype: number;
  /** Bytes kept of each packet (pcap_snapshot). */
  readonly snaplen: number;
  /** Warnings pcap_activate returned; empty when it succeeded cleanly. */
  readonly warnings: readonly PcapWarning[];
  /** The interface or file this capture reads; for errors and logs. */
  readonly source: { readonly device?: string; readonly file?: string };

  // Invariant: #state is 'running' exactly while the native thread may still
  // deliver batches; #closed settles when it has been joined.
  #state: State = 'open';
  readonly #native: NativeCapture;
  readonly #closed: Promise<void>;
  #markClosed: () => void = () => {};

  private constructor(
    native: NativeCapture,
    info: { linktype: number; snaplen: number; warnings: NativeNotice[] },
    source: PcapCapture['source'],
  ) {
    this.#native = native;
    this.linktype = info.linktype;
    this.snaplen = info.snaplen;
    this.warnings = Object.freeze(info.warnings.map((w) => ({ ...w })));
    this.source = Object.freeze({ ...source });
    this.#closed = new Promise((resolve) => {
      this.#markClosed = resolve;
    });
  }

  /** Opens and activates a handle and applies the filter; throws PcapError. */
  static open(options: OpenOptions): PcapCapture {
    const config = resolveOptions(options);
    const source = config.file ? { file: config.file } : { device: config.device };
    const opened = addon.open({ ...config });
    if ('error' in opened) {
      const { code, status, message } = opened.error;
      throw new PcapError(
        code as PcapError['code'],
        `${describeFailure(code)} for ${describeSource(source)}: ${message}`,
        { ...source, status },
      );
    }
    return new PcapCapture(opened.capture, opened, source);
  }

  /** Starts the capture thread; batches then flow to the handler. */
  start(handler: BatchHandler): void {
    if (this.#state !== 'open') {
      throw new PcapError(
        PcapErrorCode.STATE,
        `start() needs a capture that was opened and not started or stopped`,
        this.source,
      );
    }
    const started = this.#native.start(
      (buffer, count) => this.#deliver(handler, buffer, count),
      (reason, text) => this.#finish(handler, reason, text),
    );
    if (!started) throw new PcapError(PcapErrorCode.STATE, 'start() was refused', this.source);
    this.#state = 'running';
  }

  /** Breaks the loop; resolves once every captured batch was delivered, the
   * thread joined and the handle closed. Idempotent. */
  stop(): Promise<void> {
    // 'closed' means no thread runs (never started, or already finished).
    if (this.#native.stop() === 'closed') this.#close();
    return this.#closed;
  }

  /** Latest pcap_stats totals, sampled by the capture thread every 250 ms
   * and at the end (pcap_stats may not run beside pcap_dispatch). */
  stats(): PcapStats {
    const [received, dropped, ifDropped] = this.#native.stats();
    return { received, dropped, ifDropped };
  }

  #deliver(handler: BatchHandler, buffer: Buffer, count: number): void {
    try {
      handler.onBatch({ buffer, count });
    } catch (err) {
      // Node-API would swallow it with a warning; make it uncaught instead,
      // as an exception in an event listener would be.
      process.nextTick(() => {
        throw err;
      });
    }
  }

  #finish(handler: BatchHandler, reason: NativeEndReason, text: string): void {
    this.#close();
    try {
      if (reason === 'error') handler.onError(this.#readError(text));
      else handler.onEnd();
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  }

  #readError(text: string): PcapError {
    return new PcapError(
      PcapErrorCode.READ,
      `pcap_dispatch failed for ${describeSource(this.source)}: ${text}`,
      this.source,
    );
  }

  #close(): void {
    this.#state = 'closed';
    this.#markClosed();
  }
}

/** The libpcap version string (pcap_lib_version), e.g. for diagnostics. */
export function libpcapVersion(): string {
  return addon.libpcapVersion();
}

function describeSource(source: PcapCapture['source']): string {
  return source.file !== undefined
    ? `file ${JSON.stringify(source.file)}`
    : `device ${JSON.stringify(source.device)}`;
}

function describeFailure(code: string): string {
  switch (code) {
    case PcapErrorCode.OPEN:
      return 'opening the capture failed';
    case PcapErrorCode.ACTIVATE:
      return 'pcap_activate failed';
    case PcapErrorCode.FILTER:
      return 'the BPF filter was rejected';
    default:
      return 'open failed';
  }
}
