/**
 * A UDP destination: one connected datagram socket per destination, so that
 * each send carries no address and ICMP port-unreachable comes back as an
 * error we can count. A batch's datagrams go out with one sendmmsg(2) per
 * batch (@sekiwake/udp-batch), straight from the batch's buffer; when the
 * destination's answers must be read (SNMP inform responses), a Node dgram
 * socket is used instead. Sends never wait: what the kernel cannot take at
 * once waits in a bounded queue and is retried.
 */
import { createSocket, type Socket } from 'node:dgram';
import { UdpBatchSocket, type SendResult } from '@sekiwake/udp-batch';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Logger } from './log.js';
import { LogThrottle } from './log.js';

/** Datagrams that may wait for one destination before new ones are dropped. */
export const MAX_SEND_QUEUE = 8192;
/** Batches those datagrams may belong to (each holds its whole bus message). */
export const MAX_SEND_QUEUE_BATCHES = 64;
/** How soon datagrams the kernel refused for lack of buffer space are retried. */
export const RETRY_SEND_MS = 1;
/** First and longest wait before resolving/connecting a destination again. */
export const RECONNECT_MIN_MS = 500;
export const RECONNECT_MAX_MS = 30_000;

/** Why a datagram meant for a destination was not sent. */
export type DestinationDrop = 'destination_down' | 'send_queue_full' | 'too_big' | 'send_error';

/** What a destination reports, per datagram or error. */
export interface DestinationEvents {
  /** The socket is connected (first time or again): sends go out from now. */
  up?(): void;
  sent(bytes: number): void;
  dropped(reason: DestinationDrop, count?: number): void;
  error(code: string): void;
  /** A datagram the destination sent back to this socket (an inform's response). */
  received?(msg: Buffer): void;
}

/** Where and how to send. */
export interface DestinationOptions {
  host: string;
  port: number;
  name: string;
  sendBufferBytes: number;
}

/** How datagrams leave: the native batch socket, or a dgram socket that also reads answers. */
interface Transport {
  sendMany(buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, from: number, count: number): SendResult;
  close(): Promise<void>;
}

/** Datagrams of one batch still to send. */
interface Pending {
  buf: Uint8Array;
  offsets: Uint32Array;
  lengths: Uint32Array;
  from: number;
  end: number;
}

const ONE_OFFSET = new Uint32Array(1);

/** One UDP destination with its own socket. */
export class UdpDestination {
  private transport: Transport | null = null;
  private closed = false;
  private backoffMs = RECONNECT_MIN_MS;
  private timer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly pending: Pending[] = [];
  private pendingCount = 0;
  private readonly errLog = new LogThrottle(10_000);

  constructor(
    readonly opts: DestinationOptions,
    private readonly events: DestinationEvents,
    private readonly log: Logger,
  ) {}

  /** True once the socket is connected and sends go out. */
  get up(): boolean {
    return this.transport !== null;
  }

  /** Datagrams waiting for kernel buffer space. */
  get queued(): number {
    return this.pendingCount;
  }

  /** Resolves and connects; retries with backoff on failure, in the background. */
  open(): void {
    void this.connect();
  }

  /** Sends one payload unchanged. */
  send(payload: Uint8Array): void {
    const len = new Uint32Array([payload.length]);
    this.sendBatch(payload, ONE_OFFSET, len, 1);
  }

  /**
   * Sends `count` datagrams, datagram i being buf[offsets[i], +lengths[i]).
   * The arrays may be reused by the caller after the call; the buffer must
   * not change until sent.
   */
  sendBatch(buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number): void {
    if (this.transport === null) return this.events.dropped('destination_down', count);
    if (this.pending.length > 0) return this.enqueue(buf, offsets, lengths, 0, count);
    const from = this.drain(buf, offsets, lengths, 0, count);
    if (from < count) this.enqueue(buf, offsets, lengths, from, count);
  }

  /** Sends what waits (bounded by maxWaitMs), then closes. */
  async close(maxWaitMs = 2000): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const until = Date.now() + maxWaitMs;
    while (this.pending.length > 0 && this.transport !== null && Date.now() < until) {
      this.flushPending();
      if (this.pending.length > 0) await new Promise((r) => setTimeout(r, RETRY_SEND_MS));
    }
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pendingCount > 0) this.events.dropped('send_queue_full', this.pendingCount);
    this.pending.length = 0;
    this.pendingCount = 0;
    await this.transport?.close();
    this.transport = null;
  }

  // Sends from `from` until done or the kernel has no room; returns where it stopped.
  private drain(buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, from: number, end: number): number {
    const t = this.transport!;
    while (from < end) {
      const r = t.sendMany(buf, offsets, lengths, from, end - from);
      for (let i = from; i < from + r.sent; i++) this.events.sent(lengths[i]!);
      from += r.sent;
      if (r.errno === null) break;
      if (r.errno === 'EAGAIN' || r.errno === 'ENOBUFS') return from;
      if (r.errno === 'EMSGSIZE') {
        this.events.dropped('too_big');
        from++;
        continue;
      }
      this.onErrno(r.errno);
      // A refusal reports an earlier datagram's ICMP answer: the one at
      // `from` was not sent and is tried again. Other errors lose it.
      if (r.errno !== 'ECONNREFUSED') {
        this.events.dropped('send_error');
        from++;
      }
    }
    return from;
  }

  private enqueue(buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, from: number, end: number) {
    const n = end - from;
    if (this.pendingCount + n > MAX_SEND_QUEUE || this.pending.length >= MAX_SEND_QUEUE_BATCHES) {
      return this.events.dropped('send_queue_full', n);
    }
    this.pending.push({ buf, offsets: offsets.slice(from, end), lengths: lengths.slice(from, end), from: 0, end: n });
    this.pendingCount += n;
    this.retryTimer ??= setTimeout(() => {
      this.retryTimer = null;
      this.flushPending();
    }, RETRY_SEND_MS);
  }

  private flushPending() {
    while (this.pending.length > 0 && this.transport !== null) {
      const p = this.pending[0]!;
      const stopped = this.drain(p.buf, p.offsets, p.lengths, p.from, p.end);
      this.pendingCount -= stopped - p.from;
      p.from = stopped;
      if (stopped < p.end) break;
      this.pending.shift();
    }
    if (this.pending.length > 0 && this.retryTimer === null && !this.closed) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.flushPending();
      }, RETRY_SEND_MS);
    }
  }

  private async connect(): Promise<void> {
    const { host, port, name } = this.opts;
    try {
      const address = isIP(host) ? host : (await lookup(host)).address;
      const t = this.events.received ? await this.dgramTransport(address) : this.nativeTransport(address);
      if (this.closed) return void (await t.close());
      this.transport = t;
      this.backoffMs = RECONNECT_MIN_MS;
      this.log.info({ destination: name, address, port }, 'destination connected');
      this.events.up?.();
    } catch (err) {
      const e = err as { errno?: unknown; code?: string };
      this.events.error(typeof e.errno === 'string' ? e.errno : e.code ?? 'EUNKNOWN');
      this.log.warn({ destination: name, err, retryMs: this.backoffMs }, 'destination unavailable');
      this.retry();
    }
  }

  private nativeTransport(address: string): Transport {
    const s = UdpBatchSocket.open({ host: address, port: this.opts.port, sendBufferBytes: this.opts.sendBufferBytes });
    return {
      sendMany: (buf, offsets, lengths, from, count) => s.sendMany(buf, offsets, lengths, from, count),
      close: async () => s.close(),
    };
  }

  // A dgram socket reads what the destination sends back. libuv queues
  // what the kernel cannot take; that queue counts against MAX_SEND_QUEUE.
  private async dgramTransport(address: string): Promise<Transport> {
    const s: Socket = createSocket({ type: isIP(address) === 6 ? 'udp6' : 'udp4', sendBufferSize: this.opts.sendBufferBytes });
    s.on('error', (err: NodeJS.ErrnoException) => this.onErrno(err.code ?? 'EUNKNOWN'));
    s.on('message', (msg: Buffer) => this.events.received?.(msg));
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      // A failed connect(2) (ENETUNREACH: no route) reaches this
      // callback as its argument, not as an 'error' event.
      s.connect(this.opts.port, address, (err?: Error) => {
        s.off('error', reject);
        if (err) {
          s.close();
          reject(err);
        } else resolve();
      });
    });
    return {
      sendMany(buf, offsets, lengths, from, count) {
        let sent = 0;
        for (; sent < count; sent++) {
          if (s.getSendQueueCount() >= MAX_SEND_QUEUE) return { sent, errno: 'EAGAIN' };
          const at = offsets[from + sent]!;
          s.send(buf.subarray(at, at + lengths[from + sent]!));
        }
        return { sent, errno: null };
      },
      close: () => new Promise<void>((r) => {
        const wait = () => (s.getSendQueueCount() > 0 ? setTimeout(wait, 5) : s.close(() => r()));
        wait();
      }),
    };
  }

  private retry() {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.connect(), this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, RECONNECT_MAX_MS);
  }

  // ECONNREFUSED is ICMP port-unreachable from the destination host: nobody
  // listens there now. The socket stays usable.
  private onErrno(code: string) {
    this.events.error(code);
    const skipped = this.errLog.hit();
    if (skipped >= 0) this.log.warn({ destination: this.opts.name, code, skipped }, 'destination send failed');
  }
}
