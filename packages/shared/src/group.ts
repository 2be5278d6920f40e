/**
 * Replica groups: the replicas of one forwarder share its stream, each
 * datagram delivered by exactly one of them, while other subscribers keep
 * seeing everything on the XPUB side.
 *
 * The pattern is the ZeroMQ guide's load-balancing broker with heartbeats:
 * the proxy binds a ROUTER, each replica connects a DEALER and says, every
 * HEARTBEAT_INTERVAL_MS, which group it belongs to and how many datagrams
 * it has received. A replica silent for HEARTBEAT_LIVENESS intervals, or one
 * the ROUTER can no longer reach, is dead. The proxy splits every batch by
 * exporter (the source address) with rendezvous hashing over the live
 * members, so all datagrams of one exporter go to one replica while the
 * group is stable, and a join or a leave moves only that member's share.
 *
 * Frames, replica to proxy:  ["HB", JSON MemberReport] | ["ACK", received]
 *                            | ["BYE", JSON MemberReport]
 *        proxy to replica:   ["HB"] | ["DATA", topic, batch] | ["BYE", datagrams sent]
 *
 * Leaving on purpose (SIGTERM, scale down) loses nothing: the replica says
 * BYE, the proxy stops sending to it and answers with how many datagrams it
 * sent in all, and the replica reads until it has them. A replica that dies
 * loses what was in flight to it; the proxy counts that as lost.
 */
import * as zmq from 'zeromq';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Fairness, SendQueue, type BusSocketOptions } from './bus.js';
import { clientSecurity } from './curve.js';
import { SekiwakeError } from './errors.js';
import type { Kind } from './envelope.js';

/** How often each side says it is alive. */
export const HEARTBEAT_INTERVAL_MS = 500;
/** Missed heartbeats after which the other side is taken for dead. */
export const HEARTBEAT_LIVENESS = 4;
/** A member silent this long is dead: the detection time of a replica that dies. */
export const MEMBER_TIMEOUT_MS = HEARTBEAT_INTERVAL_MS * HEARTBEAT_LIVENESS;

/** What a replica says in each heartbeat. */
export interface MemberReport {
  group: string;
  kinds: Kind[];
  /** A readable, stable name: host and replica number. */
  name: string;
  /** Datagrams received from the group stream so far (all handled: handling is synchronous). */
  received: number;
}

/**
 * A 32-bit FNV-1a hash of an address: the exporter's key. Two exporters whose
 * keys collide simply share a replica; the split stays deterministic.
 */
export function exporterKey(b: Uint8Array, at: number, len: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < len; i++) {
    h ^= b[at + i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A 32-bit seed for a member, from its id. */
export function memberSeed(id: string): number {
  return exporterKey(Buffer.from(id), 0, id.length);
}

// A strong 32-bit mix (murmur3's finaliser) of key and seed: the score of
// rendezvous hashing. The member with the highest score owns the key.
function score(key: number, seed: number): number {
  let h = (key ^ seed) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Rendezvous (highest random weight) hashing: the index of the seed that owns `key`. */
export function owner(key: number, seeds: readonly number[]): number {
  let best = -1;
  let bestScore = -1;
  for (let i = 0; i < seeds.length; i++) {
    const s = score(key, seeds[i]!);
    if (s > bestScore) {
      bestScore = s;
      best = i;
    }
  }
  return best;
}

/**
 * A member acknowledges what it has handled at most this often, between
 * heartbeats: what a replica that dies took with it is then known to
 * within this much traffic.
 */
export const ACK_INTERVAL_MS = 10;

/** Longest a leaving replica waits for the rest of its share. */
export const LEAVE_DRAIN_MS = 3000;

/** What a member hands its owner for each batch. */
export type BatchHandler = (topic: string, batch: Buffer) => void;

/**
 * The replica side: a DEALER that heartbeats to the proxy's group endpoint
 * and receives the replica's share. It notices a proxy that went away (no
 * heartbeat from it) and keeps heartbeating, so it rejoins by itself when
 * the proxy is back.
 */
export class GroupMember {
  readonly id = randomUUID();
  private readonly socket: zmq.Dealer;
  private readonly out: SendQueue;
  private received = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastHeard = 0;
  private loop: Promise<void> | null = null;
  private leaving: (() => void) | null = null;
  private lastAck = 0;
  /** Datagrams the proxy says it sent this member in all; -1 until it said. */
  private sentByProxy = -1;

  constructor(
    readonly endpoint: string,
    readonly group: string,
    readonly kinds: Kind[],
    readonly replica: number,
    opts: BusSocketOptions,
  ) {
    this.socket = new zmq.Dealer({ ...clientSecurity(opts.curve), routingId: this.id, receiveHighWaterMark: opts.receiveHighWaterMark, sendTimeout: 0, linger: 0 });
    this.out = new SendQueue(this.socket);
  }

  /** The name the proxy shows for this member. */
  get name(): string {
    return `${hostname()}/${this.replica}`;
  }

  /** True while heartbeats from the proxy arrive. */
  get connected(): boolean {
    return Date.now() - this.lastHeard < MEMBER_TIMEOUT_MS;
  }

  /** Connects, starts heartbeating and hands each batch to `onBatch`. */
  start(onBatch: BatchHandler): void {
    try {
      this.socket.connect(this.endpoint);
    } catch (err) {
      throw new SekiwakeError('E_BUS', `cannot connect to group endpoint ${this.endpoint}: ${(err as Error).message}`, { endpoint: this.endpoint }, { cause: err });
    }
    this.heartbeat();
    this.timer = setInterval(() => this.heartbeat(), HEARTBEAT_INTERVAL_MS);
    this.loop = this.receive(onBatch);
  }

  /** Counts datagrams handled; acknowledges them now and then. */
  handled(n: number): void {
    this.received += n;
    const now = Date.now();
    if (now - this.lastAck >= ACK_INTERVAL_MS) {
      this.lastAck = now;
      this.out.send(['ACK', String(this.received)]).catch(() => undefined);
    }
  }

  /**
   * Leaves the group: says BYE, reads until every datagram the proxy sent
   * has arrived (or LEAVE_DRAIN_MS passed), then closes. Resolves with the
   * number of datagrams that did not arrive (0 after a clean drain).
   */
  async close(): Promise<number> {
    if (this.timer) clearInterval(this.timer);
    let missing = 0;
    if (this.loop !== null) {
      const drained = new Promise<void>((resolve) => (this.leaving = resolve));
      await this.out.send(['BYE', JSON.stringify(this.report())]).catch(() => undefined);
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), LEAVE_DRAIN_MS).unref());
      if ((await Promise.race([drained, timeout])) === 'timeout') missing = Math.max(0, this.sentByProxy - this.received);
    }
    this.socket.close();
    await this.loop?.catch(() => undefined);
    return missing;
  }

  private report(): MemberReport {
    return { group: this.group, kinds: this.kinds, name: this.name, received: this.received };
  }

  private heartbeat() {
    // A heartbeat that cannot be queued now is simply skipped; the next one follows.
    this.out.send(['HB', JSON.stringify(this.report())]).catch(() => undefined);
  }

  // Once the proxy's BYE told how many datagrams it sent, the drain ends
  // when all of them have been handled.
  private checkDrained() {
    if (this.leaving !== null && this.sentByProxy >= 0 && this.received >= this.sentByProxy) {
      this.leaving();
      this.leaving = null;
    }
  }

  private async receive(onBatch: BatchHandler): Promise<void> {
    try {
      const fairness = new Fairness();
      for await (const frames of this.socket) {
        await fairness.turn();
        this.lastHeard = Date.now();
        const command = frames[0]?.toString();
        if (command === 'DATA' && frames.length === 3) onBatch(frames[1]!.toString('latin1'), frames[2]!);
        else if (command === 'BYE') this.sentByProxy = Number(frames[1]?.toString() ?? 0);
        this.checkDrained();
      }
    } catch (err) {
      if (!this.socket.closed) throw err;
    }
  }
}
