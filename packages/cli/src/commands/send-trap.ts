/**
 * `sekiwake send trap`: a paced test agent. Each trap is valid BER of the
 * version asked for and carries an increasing counter (a Counter32 varbind,
 * SEQ_OID), so a manager can check that every trap came through exactly
 * once. SNMPv3 traps are noAuthNoPriv: a user name and engine ID, no keys;
 * a manager takes them with `createUser -e ENGINE_ID USER`.
 */
import { EXIT, encodeTrap, type TrapSpec } from '@sekiwake/shared';
import { hostPort, intOption, parse, usage } from './args.js';
import { openSender, paced } from './pace.js';
import { COMMON_SEND_OPTIONS } from './send.js';
import type { SendReport } from './send-syslog.js';

/** netSnmpPlaypen (NET-SNMP-MIB), for experiments: the test agent's subtree. */
export const TEST_ENTERPRISE = '1.3.6.1.4.1.8072.9999.9999.1';
/** The notification every test trap is. */
export const TEST_TRAP_OID = `${TEST_ENTERPRISE}.0.1`;
/** The varbind holding the sequence number. */
export const SEQ_OID = `${TEST_ENTERPRISE}.1`;
/** The default engine ID: RFC 3411 format 4 (text) under enterprise 8072. */
export const DEFAULT_ENGINE_ID = '80001f8804736b77';


/** What to send. */
export interface TrapSendOptions {
  host: string;
  port: number;
  version: TrapSpec['version'];
  /** Traps per second; 0 sends as fast as possible. */
  rate: number;
  count: number;
  startSeq: number;
  community: string;
  userName: string;
  engineId: Buffer;
}

/** The trap with sequence number `seq`. */
export function testTrap(o: Pick<TrapSendOptions, 'version' | 'community' | 'userName' | 'engineId'>, seq: number, upTime: number): Buffer {
  return encodeTrap({
    version: o.version,
    trapOid: TEST_TRAP_OID,
    upTime,
    varbinds: [{ oid: SEQ_OID, value: { type: 'counter32', value: seq } }],
    community: o.community,
    userName: o.userName,
    engineId: o.engineId,
    requestId: seq & 0x7fffffff,
    msgId: seq & 0x7fffffff,
  });
}

/** Sends `count` traps at `rate` per second and reports. */
export async function sendTraps(o: TrapSendOptions): Promise<SendReport> {
  const sender = await openSender(o.host, o.port);
  const seconds = await paced(sender, o.count, o.rate, (i) => {
    const upTime = Math.floor(performance.now() / 10);
    sender.socket.send(testTrap(o, o.startSeq + i, upTime), o.port, sender.address);
  });
  return { sent: o.count, errors: sender.errors(), seconds, rate: Math.round(o.count / seconds) };
}

/** Runs `sekiwake send trap ...`. */
export async function sendTrapCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...COMMON_SEND_OPTIONS,
    version: { type: 'string', default: '2c' },
    community: { type: 'string', default: 'public' },
    user: { type: 'string', default: 'sekiwake' },
    'engine-id': { type: 'string', default: DEFAULT_ENGINE_ID },
    'start-seq': { type: 'string', default: '0' },
  });
  const { host, port } = hostPort(values.to);
  const version = values.version;
  if (version !== '1' && version !== '2c' && version !== '3') throw usage('--version must be 1, 2c or 3');
  const engineHex = String(values['engine-id']).replace(/^0x/i, '');
  if (!/^([0-9a-f]{2}){5,32}$/i.test(engineHex)) throw usage('--engine-id must be 5 to 32 bytes in hex (RFC 3411)');
  const user = String(values.user);
  if (user.length < 1 || user.length > 32) throw usage('--user must be 1 to 32 characters');
  const report = await sendTraps({
    host,
    port,
    version,
    rate: intOption(values, 'rate', 0, 10_000_000),
    count: intOption(values, 'count', 1, 1_000_000_000),
    startSeq: intOption(values, 'start-seq', 0, 0xffff_ffff),
    community: String(values.community),
    userName: user,
    engineId: Buffer.from(engineHex, 'hex'),
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return report.errors > 0 ? EXIT.FAILURE : EXIT.OK;
}
