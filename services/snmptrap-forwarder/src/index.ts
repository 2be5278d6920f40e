/**
 * The SNMP trap forwarder: every datagram on the `trap` topic (v1, v2c and
 * v3 traps and informs) is sent, byte for byte, to every manager over UDP.
 * Nothing is re-encoded or downgraded: a v3 trap stays v3, with its
 * authentication and encryption intact. On the way each datagram is
 * decoded just enough to count it (accounting.ts); one that does not
 * decode is forwarded all the same and counted by reason.
 *
 * Informs. The capture is passive: an agent's InformRequest goes to its own
 * manager, the real destination on the wire, and that manager answers it;
 * Sekiwake never answers an inform and never retransmits one. The copy it
 * forwards leaves from the destination socket, so a manager answers that
 * copy to the forwarder, not to the agent: those Responses (and Reports)
 * are read, counted in snmp_manager_replies_total and discarded
 * (replies.ts). An agent that retransmits because its own manager was slow
 * is seen on the wire again, so managers may get an inform more than once,
 * as they would from the agent itself; informs are counted apart in
 * snmp_informs_total. A v3 inform is built for its receiver's engine ID
 * (the receiver is authoritative), so a manager takes the forwarded copy
 * only if it shares that engine ID and the user's keys; any other manager
 * answers with a Report, which is counted like any reply.
 *
 * The UDP source of what a manager receives is the forwarder: v1 traps
 * carry the agent's address inside (agent-addr), v2c and v3 ones do not,
 * and adding snmpTrapAddress.0 would change the bytes.
 */
import { startForwarder, type RunningService, type ServiceContext } from '@sekiwake/shared';
import { TrapAccounting } from './accounting.js';
import { ManagerReplies } from './replies.js';

/** Starts the snmptrap-forwarder. */
export async function start(ctx: ServiceContext): Promise<RunningService> {
  const cfg = ctx.config.services['snmptrap-forwarder'];
  const log = ctx.log.child({ component: 'snmptrap-forwarder' });
  const accounting = new TrapAccounting(ctx.metrics, cfg.labels, log);
  const replies = new ManagerReplies(ctx.metrics, log);
  return startForwarder(ctx, 'snmptrap-forwarder', 'trap', log, {
    inspect: (d) => accounting.inspect(d),
    onDestinationMessage: (name, msg) => replies.received(name, msg),
  });
}
