/**
 * The bus: ZeroMQ PUB/SUB through an XSUB/XPUB proxy. Publishers connect to
 * the proxy's XSUB side, subscribers to its XPUB side; topics are the kinds.
 *
 * High-water marks are set on purpose on every socket: when a queue is full,
 * libzmq's PUB and XPUB drop, and the receiver counts the drop from the
 * sequence gap (see envelope.ts); nothing grows without bound.
 */
import * as zmq from 'zeromq';
import type { Config } from './config/schema.js';
import { clientSecurity } from './curve.js';
import { SekiwakeError } from './errors.js';
import { readBatchHeader, type BatchHeader, type Kind } from './envelope.js';

/** High-water marks and kernel buffer sizes of one bus socket. */
export interface BusSocketOptions {
  sendHighWaterMark: number;
  receiveHighWaterMark: number;
  curve?: Config['bus']['curve'];
}

/**
 * A receive loop that always finds a message waiting never leaves the
 * microtask queue, and timers (heartbeats) and other sockets starve. Loops
 * call `fairness.turn()` per message; it yields to the event loop once
 * YIELD_AFTER_MS have passed since the last time it did.
 */
export const YIELD_AFTER_MS = 5;

/** Lets a busy receive loop give the rest of the process its turn. */
export class Fairness {
  private last = performance.now();

  /** Resolves at once, or after one turn of the event loop when one is due. */
  turn(): Promise<void> | null {
    const now = performance.now();
    if (now - this.last < YIELD_AFTER_MS) return null;
    this.last = now;
    return new Promise((r) => setImmediate(r));
  }
}

/** Milliseconds a closing socket may keep trying to deliver what it queued. */
export const CLOSE_LINGER_MS = 2000;

/** How soon a publisher tries again when the proxy's queue is full. */
export const FULL_RETRY_MS = 1;

/** Longest a publisher waits for the first subscription before it starts. */
export const SUBSCRIPTION_WAIT_MS = 3000;

/**
 * Sends batches to the proxy. It is an XPUB socket connected to the proxy's
 * XSUB side, so it hears every subscription: it knows which kinds have a
 * subscriber (datagrams of a kind nobody wants are counted, not silently
 * filtered), and it can wait for the subscriptions before publishing the
 * first batch (ZeroMQ's "slow joiner"). ZMQ_XPUB_NODROP makes a full queue
 * push back instead of dropping silently; zeromq.js allows one send at a
 * time, so batches then wait in a bounded queue and `publish` refuses
 * (the caller counts the drop) once it is full.
 */
export class BusPublisher {
  readonly id = (Math.random() * 0x1_0000_0000) >>> 0;
  private readonly socket: zmq.XPublisher;
  private readonly queue: Array<[string, Buffer]> = [];
  private readonly nextSeq = new Map<Kind, number>();
  private readonly topics = new Set<string>();
  private sending = false;
  private idle: (() => void) | null = null;
  private subscribed: (() => void) | null = null;
  private failure: ((err: Error) => void) | null = null;

  constructor(
    readonly endpoint: string,
    opts: BusSocketOptions,
    readonly maxQueued: number,
  ) {
    // With NODROP, a full pipe makes zmq_send fail with EAGAIN while the
    // socket still polls writable; zeromq.js would spin on it. A send
    // timeout of 0 returns EAGAIN at once, and pump() waits a little.
    this.socket = new zmq.XPublisher({
      ...clientSecurity(opts.curve),
      sendHighWaterMark: opts.sendHighWaterMark,
      sendTimeout: 0,
      noDrop: true,
      linger: CLOSE_LINGER_MS,
    });
  }

  /** Connects to the proxy's XSUB side; libzmq reconnects by itself. */
  connect(): void {
    try {
      this.socket.connect(this.endpoint);
    } catch (err) {
      throw busError('connect', this.endpoint, err);
    }
    void this.listen();
  }

  /** Resolves at the first subscription heard, or after `timeoutMs` without one. */
  waitForSubscribers(timeoutMs = SUBSCRIPTION_WAIT_MS): Promise<boolean> {
    if (this.topics.size > 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.subscribed = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  /** True when some subscriber wants `kind` (ZeroMQ prefix matching). */
  hasSubscriber(kind: Kind): boolean {
    for (const t of this.topics) if (kind.startsWith(t)) return true;
    return false;
  }

  /** Called with an error when a send fails. */
  onError(fn: (err: Error) => void): void {
    this.failure = fn;
  }

  /** Batches waiting to be handed to libzmq. */
  get queued(): number {
    return this.queue.length;
  }

  /** True when `publish` would refuse a batch. */
  get full(): boolean {
    return this.queue.length >= this.maxQueued;
  }

  /**
   * The sequence number to write into the next batch of `kind`, reserving
   * `count` datagrams. Call only for a batch that will be published.
   */
  reserve(kind: Kind, count: number): number {
    const seq = this.nextSeq.get(kind) ?? 0;
    this.nextSeq.set(kind, seq + count);
    return seq;
  }

  /** Queues a finished batch; false when the queue is full and it was not taken. */
  publish(kind: Kind, batch: Buffer): boolean {
    if (this.queue.length >= this.maxQueued) return false;
    this.queue.push([kind, batch]);
    if (!this.sending) void this.pump();
    return true;
  }

  // Subscription messages: byte 1 then the topic to subscribe, byte 0 to
  // unsubscribe. A non-verbose XPUB passes only the first and the last.
  private async listen(): Promise<void> {
    try {
      for await (const [frame] of this.socket) {
        if (frame === undefined || frame.length === 0) continue;
        const topic = frame.subarray(1).toString('latin1');
        if (frame[0] === 1) this.topics.add(topic);
        else this.topics.delete(topic);
        this.subscribed?.();
        this.subscribed = null;
      }
    } catch (err) {
      if (!this.socket.closed) this.failure?.(busError('receive', this.endpoint, err));
    }
  }

  private async pump(): Promise<void> {
    this.sending = true;
    while (this.queue.length > 0 && !this.socket.closed) {
      const msg = this.queue[0]!;
      try {
        await this.socket.send(msg);
      } catch (err) {
        // The proxy's queue is full: keep the batch and try again shortly;
        // meanwhile our own bounded queue fills and refuses (queue_full).
        if ((err as { code?: string }).code === 'EAGAIN') {
          await new Promise((r) => setTimeout(r, FULL_RETRY_MS));
          continue;
        }
        this.failure?.(busError('send', this.endpoint, err));
      }
      this.queue.shift();
    }
    this.sending = false;
    this.idle?.();
  }

  /**
   * Sends what is queued (for at most CLOSE_LINGER_MS), then closes.
   * Resolves with the number of datagrams left unsent, for the caller to count.
   */
  async close(): Promise<number> {
    if (this.sending) {
      await Promise.race([
        new Promise<void>((r) => (this.idle = r)),
        new Promise<void>((r) => setTimeout(r, CLOSE_LINGER_MS).unref()),
      ]);
    }
    this.socket.close();
    let unsent = 0;
    for (const [, batch] of this.queue) unsent += batch.readUInt32LE(16);
    this.queue.length = 0;
    return unsent;
  }
}

/**
 * zeromq.js allows one send in progress per socket; this puts the sends of
 * several callers (a data path, a heartbeat timer) one after the other.
 */
export class SendQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly socket: { send(msg: zmq.MessageLike[] | zmq.MessageLike): Promise<void> }) {}

  /** Sends after every send queued before; rejects as that send does. */
  send(msg: zmq.MessageLike[] | zmq.MessageLike): Promise<void> {
    const p = this.tail.then(() => this.socket.send(msg));
    this.tail = p.catch(() => undefined);
    return p;
  }
}

/** A received batch: its checked header and the whole envelope. */
export interface ReceivedBatch {
  header: BatchHeader;
  batch: Buffer;
}

/**
 * Receives batches of the given kinds from the proxy's XPUB side and hands
 * each to `onBatch` in order. Malformed messages go to `onInvalid`.
 */
export class BusSubscriber {
  private readonly socket: zmq.Subscriber;
  private running: Promise<void> | null = null;

  constructor(
    readonly endpoint: string,
    readonly kinds: readonly Kind[],
    opts: BusSocketOptions,
  ) {
    this.socket = new zmq.Subscriber({ ...clientSecurity(opts.curve), receiveHighWaterMark: opts.receiveHighWaterMark, linger: 0 });
  }

  /** Connects and subscribes; libzmq reconnects by itself. */
  connect(): void {
    try {
      this.socket.connect(this.endpoint);
      for (const k of this.kinds) this.socket.subscribe(k);
    } catch (err) {
      throw busError('connect', this.endpoint, err);
    }
  }

  /** Starts the receive loop. */
  start(handlers: {
    onBatch(b: ReceivedBatch): void;
    onInvalid(err: SekiwakeError, bytes: number): void;
  }): void {
    this.running = (async () => {
      const fairness = new Fairness();
      for await (const frames of this.socket) {
        await fairness.turn();
        const batch = frames[1];
        if (frames.length !== 2 || batch === undefined) {
          handlers.onInvalid(new SekiwakeError('E_ENVELOPE', 'bus message must have 2 frames'), 0);
          continue;
        }
        let header: BatchHeader;
        try {
          header = readBatchHeader(batch);
        } catch (err) {
          handlers.onInvalid(err as SekiwakeError, batch.length);
          continue;
        }
        handlers.onBatch({ header, batch });
      }
    })().catch((err: unknown) => {
      if (!this.socket.closed) throw err;
    });
  }

  /** Stops receiving and closes the socket. */
  async close(): Promise<void> {
    this.socket.close();
    await this.running?.catch(() => undefined);
  }
}

/** What a sequence check found for one batch. */
export interface SequenceVerdict {
  /** Datagrams missing just before this batch. */
  lost: number;
  /** True for a batch that starts before the end of the previous one. */
  reordered: boolean;
}

/**
 * Tracks, per publisher and kind, where the last batch ended, so that every
 * receiving point can count what the bus lost before it. Bounded: the
 * oldest publishers are forgotten first.
 */
export class SequenceTracker {
  private readonly next = new Map<string, number>();

  constructor(private readonly maxStreams = 4096) {}

  /** Records `h` and says how many datagrams went missing before it. */
  observe(h: BatchHeader): SequenceVerdict {
    const key = `${h.publisher}/${h.kind}`;
    const expected = this.next.get(key);
    this.next.delete(key);
    this.next.set(key, h.seq + h.count);
    if (this.next.size > this.maxStreams) {
      const oldest = this.next.keys().next().value;
      if (oldest !== undefined) this.next.delete(oldest);
    }
    // A stream seen for the first time: what came before we joined is not loss.
    if (expected === undefined) return { lost: 0, reordered: false };
    if (h.seq < expected) return { lost: 0, reordered: true };
    return { lost: h.seq - expected, reordered: false };
  }
}

function busError(op: string, endpoint: string, err: unknown): SekiwakeError {
  const reason = err instanceof Error ? err.message : String(err);
  return new SekiwakeError('E_BUS', `bus ${op} on ${endpoint} failed: ${reason}`, { endpoint, op }, { cause: err });
}
