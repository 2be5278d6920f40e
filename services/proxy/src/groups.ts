/**
 * The proxy's side of replica groups (see @sekiwake/shared group.ts): a
 * ROUTER that tracks the members of each group by their heartbeats and
 * splits every batch among them by exporter, with rendezvous hashing.
 */
import * as zmq from 'zeromq';
import {
  BATCH_HEADER_BYTES,
  exporterKey,
  HEARTBEAT_INTERVAL_MS,
  KINDS,
  MEMBER_TIMEOUT_MS,
  memberSeed,
  owner,
  RECORD_FIXED_BYTES,
  Fairness,
  SendQueue,
  type BatchHeader,
  type Kind,
  type Logger,
  type MemberReport,
} from '@sekiwake/shared';
import type { ProxyMetrics } from './metrics.js';

const TWO_32 = 0x1_0000_0000;
/** Exporter keys whose owner is remembered per group before the cache starts over. */
const OWNER_CACHE_MAX = 65536;

/** One replica of a group, as the proxy sees it. */
interface Member {
  identity: Buffer;
  name: string;
  seed: number;
  lastSeen: number;
  /** The member's own stream: its publisher id and next sequence number. */
  streamId: number;
  nextSeq: number;
  /** Datagrams sent to it, and what it last said it had received. */
  sent: number;
  received: number;
}

/** The members of one group and which of them owns which exporter. */
interface Group {
  name: string;
  kinds: Set<Kind>;
  members: Member[];
  seeds: number[];
  owners: Map<number, number>;
}

/** Why a member stopped being one. */
type Leave = 'bye' | 'timeout' | 'unreachable';

/** Groups, members and the split of batches among them. */
export class GroupRouter {
  private readonly groups = new Map<string, Group>();
  private readonly byIdentity = new Map<string, { group: Group; member: Member }>();
  private timer: NodeJS.Timeout | null = null;
  private lastTick = Date.now();
  private readonly out: SendQueue;

  constructor(
    private readonly socket: zmq.Router,
    private readonly m: ProxyMetrics,
    private readonly log: Logger,
    /** Called when the set of kinds some group wants changes. */
    private readonly onKindsChanged: () => void,
  ) {
    this.out = new SendQueue(socket);
  }

  /** Kinds at least one live group member wants. */
  wantedKinds(): Set<Kind> {
    const out = new Set<Kind>();
    for (const g of this.groups.values()) if (g.members.length > 0) for (const k of g.kinds) out.add(k);
    return out;
  }

  /** Starts reading heartbeats and sending the proxy's own. */
  start(): Promise<void> {
    this.timer = setInterval(() => this.tick(), HEARTBEAT_INTERVAL_MS);
    return this.receive();
  }

  /** Stops the heartbeat timer. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Sends each group's share of `batch` to its members. */
  async route(header: BatchHeader, batch: Buffer): Promise<void> {
    for (const g of this.groups.values()) {
      if (g.members.length > 0 && g.kinds.has(header.kind)) await this.routeToGroup(g, header.kind, batch, header.count);
    }
  }

  private async routeToGroup(g: Group, kind: Kind, batch: Buffer, count: number): Promise<void> {
    const parts = g.members.length === 1 ? [{ member: g.members[0]!, ranges: [BATCH_HEADER_BYTES, batch.length], count }] : this.split(g, batch);
    for (const part of parts) {
      const out = assemble(batch, part.ranges, kind, part.member, part.count);
      const result = await this.sendTo(part.member, kind, out);
      if (result === 'sent') continue;
      if (result === 'full') {
        this.m.groupLost.inc({ group: g.name, reason: 'member_full' }, part.count);
        continue;
      }
      // Gone between two heartbeats: its share goes to the others at once.
      this.leave(g, part.member, 'unreachable');
      if (g.members.length > 0) await this.routeToGroup(g, kind, out, part.count);
      else this.m.groupLost.inc({ group: g.name, reason: 'no_member' }, part.count);
    }
  }

  // Record ranges of the batch for each member, by the owner of the record's
  // source address. Offsets follow the envelope layout (envelope.ts).
  private split(g: Group, b: Buffer): Array<{ member: Member; ranges: number[]; count: number }> {
    const parts = g.members.map((member) => ({ member, ranges: [] as number[], count: 0 }));
    for (let at = BATCH_HEADER_BYTES; at < b.length; ) {
      const end = at + RECORD_FIXED_BYTES + b[at + 11]! + b.readUInt32LE(at + 20);
      const key = exporterKey(b, at + 24, b[at + 10] === 6 ? 16 : 4);
      let idx = g.owners.get(key);
      if (idx === undefined) {
        idx = owner(key, g.seeds);
        if (g.owners.size >= OWNER_CACHE_MAX) g.owners.clear();
        g.owners.set(key, idx);
      }
      const p = parts[idx]!;
      const last = p.ranges.length - 1;
      if (last > 0 && p.ranges[last] === at) p.ranges[last] = end;
      else p.ranges.push(at, end);
      p.count++;
      at = end;
    }
    return parts.filter((p) => p.count > 0);
  }

  private async sendTo(member: Member, kind: Kind, batch: Buffer): Promise<'sent' | 'full' | 'gone'> {
    try {
      await this.out.send([member.identity, 'DATA', kind, batch]);
    } catch (err) {
      return (err as { code?: string }).code === 'EAGAIN' ? 'full' : 'gone';
    }
    const count = batch.readUInt32LE(16);
    member.nextSeq += count;
    member.sent += count;
    this.m.groupDatagrams.inc({ member: member.name }, count);
    return 'sent';
  }

  private async receive(): Promise<void> {
    const fairness = new Fairness();
    for await (const [identity, command, body] of this.socket) {
      await fairness.turn();
      if (identity === undefined || command === undefined) continue;
      if (command.toString() === 'ACK') {
        this.acked(identity, Number(body?.toString()));
        continue;
      }
      const report = parseReport(body);
      if (report === null) {
        this.m.dropped.inc({ reason: 'group_message_invalid' });
        continue;
      }
      const cmd = command.toString();
      if (cmd === 'HB') this.heard(identity, report);
      else if (cmd === 'BYE') await this.bye(identity, report);
    }
  }

  private acked(identity: Buffer, received: number) {
    const known = this.byIdentity.get(identity.toString('latin1'));
    if (known && Number.isFinite(received) && received > known.member.received) known.member.received = received;
  }

  private heard(identity: Buffer, r: MemberReport) {
    const known = this.byIdentity.get(identity.toString('latin1'));
    if (known) {
      known.member.lastSeen = Date.now();
      known.member.received = Math.max(known.member.received, r.received);
      return;
    }
    const g = this.group(r);
    const member: Member = {
      identity: Buffer.from(identity), name: r.name, seed: memberSeed(identity.toString('latin1')),
      lastSeen: Date.now(), streamId: (Math.random() * TWO_32) >>> 0, nextSeq: 0, sent: 0, received: r.received,
    };
    const wasEmpty = g.members.length === 0;
    g.members.push(member);
    this.byIdentity.set(identity.toString('latin1'), { group: g, member });
    this.reshape(g, 'join');
    this.log.info({ group: g.name, member: r.name, members: g.members.length }, 'group member joined');
    if (wasEmpty) this.onKindsChanged();
  }

  private async bye(identity: Buffer, r: MemberReport) {
    const known = this.byIdentity.get(identity.toString('latin1'));
    if (!known) return;
    known.member.received = r.received;
    this.leave(known.group, known.member, 'bye');
    await this.out.send([identity, 'BYE', String(known.member.sent)]).catch(() => undefined);
  }

  private leave(g: Group, member: Member, why: Leave) {
    const i = g.members.indexOf(member);
    if (i < 0) return;
    g.members.splice(i, 1);
    this.byIdentity.delete(member.identity.toString('latin1'));
    // A member that left on purpose drains what was sent to it. One that
    // died took with it what it had not acknowledged, counted here as lost:
    // the real loss, plus what it handled in its last ACK_INTERVAL_MS.
    const lost = why === 'bye' ? 0 : Math.max(0, member.sent - member.received);
    if (lost > 0) this.m.groupLost.inc({ group: g.name, reason: 'member_died' }, lost);
    this.m.groupDatagrams.remove({ member: member.name });
    this.reshape(g, 'leave');
    const level = why === 'bye' ? 'info' : 'warn';
    this.log[level]({ group: g.name, member: member.name, why, lost, members: g.members.length }, 'group member left');
    if (g.members.length === 0) this.onKindsChanged();
  }

  private reshape(g: Group, cause: 'join' | 'leave') {
    g.seeds = g.members.map((m) => m.seed);
    g.owners.clear();
    this.m.groupMembers.set({ group: g.name }, g.members.length);
    this.m.groupRebalances.inc({ group: g.name, cause });
  }

  private group(r: MemberReport): Group {
    let g = this.groups.get(r.group);
    if (g === undefined) {
      g = { name: r.group, kinds: new Set(r.kinds.filter((k) => (KINDS as readonly string[]).includes(k))), members: [], seeds: [], owners: new Map() };
      this.groups.set(r.group, g);
    }
    return g;
  }

  private tick() {
    const now = Date.now();
    // A tick that comes late means this process was busy, not that the
    // members went quiet: their heartbeats may be waiting unread.
    const late = now - this.lastTick > 2 * HEARTBEAT_INTERVAL_MS;
    this.lastTick = now;
    for (const g of this.groups.values()) {
      for (const member of [...g.members]) {
        if (!late && now - member.lastSeen > MEMBER_TIMEOUT_MS) this.leave(g, member, 'timeout');
        else this.out.send([member.identity, 'HB']).catch(() => undefined);
      }
    }
  }
}

function parseReport(body: Buffer | undefined): MemberReport | null {
  if (body === undefined || body.length > 4096) return null;
  try {
    const r = JSON.parse(body.toString()) as MemberReport;
    const ok = typeof r.group === 'string' && r.group.length <= 64 && Array.isArray(r.kinds) &&
      typeof r.name === 'string' && r.name.length <= 128 && Number.isFinite(r.received);
    return ok ? r : null;
  } catch {
    return null;
  }
}

// A batch of the given record ranges of `from`, in the member's own stream.
function assemble(from: Buffer, ranges: number[], kind: Kind, m: Member, count: number): Buffer {
  let size = BATCH_HEADER_BYTES;
  for (let i = 0; i < ranges.length; i += 2) size += ranges[i + 1]! - ranges[i]!;
  const out = Buffer.allocUnsafe(size);
  from.copy(out, 0, 0, BATCH_HEADER_BYTES);
  let at = BATCH_HEADER_BYTES;
  for (let i = 0; i < ranges.length; i += 2) at += from.copy(out, at, ranges[i]!, ranges[i + 1]!);
  out[3] = KINDS.indexOf(kind) + 1;
  out.writeUInt32LE(m.streamId, 4);
  out.writeUInt32LE(m.nextSeq % TWO_32, 8);
  out.writeUInt32LE(Math.floor(m.nextSeq / TWO_32), 12);
  out.writeUInt32LE(count, 16);
  return out;
}
