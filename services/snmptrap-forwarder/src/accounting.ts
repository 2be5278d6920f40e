/**
 * Accounting of every datagram on its way through: decoded just enough to
 * count it by version and PDU type, by agent and by trap OID. A datagram
 * that does not decode is still forwarded, unchanged, and counted by reason.
 */
import {
  decodeSnmp,
  formatAddress,
  LogThrottle,
  type Counter,
  type Datagram,
  type DecodeFailure,
  type HotCount,
  type Logger,
  type Metrics,
  type SnmpMessage,
} from '@sekiwake/shared';
import { BoundedLabels } from './labels.js';

/** Label budgets, from the configuration. */
export interface AccountingLimits {
  maxAgents: number;
  maxTrapOids: number;
}

const VERSION_NUMBER = { '1': 0, '2c': 1, '3': 3 } as const;
const INFORM_TAG = 0xa6;
const NOTIFICATION_TAGS = new Set([0xa4, 0xa6, 0xa7]);
const WARN_INTERVAL_MS = 10_000;

/** Counts what passes, never throws. */
export class TrapAccounting {
  private readonly messages: Counter<'version' | 'pdu'>;
  private readonly failures: Counter<'reason'>;
  private readonly byVersion = new Map<number, HotCount>();
  private readonly byReason = new Map<DecodeFailure, HotCount>();
  private readonly agents: BoundedLabels<number | string>;
  private readonly oids: BoundedLabels<string>;
  private readonly informs: HotCount;
  private readonly warnings = new LogThrottle(WARN_INTERVAL_MS);

  constructor(
    private readonly registry: Metrics,
    limits: AccountingLimits,
    private readonly log: Logger,
  ) {
    this.messages = registry.counter({
      name: 'snmp_messages_total',
      help: 'SNMP messages forwarded, by version and PDU type ("encrypted" for v3 with privacy)',
      labelNames: ['version', 'pdu'],
    });
    this.failures = registry.counter({
      name: 'snmp_decode_failures_total',
      help: 'Datagrams on the trap topic that are not valid SNMP, forwarded unchanged all the same',
      labelNames: ['reason'],
    });
    const agents = registry.counter({
      name: 'snmp_agent_datagrams_total',
      help: 'Datagrams forwarded by the source address that sent them ("other" past the label budget)',
      labelNames: ['agent'],
    });
    const oids = registry.counter({
      name: 'snmp_trap_oid_total',
      help: 'Notifications forwarded by snmpTrapOID (v1 traps per RFC 3584; "other" past the label budget)',
      labelNames: ['oid'],
    });
    const informs = registry.counter({
      name: 'snmp_informs_total',
      help: 'InformRequests forwarded; the device\'s own manager answers them, not Sekiwake',
    });
    this.agents = new BoundedLabels(registry, agents, 'agent', limits.maxAgents);
    this.oids = new BoundedLabels(registry, oids, 'oid', limits.maxTrapOids);
    this.informs = registry.hot(informs, {});
  }

  /** Accounts one datagram. */
  inspect(d: Datagram): void {
    try {
      this.agents.get(agentKey(d.src), agentText).add();
      const r = decodeSnmp(d.payload);
      if (r.ok) this.count(r.message);
      else this.failed(r.reason, r.at, d);
    } catch (err) {
      // A bug here must not stop forwarding: count it and go on.
      this.failed('internal', 0, d);
      this.log.error({ err }, 'trap accounting failed');
    }
  }

  private count(m: SnmpMessage): void {
    const key = VERSION_NUMBER[m.version] * 256 + m.pduTag;
    let h = this.byVersion.get(key);
    if (h === undefined) {
      h = this.registry.hot(this.messages, { version: m.version, pdu: m.pdu });
      this.byVersion.set(key, h);
    }
    h.add();
    if (m.pduTag === INFORM_TAG) this.informs.add();
    if (NOTIFICATION_TAGS.has(m.pduTag)) this.oids.get(m.trapOid ?? 'unknown', same).add();
    else if (m.pdu === 'encrypted') this.oids.get('encrypted', same).add();
  }

  private failed(reason: DecodeFailure, at: number, d: Datagram): void {
    let h = this.byReason.get(reason);
    if (h === undefined) {
      h = this.registry.hot(this.failures, { reason });
      this.byReason.set(reason, h);
    }
    h.add();
    if (this.log.isLevelEnabled('debug')) {
      this.log.debug({ reason, at, agent: safeAddress(d.src), bytes: d.payload.length }, 'undecodable SNMP message');
    }
    const skipped = this.warnings.hit();
    if (skipped >= 0) this.log.warn({ reason, agent: safeAddress(d.src), skipped }, 'undecodable SNMP message forwarded unchanged');
  }
}

// An IPv4 address as one number: no string per datagram on the hot path.
function agentKey(src: Uint8Array): number | string {
  if (src.length === 4) return ((src[0]! << 24) | (src[1]! << 16) | (src[2]! << 8) | src[3]!) >>> 0;
  return formatAddress(src);
}

function agentText(key: number | string): string {
  if (typeof key === 'string') return key;
  return `${key >>> 24}.${(key >>> 16) & 255}.${(key >>> 8) & 255}.${key & 255}`;
}

function safeAddress(src: Uint8Array): string {
  return src.length === 4 || src.length === 16 ? formatAddress(src) : 'invalid';
}

function same(s: string): string {
  return s;
}
